package pipeline

import (
	"io"
	"os"

	"github.com/batchsign/batchsign/engine"
)

// hashBufSize is the read buffer each worker reuses to stream body files.
const hashBufSize = 1 << 20

// hashFile streams the file at path through the engine's SHA-256 with the
// caller's reusable buffer and returns the digest and the byte count.
//
// TODO(merge): replace the loop with engine.HashReader(f, buf) when it lands.
func hashFile(path string, buf []byte) (sum [32]byte, n int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	h := engine.NewSHA256()
	for {
		k, rerr := f.Read(buf)
		if k > 0 {
			h.Write(buf[:k])
			n += int64(k)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return sum, n, rerr
		}
	}
	h.Sum(sum[:0])
	return sum, n, nil
}
