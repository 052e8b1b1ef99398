package pipeline

import (
	"os"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// hashBufSize is the read buffer each worker reuses to stream body files.
const hashBufSize = 1 << 20

// hashFile streams the file at path through the engine's dispatched SHA-256
// with the caller's reusable buffer and returns the digest and the byte
// count. The file is never read whole into memory: large files are hashed
// from a memory mapping where the system has one (hashMapped), others
// streamed through buf.
func hashFile(path string, buf []byte) (sum [32]byte, n int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	if sum, n, ok, err := hashMapped(f); ok {
		return sum, n, err
	}
	return sha256block.HashReader(f, buf)
}
