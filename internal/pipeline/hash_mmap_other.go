//go:build !unix

package pipeline

import (
	"context"
	"os"
)

// openNonblock is 0 where there are no FIFOs to block in open.
const openNonblock = 0

// mmapMin keeps the size table of the tests meaningful here too.
const mmapMin = 256 << 10

// hashMapped never maps on systems without mmap; files are streamed.
func hashMapped(context.Context, *os.File, os.FileInfo) (sum [32]byte, n int64, ok bool, err error) {
	return sum, 0, false, nil
}
