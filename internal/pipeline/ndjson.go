package pipeline

import (
	"bytes"
	"errors"
	"io"
	"strconv"
)

// Source delivers manifest rows in batches, in manifest order, keeping only
// the rows of its shard. ReadBatch appends rows to b (b.Append) until b is
// full or the input ends; it returns io.EOF, possibly with rows, at the end.
type Source interface {
	ReadBatch(b *Batch) error
	// Total returns the number of rows this shard will deliver, or -1 when
	// it is not known in advance (NDJSON).
	Total() int64
	Close() error
}

// NDJSON reader limits.
const (
	ndjsonBufSize = 1 << 20
	// DefaultMaxLine is the longest NDJSON line (one row) read by default;
	// a longer line is rejected as a row and reading goes on after it.
	DefaultMaxLine = 16 << 20
)

// NDJSONReader reads a manifest of newline-delimited JSON objects, one row
// per line, streaming: memory holds one read buffer and the batches in
// flight, whatever the manifest's size.
//
// Row numbers are line numbers (1-based); blank lines are skipped but
// counted, so a row number leads straight to its line. A line that is not
// one well-formed JSON object is rejected as a row, and reading goes on with
// the next line. A UTF-8 byte order mark before the first line is ignored.
type NDJSONReader struct {
	r       io.Reader
	closer  io.Closer
	maxLine int
	file    string    // the file's name on its rows, for a manifest of many files
	base    *lineBase // set when the reader starts mid-file (a shard's range)

	buf    []byte
	lo, hi int // unread bytes are buf[lo:hi]
	eof    bool
	err    error // a read error, reported once the buffered lines are used
	line   int64 // lines consumed
}

// NewNDJSONReader returns a reader of r's lines. If r is an io.Closer, Close
// closes it.
func NewNDJSONReader(r io.Reader) *NDJSONReader {
	nr := &NDJSONReader{r: r, maxLine: DefaultMaxLine}
	if c, ok := r.(io.Closer); ok {
		nr.closer = c
	}
	return nr
}

// SetMaxLine changes the longest line accepted (DefaultMaxLine); for tests
// and for manifests with very large header maps.
func (r *NDJSONReader) SetMaxLine(n int) { r.maxLine = max(n, 64) }

// Total returns -1: the number of lines is not known before the end.
func (r *NDJSONReader) Total() int64 { return -1 }

// Close closes the underlying reader if it is a Closer.
func (r *NDJSONReader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// ReadBatch reads lines until b holds a full batch of this shard's rows
// (its rows, or its bytes: see DefaultBatchBytes) or the input ends. Each
// line is copied once, into the batch's kept text, and decoded in place
// there: the rows' fields are sub-strings of it, so a row costs no
// allocation, escaped strings included (their decodings are kept alike).
func (r *NDJSONReader) ReadBatch(b *Batch) error {
	bodies := 0
	for len(b.rows) < b.max && bodies < maxBodiesPerBatch && b.textLen() < b.maxBytes {
		line, tooLong, ok := r.next()
		if !ok {
			if r.err != nil {
				return r.err
			}
			return io.EOF
		}
		r.line++
		if r.line == 1 && r.base == nil {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if !tooLong && blank(line) {
			continue
		}
		row := b.Append()
		row.Num, row.File, row.base = r.line, r.file, r.base
		if tooLong {
			row.Err = fieldErr("", detail(ErrLineTooLong, "longer than "+strconv.Itoa(r.maxLine)+" bytes"))
			continue
		}
		decodeRow(b.arena.kept.keep(line), row, &b.arena)
		// A row that streams a body file ends the batch early (see
		// maxBodiesPerBatch).
		if row.BodyFile != "" {
			bodies++
		}
	}
	return nil
}

func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// next returns the next line without its newline (and without a '\r'
// before it). The slice is valid until the next call. A line longer than
// maxLine comes back empty with tooLong set, after being skipped.
func (r *NDJSONReader) next() (line []byte, tooLong, ok bool) {
	if r.buf == nil {
		r.buf = make([]byte, ndjsonBufSize)
	}
	scanned := 0 // bytes of buf[lo:hi] known to hold no newline
	for {
		if i := bytes.IndexByte(r.buf[r.lo+scanned:r.hi], '\n'); i >= 0 {
			end := r.lo + scanned + i
			line = r.buf[r.lo:end]
			r.lo = end + 1
			if tooLong {
				return nil, true, true
			}
			return bytes.TrimSuffix(line, []byte{'\r'}), false, true
		}
		scanned = r.hi - r.lo
		if r.eof || r.err != nil {
			if tooLong {
				r.lo, r.hi = 0, 0
				return nil, true, true
			}
			if r.lo == r.hi {
				return nil, false, false
			}
			line = r.buf[r.lo:r.hi]
			r.lo = r.hi
			return bytes.TrimSuffix(line, []byte{'\r'}), false, true
		}
		// Make room: drop consumed bytes, grow up to maxLine, or, past it,
		// drop the over-long line's bytes and remember to reject it.
		if r.lo > 0 {
			copy(r.buf, r.buf[r.lo:r.hi])
			r.hi -= r.lo
			r.lo = 0
		}
		if r.hi == len(r.buf) {
			switch {
			case len(r.buf) < r.maxLine:
				nb := make([]byte, min(2*len(r.buf), r.maxLine+1))
				copy(nb, r.buf[:r.hi])
				r.buf = nb
			default:
				tooLong = true
				r.hi, scanned = 0, 0
			}
		}
		if tooLong && r.hi > 0 {
			r.hi, scanned = 0, 0
		}
		n, err := r.r.Read(r.buf[r.hi:])
		r.hi += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				r.eof = true
			} else {
				r.err = err
			}
		}
	}
}
