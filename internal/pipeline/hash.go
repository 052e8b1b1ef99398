package pipeline

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// hashBufSize is the read buffer a worker allocates, on its first body
// file, and reuses to stream body files.
const hashBufSize = 1 << 20

// hashChunk is the most a body file hashes between two looks at the run's
// context: 4 MiB is a few milliseconds of SHA-256, so a signal ends a run
// promptly however large the file, at no measurable cost per chunk.
const hashChunk = 4 << 20

// ErrNotRegularFile: a body_file names a device, FIFO, socket or
// directory. Only regular files are hashed: /dev/zero would never end, and
// opening a FIFO blocks until a writer comes.
var ErrNotRegularFile = errors.New("not a regular file")

// hashFile streams the file at path through the engine's dispatched SHA-256
// with the caller's reusable buffer and returns the digest and the byte
// count. The file is never read whole into memory: large files are hashed
// from a memory mapping where the system has one (hashMapped), others
// streamed through buf. It stops with ctx's error when ctx is done, within
// one hashChunk.
//
// path must name a regular file (a symlink to one is followed). It is
// checked before it is opened, since opening a FIFO blocks, and what was
// opened is checked again, since the name may have changed in between.
func hashFile(ctx context.Context, path string, buf []byte) (sum [32]byte, n int64, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return sum, 0, err
	}
	if err := checkRegular(fi); err != nil {
		return sum, 0, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return sum, 0, err
	}
	if err := checkRegular(fi); err != nil {
		return sum, 0, err
	}
	if sum, n, ok, err := hashMapped(ctx, f, fi); ok {
		return sum, n, err
	}
	return hashStream(ctx, f, buf)
}

// checkRegular refuses what is not a regular file, saying what it is.
func checkRegular(fi os.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	what := "a directory"
	switch t := fi.Mode().Type(); {
	case t&os.ModeNamedPipe != 0:
		what = "a FIFO"
	case t&os.ModeCharDevice != 0:
		what = "a character device"
	case t&os.ModeDevice != 0:
		what = "a block device"
	case t&os.ModeSocket != 0:
		what = "a socket"
	case t&os.ModeDir == 0:
		what = "a special file"
	}
	return detail(ErrNotRegularFile, what)
}

// hashStream hashes r to its end through buf, looking at ctx before each
// read.
func hashStream(ctx context.Context, r io.Reader, buf []byte) (sum [32]byte, n int64, err error) {
	return sha256block.HashReader(ctxReader{ctx, r}, buf)
}

// ctxReader fails its reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p[:min(len(p), hashChunk)])
}
