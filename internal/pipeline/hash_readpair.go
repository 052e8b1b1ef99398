package pipeline

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// hashReadPair hashes two regular files at once through pread(2): both are read,
// half of buf each, at the same offsets, and the blocks they have in common
// go through SHA-256 two-lane (sha256block.Block2); once one ends, the
// other goes on alone through the same half. Each read lands in a buffer
// that stays in the core's cache, where a mapping of the page cache makes
// SHA-256 walk cold 4 KiB pages one TLB miss at a time (slow on virtual
// machines with nested paging; bench/README, "Body files"). It looks at ctx
// once per half of buf. ok is false when a read fails before either file
// ends: the caller then hashes each by itself, which names the file at
// fault (ReadAt leaves the files' offsets where they were).
func hashReadPair(ctx context.Context, f0, f1 *os.File, buf []byte) (sum0, sum1 [32]byte, err0, err1 error, ok bool) {
	half := len(buf) / 2 &^ (sha256block.BlockSize - 1)
	b0, b1 := buf[:half], buf[half:2*half]
	h0, h1 := sha256block.IV, sha256block.IV
	for off := int64(0); ; off += int64(half) {
		if err := ctx.Err(); err != nil {
			return sum0, sum1, err, err, true
		}
		n0, e0 := readFullAt(f0, b0, off)
		n1, e1 := readFullAt(f1, b1, off)
		if e0 != nil || e1 != nil {
			return sum0, sum1, nil, nil, false
		}
		both := min(n0, n1) &^ (sha256block.BlockSize - 1)
		sha256block.Block2(&h0, &h1, b0[:both], b1[:both])
		if n0 == half && n1 == half {
			continue
		}
		// One file (or both) ended in this round: each finishes alone from
		// where the pair stopped, with what it read past that.
		done := off + int64(both)
		sum0, err0 = finishReadAt(ctx, f0, h0, done, b0[both:n0], n0 == half, b0)
		sum1, err1 = finishReadAt(ctx, f1, h1, done, b1[both:n1], n1 == half, b1)
		return sum0, sum1, err0, err1, true
	}
}

// finishReadAt returns the SHA-256 of f, whose first done bytes (a multiple
// of the block size) h has absorbed and whose next bytes are pending (read
// into buf already). more reports whether f may go on past them; if so,
// it is read on through buf, at most len(buf) bytes between two looks at
// ctx.
func finishReadAt(ctx context.Context, f *os.File, h [8]uint32, done int64, pending []byte, more bool, buf []byte) ([32]byte, error) {
	for more {
		whole := len(pending) &^ (sha256block.BlockSize - 1)
		sha256block.Block(&h, pending[:whole])
		done += int64(whole)
		rest := copy(buf, pending[whole:]) // less than a block
		if err := ctx.Err(); err != nil {
			return [32]byte{}, err
		}
		n, err := readFullAt(f, buf[rest:], done+int64(rest))
		if err != nil {
			return [32]byte{}, err
		}
		pending, more = buf[:rest+n], rest+n == len(buf)
	}
	return sha256block.Sum(h, uint64(done), pending), nil
}

// readFullAt reads len(p) bytes of f at off, fewer only at the end of f.
func readFullAt(f *os.File, p []byte, off int64) (int, error) {
	n, err := f.ReadAt(p, off)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}
