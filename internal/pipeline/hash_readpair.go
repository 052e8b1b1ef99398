package pipeline

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// hashReadPair hashes the first size0 bytes of f0 and the first size1 of
// f1 (their sizes when opened) at once, through positioned reads (ReadAt:
// pread(2) on Unix) into the two halves of buf: the blocks both files have
// go through SHA-256 two-lane (sha256block.Block2), then each one's rest
// alone. Each read lands in a buffer that stays in the core's cache, where
// a mapping of the page cache makes SHA-256 walk cold 4 KiB pages one TLB
// miss at a time (slow on virtual machines with nested paging;
// bench/README.md, "Body files"). It looks at ctx before each read.
//
// ok is false when a read fails or comes up short while both files are
// read together (or buf is too small to halve): the caller then hashes each
// by itself, which names the file at fault (ReadAt leaves the files'
// offsets where they were). A file that ends before its size once the
// other is done is that file's errFileChanged, as under a mapping.
func hashReadPair(ctx context.Context, f0, f1 *os.File, size0, size1 int64, buf []byte) (sum0, sum1 [32]byte, err0, err1 error, ok bool) {
	half := len(buf) / 2 &^ (sha256block.BlockSize - 1)
	if half == 0 {
		return sum0, sum1, nil, nil, false
	}
	b0, b1 := buf[:half:half], buf[half:2*half:2*half]
	h0, h1 := sha256block.IV, sha256block.IV
	both := min(size0, size1) &^ (sha256block.BlockSize - 1)
	for off := int64(0); off < both; {
		if err := ctx.Err(); err != nil {
			return sum0, sum1, err, err, true
		}
		n := int(min(int64(half), both-off))
		if readExactAt(f0, b0[:n], off) != nil || readExactAt(f1, b1[:n], off) != nil {
			return sum0, sum1, nil, nil, false
		}
		sha256block.Block2(&h0, &h1, b0[:n], b1[:n])
		off += int64(n)
	}
	sum0, err0 = finishReadAt(ctx, f0, h0, both, size0, b0)
	sum1, err1 = finishReadAt(ctx, f1, h1, both, size1, b1)
	return sum0, sum1, err0, err1, true
}

// finishReadAt returns the SHA-256 of the first size bytes of f, of which h
// has absorbed the first done (a multiple of the block size): the rest is
// read through buf (a multiple of the block size long), whole blocks hashed
// as they come, ctx looked at before each read.
func finishReadAt(ctx context.Context, f *os.File, h [8]uint32, done, size int64, buf []byte) ([32]byte, error) {
	for {
		if err := ctx.Err(); err != nil {
			return [32]byte{}, err
		}
		n := int(min(int64(len(buf)), size-done))
		if err := readExactAt(f, buf[:n], done); err != nil {
			return [32]byte{}, err
		}
		if done+int64(n) == size {
			return sha256block.Sum(h, uint64(done), buf[:n]), nil
		}
		sha256block.Block(&h, buf[:n])
		done += int64(n)
	}
}

// readExactAt fills p from f at off: a read error as it is, a file that
// ends first as errFileChanged.
func readExactAt(f *os.File, p []byte, off int64) error {
	if len(p) == 0 {
		return nil
	}
	n, err := f.ReadAt(p, off)
	switch {
	case n == len(p):
		return nil
	case err == nil || errors.Is(err, io.EOF):
		return errFileChanged
	}
	return err
}
