//go:build !unix

package pipeline

import "os"

// mmapMin keeps the size table of the tests meaningful here too.
const mmapMin = 256 << 10

// hashMapped never maps on systems without mmap; files are streamed.
func hashMapped(*os.File) (sum [32]byte, n int64, ok bool, err error) { return sum, 0, false, nil }
