package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/batchsign/batchsign/internal/store"
)

// lineRange streams the lines of obj whose first byte lies in [start, end)
// (see Piece): a line starts at byte 0 or just after a '\n', so for
// start > 0 it skips to just after the first '\n' at or past start-1, then
// gives the bytes up to end, and, when the byte before end is not a '\n',
// the rest of the line that crosses end, through its '\n' (or the end of
// the file). It opens [start-1, end) and, for that last line only, [end,
// the line's end): it never reads the rest of the file.
//
// end < 0 means the whole stream from start (a pipe).
type lineRange struct {
	ctx        context.Context
	st         store.Store
	obj        store.Object
	start, end int64

	r       io.ReadCloser
	phase   uint8
	last    byte  // the last byte given
	pos     int64 // the file offset of r's next byte
	first   int64 // the offset of the first line, once known
	skipBuf []byte
}

// tailChunk is the size of the ranges a lineRange reads past its end to
// finish its last line.
const tailChunk = 16 << 10

const (
	lrStart uint8 = iota
	lrBody
	lrTail
	lrDone
)

func newLineRange(ctx context.Context, st store.Store, obj store.Object, start, end int64) *lineRange {
	return &lineRange{ctx: ctx, st: st, obj: obj, start: start, end: end, first: -1}
}

// Read implements io.Reader.
func (l *lineRange) Read(p []byte) (int, error) {
	for {
		switch l.phase {
		case lrStart:
			if err := l.open(); err != nil {
				return 0, err
			}
		case lrBody:
			n, err := l.r.Read(p)
			l.pos += int64(n)
			if n > 0 {
				l.last = p[n-1]
			}
			if errors.Is(err, io.EOF) {
				l.r.Close()
				l.r = nil
				l.phase = lrDone
				if l.end >= 0 && l.pos == l.end && l.last != '\n' && l.end < l.obj.Size {
					l.phase = lrTail
				}
				err = nil
			}
			if n > 0 || err != nil {
				return n, err
			}
		case lrTail:
			// The line that crosses end, read in chunks of tailChunk
			// bytes, so a store asked for a range sends little more than
			// the line.
			if l.r == nil {
				if l.pos >= l.obj.Size {
					l.phase = lrDone
					continue
				}
				r, err := l.st.OpenRange(l.ctx, l.obj, l.pos, min(l.pos+tailChunk, l.obj.Size))
				if err != nil {
					return 0, err
				}
				l.r = r
			}
			n, err := l.r.Read(p)
			l.pos += int64(n)
			if i := bytes.IndexByte(p[:n], '\n'); i >= 0 {
				n = i + 1
				l.phase = lrDone
			}
			if l.phase == lrDone || errors.Is(err, io.EOF) {
				l.r.Close()
				l.r = nil
				err = nil
			}
			if n > 0 || err != nil {
				return n, err
			}
		default:
			return 0, io.EOF
		}
	}
}

// open opens the range and, when it starts mid-file, skips to the first
// line that starts in it.
func (l *lineRange) open() error {
	if l.end >= 0 && l.start >= l.end {
		l.phase = lrDone // an empty range holds no line start
		return nil
	}
	if l.start == 0 {
		r, err := l.st.OpenRange(l.ctx, l.obj, 0, l.end)
		if err != nil {
			return err
		}
		l.r, l.first, l.phase = r, 0, lrBody
		return nil
	}
	r, err := l.st.OpenRange(l.ctx, l.obj, l.start-1, l.end)
	if err != nil {
		return err
	}
	l.r, l.pos = r, l.start-1
	if l.skipBuf == nil {
		l.skipBuf = make([]byte, 64<<10)
	}
	for {
		n, err := l.r.Read(l.skipBuf)
		if i := bytes.IndexByte(l.skipBuf[:n], '\n'); i >= 0 {
			l.first = l.pos + int64(i) + 1
			if l.end >= 0 && l.first >= l.end {
				// The line at end is the next shard's.
				l.r.Close()
				l.r, l.phase = nil, lrDone
				return nil
			}
			l.last = '\n'
			l.pos += int64(n)
			rest := l.skipBuf[i+1 : n]
			// The bytes after the newline are the range's first bytes:
			// hand them out before reading on.
			l.r = &prefixReader{rest: rest, ReadCloser: l.r}
			l.pos -= int64(len(rest))
			l.phase = lrBody
			return nil
		}
		l.pos += int64(n)
		if errors.Is(err, io.EOF) {
			// No line starts in the range: the shard's share of this
			// file is the middle of one long line.
			l.r.Close()
			l.r, l.phase = nil, lrDone
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// prefixReader gives rest, then reads from its ReadCloser.
type prefixReader struct {
	rest []byte
	io.ReadCloser
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.rest) > 0 {
		n := copy(b, p.rest)
		p.rest = p.rest[n:]
		return n, nil
	}
	return p.ReadCloser.Read(b)
}

// Close closes what is open.
func (l *lineRange) Close() error {
	l.phase = lrDone
	if l.r != nil {
		err := l.r.Close()
		l.r = nil
		return err
	}
	return nil
}

// countLines returns the number of '\n' in bytes [0, off) of obj: the line
// number of the line at off, less one. It reads those bytes, so readers
// call it only when a reject needs an exact line number.
func countLines(ctx context.Context, st store.Store, obj store.Object, off int64) (int64, error) {
	if off <= 0 {
		return 0, nil
	}
	r, err := st.OpenRange(ctx, obj, 0, off)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
