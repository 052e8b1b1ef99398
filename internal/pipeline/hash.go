package pipeline

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// hashBufSize is the read buffer a worker allocates, on its first body
// file, and reuses to stream body files, or, halved, to read two at once
// (hashReadPair).
const hashBufSize = 1 << 20

// hashChunk is the most a body file hashes between two looks at the run's
// context: 4 MiB is a few milliseconds of SHA-256, so a signal ends a run
// promptly however large the file, at no measurable cost per chunk.
const hashChunk = 4 << 20

// ErrNotRegularFile: a body_file names a device, FIFO, socket or
// directory. Only regular files are hashed: /dev/zero would never end, and
// opening a FIFO blocks until a writer comes.
var ErrNotRegularFile = errors.New("not a regular file")

// errFileChanged reports a body file that shrank while it was being hashed.
var errFileChanged = errors.New("file changed while it was being hashed")

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
	f, fi, err := openBody(path)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	return hashOpened(ctx, f, fi, buf)
}

// openBody opens the body file at path for hashing (see hashFile): a
// regular file, checked before it is opened and again once it is.
func openBody(path string) (*os.File, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := checkRegular(fi); err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	if fi, err = f.Stat(); err == nil {
		err = checkRegular(fi)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// hashOpened hashes f, opened by openBody: from a mapping where it
// qualifies (hashMapped), else streamed through buf.
func hashOpened(ctx context.Context, f *os.File, fi os.FileInfo, buf []byte) (sum [32]byte, n int64, err error) {
	if sum, n, ok, err := hashMapped(ctx, f, fi); ok {
		return sum, n, err
	}
	return hashStream(ctx, f, buf)
}

// pairBodies reports whether body files may be hashed in pairs: only where
// the run's SHA-256 is sha256block's (the choice that HMACs resumed from
// prepared states follow, sha256block.BlockHMAC). Under FIPS 140 mode or
// BATCHSIGN_SHA256=stdlib|simd, and on CPUs without SHA instructions, each
// file streams through the chosen backend (hashOpened).
func pairBodies() bool { return sha256block.BlockHMAC() }

// hashFilePair is hashFile for two files at once: where pairBodies, both are
// read through buf, half each, to their sizes when opened, and their blocks
// go through SHA-256 interleaved in one pass (hashReadPair), which costs
// about as much as hashing the larger one alone; otherwise, or when a read
// fails or falls short while both are read, each is hashed by itself, with
// hashFile's checks and errors.
func hashFilePair(ctx context.Context, path0, path1 string, buf []byte) (sum0, sum1 [32]byte, err0, err1 error) {
	f0, fi0, err0 := openBody(path0)
	if err0 == nil {
		defer f0.Close()
	}
	f1, fi1, err1 := openBody(path1)
	if err1 == nil {
		defer f1.Close()
	}
	if err0 == nil && err1 == nil && pairBodies() {
		if s0, s1, e0, e1, ok := hashReadPair(ctx, f0, f1, fi0.Size(), fi1.Size(), buf); ok {
			return s0, s1, e0, e1
		}
	}
	if err0 == nil {
		sum0, _, err0 = hashOpened(ctx, f0, fi0, buf)
	}
	if err1 == nil {
		sum1, _, err1 = hashOpened(ctx, f1, fi1, buf)
	}
	return sum0, sum1, err0, err1
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

// bodyAhead is the body file of a later row of the batch, hashed with an
// earlier row's (worker.bodySum), kept until its row's turn.
type bodyAhead struct {
	set bool
	seq int64 // the batch's
	row int   // the row's index in it
	sum [32]byte
	err error
}

// bodySum returns the SHA-256 of r's body_file, r being the row the worker
// is at (worker.process). Body files are hashed two at a time: the next row
// of the batch with a body_file is hashed with r's (hashFilePair) and its
// digest, or its error, kept for its turn. A row that is rejected before
// its turn only costs the hashing. Errors are hashFile's, each row's own.
func (w *worker) bodySum(r *Row) ([32]byte, error) {
	if w.hashBuf == nil {
		w.hashBuf = make([]byte, hashBufSize)
	}
	b, i := w.cur, w.curRow
	if b == nil || i >= len(b.rows) || &b.rows[i] != r {
		sum, _, err := hashFile(w.context(), r.BodyFile, w.hashBuf)
		return sum, err
	}
	if a := &w.ahead; a.set && a.seq == b.seq && a.row == i {
		a.set = false
		return a.sum, a.err
	}
	for j := i + 1; j < len(b.rows); j++ {
		if p := &b.rows[j]; p.Err == nil && p.BodyFile != "" {
			sum, next, err, nextErr := hashFilePair(w.context(), r.BodyFile, p.BodyFile, w.hashBuf)
			w.ahead = bodyAhead{set: true, seq: b.seq, row: j, sum: next, err: nextErr}
			return sum, err
		}
	}
	sum, _, err := hashFile(w.context(), r.BodyFile, w.hashBuf)
	return sum, err
}
