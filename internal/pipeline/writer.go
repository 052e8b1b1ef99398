package pipeline

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigv4"
)

// Writer encodes signed rows and writes them in manifest order. Encoding is
// split from writing so that workers encode in parallel and one goroutine
// only copies bytes out.
type Writer interface {
	// AppendRecord appends the encoding of rec to dst and returns the
	// extended slice. Workers call it concurrently, each with its own dst;
	// it must keep no reference to rec or dst.
	AppendRecord(dst []byte, rec *Record) []byte
	// Write writes a run of encoded records (concatenated AppendRecord
	// results), from a single goroutine, in manifest order.
	Write(encoded []byte) error
	// Close finishes the output (a CSV header for an empty run, a Parquet
	// footer) and flushes it. It does not close the io.Writer given to
	// NewWriter.
	Close() error
}

// NewWriter returns a Writer of the records of mode m under scheme s ("" for
// m's default) in format f to w. The mode declares the columns (Columns):
// id, method, url, expires_at (RFC 3339, UTC) for Presign; id, method, url,
// headers for Sign (in CSV, one column per header: authorization,
// x-amz-date, x-amz-content-sha256, x-amz-security-token for SigV4; host,
// x-ms-date, x-ms-content-sha256, authorization for Azure HMAC); id, valid,
// reason, scheme for Verify; id, key_id, algorithm, mac for MacGenerate; id,
// valid, reason for MacVerify.
func NewWriter(w io.Writer, f Format, m Mode, s Scheme) (Writer, error) {
	d, ok := lookupMode(m, s)
	if !ok {
		_, err := m.ParseScheme(string(s))
		return nil, err
	}
	switch f {
	case FormatNDJSON:
		return newNDJSONWriter(w, d.out.columns), nil
	case FormatCSV:
		return &csvWriter{w: w, cols: d.out.columns}, nil
	case FormatParquet:
		return newParquetWriter(w, d.out), nil
	}
	return nil, errors.New("output format not chosen (use --format, or an -o file ending in .ndjson, .csv or .parquet)")
}

// ndjsonWriter writes one JSON object per line, a member per column.
type ndjsonWriter struct {
	w    io.Writer
	cols []ndjsonColumn
}

// ndjsonColumn is a column's kind and its key with what comes before it:
// `{"id":`, `,"url":`.
type ndjsonColumn struct {
	key       string
	kind      ColumnKind
	omitEmpty bool
}

func newNDJSONWriter(w io.Writer, cols []Column) *ndjsonWriter {
	n := &ndjsonWriter{w: w, cols: make([]ndjsonColumn, len(cols))}
	for i, c := range cols {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		n.cols[i] = ndjsonColumn{string(append(appendJSONString([]byte{sep}, c.Name), ':')), c.Kind, c.OmitEmpty}
	}
	return n
}

func (n *ndjsonWriter) AppendRecord(dst []byte, r *Record) []byte {
	rec := *r
	_ = rec[len(n.cols)-1] // one bounds check for the loop
	for i, c := range n.cols {
		v := &rec[i]
		if c.omitEmpty && len(v.hdrs) == 0 && i > 0 {
			continue
		}
		dst = append(dst, c.key...)
		switch c.kind {
		case StringColumn:
			if v.plain {
				dst = append(dst, '"')
				dst = append(dst, v.raw...)
				dst = append(dst, '"')
			} else if v.raw != nil {
				dst = appendJSONBytes(dst, v.raw)
			} else {
				dst = appendJSONString(dst, v.str)
			}
		case BoolColumn:
			dst = strconv.AppendBool(dst, v.num != 0)
		case TimeColumn:
			dst = append(dst, '"')
			dst = appendRFC3339Unix(dst, v.num)
			dst = append(dst, '"')
		case HeadersColumn:
			dst = appendJSONObject(dst, v.hdrs)
		}
	}
	return append(dst, "}\n"...)
}

// appendJSONObject appends hs as one JSON object, members in hs's order.
func appendJSONObject(dst []byte, hs []sigv4.Header) []byte {
	dst = append(dst, '{')
	for j, h := range hs {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, h.Name)
		dst = append(dst, ':')
		dst = appendJSONString(dst, h.Value)
	}
	return append(dst, '}')
}

func (n *ndjsonWriter) Write(p []byte) error { _, err := n.w.Write(p); return err }
func (n *ndjsonWriter) Close() error         { return nil }

// appendJSONString appends s as a JSON string. Bytes that are not valid
// UTF-8 become U+FFFD, as encoding/json does, so the output is always JSON.
// Only what JSON requires is escaped ('"', '\\', control characters);
// a leading run of plain ASCII (all of a URL, in practice) is found a word
// at a time (plainPrefix), and every run between two escapes is copied at
// once.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := plainPrefix(s); i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONBytes is appendJSONString for a byte slice, without allocating
// (it reads b as a string in place: appendJSONString keeps no reference).
// Signed URLs are plain ASCII in practice (the path and query are
// percent-encoded), so the scan finds nothing to escape and the URL is
// copied in one piece.
func appendJSONBytes(dst, b []byte) []byte {
	return appendJSONString(dst, unsafe.String(unsafe.SliceData(b), len(b)))
}

const hexDigits = "0123456789abcdef"

// appendRFC3339UTC appends t in UTC as t.UTC().AppendFormat(dst,
// time.RFC3339) does ("2026-11-23T01:00:00Z"), at a fraction of its cost for
// the years 1970-9999 (days to a civil date as in Howard Hinnant's
// days_from_civil inverse); other instants take the time package's way.
func appendRFC3339UTC(dst []byte, t time.Time) []byte { return appendRFC3339Unix(dst, t.Unix()) }

// appendRFC3339Unix is appendRFC3339UTC of the instant u seconds after
// the Unix epoch (RFC 3339 has no fraction, so the second is all there is).
func appendRFC3339Unix(dst []byte, u int64) []byte {
	const maxUnix = 253402300800 // 10000-01-01T00:00:00Z
	if u < 0 || u >= maxUnix {
		return time.Unix(u, 0).UTC().AppendFormat(dst, time.RFC3339)
	}
	days, secs := u/86400, u%86400
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365], from March 1st
	mp := (5*doy + 2) / 153                                // [0, 11], from March
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	year := yoe + era*400
	if month > 12 {
		month -= 12
		year++
	}
	hh, mm, ss := secs/3600, secs/60%60, secs%60
	// Two digits at a time from a table, into a fixed array appended in
	// one piece: a record's expiry costs a handful of loads and one copy.
	b := [20]byte{4: '-', 7: '-', 10: 'T', 13: ':', 16: ':', 19: 'Z'}
	put2 := func(at int, v int64) { b[at], b[at+1] = digits2[2*v], digits2[2*v+1] }
	put2(0, year/100)
	put2(2, year%100)
	put2(5, month)
	put2(8, day)
	put2(11, hh)
	put2(14, mm)
	put2(17, ss)
	return append(dst, b[:]...)
}

// digits2 is the two decimal digits of 0-99, at twice the number.
const digits2 = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// plainJSON reports whether b is ASCII without control characters, '"' or
// '\\', so that it goes into a JSON string as is.
func plainJSON(b []byte) bool { return plainPrefix(string(b)) == len(b) }

// plainPrefix returns the length of the longest prefix of s that goes into
// a JSON string as is: ASCII without control characters, '"' or '\\'. It
// tests eight bytes at a time, four words per step with one branch: the
// classic has-less-than and has-zero-byte tricks can only err (a borrow
// across bytes) when some byte is ≥ 0x80, and such a byte fails the word
// anyway; the bytes of the word that fails are then tested one by one.
func plainPrefix(s string) int {
	i := 0
	if len(s) >= 64 {
		i = plainBlocks(s) // amd64: SSE2, 32 bytes a step
	}
	for ; i+32 <= len(s); i += 32 {
		if notPlain(load64(s, i))|notPlain(load64(s, i+8))|notPlain(load64(s, i+16))|notPlain(load64(s, i+24)) != 0 {
			break
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if notPlain(load64(s, i)) != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			break
		}
	}
	return i
}

// load64 is the little-endian word of s at i (the compiler makes one load
// of it).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// notPlain is non-zero when a byte of v is ≥ 0x80, < 0x20, '"' or '\\'
// (exactly when, given the first: see plainJSON).
func notPlain(v uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := v ^ ('"' * ones)
	bs := v ^ ('\\' * ones)
	return (v | (v-0x20*ones)&^v | (q-ones)&^q | (bs-ones)&^bs) & highs
}

// csvWriter writes RFC 4180 CSV with a header line, a field per column
// (a HeadersColumn spreads over one field per Column.CSV name).
type csvWriter struct {
	w       io.Writer
	cols    []Column
	started bool
}

// OmitCSVHeader makes a CSV writer w write no header line; other writers
// are unchanged. Shards 1…N-1 of a run use it, so the outputs of shards
// 0…N-1 concatenated are the unsharded output, header once at the top.
func OmitCSVHeader(w Writer) {
	if c, ok := w.(*csvWriter); ok {
		c.started = true
	}
}

func (c *csvWriter) header() error {
	c.started = true
	var h strings.Builder
	for i, col := range c.cols {
		if i > 0 {
			h.WriteByte(',')
		}
		if col.Kind == HeadersColumn && col.CSV != nil {
			h.WriteString(strings.ToLower(strings.Join(col.CSV, ",")))
		} else {
			h.WriteString(col.Name)
		}
	}
	h.WriteString("\r\n")
	_, err := io.WriteString(c.w, h.String())
	return err
}

func (c *csvWriter) AppendRecord(dst []byte, r *Record) []byte {
	rec := *r
	for i := range c.cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		v := &rec[i]
		switch c.cols[i].Kind {
		case StringColumn:
			if v.raw != nil {
				dst = appendCSVBytes(dst, v.raw)
			} else {
				dst = appendCSVField(dst, v.str)
			}
		case BoolColumn:
			dst = strconv.AppendBool(dst, v.num != 0)
		case TimeColumn:
			dst = appendRFC3339Unix(dst, v.num)
		case HeadersColumn:
			if c.cols[i].CSV == nil {
				dst = appendCSVField(dst, string(appendJSONObject(nil, v.hdrs)))
				break
			}
			for j, name := range c.cols[i].CSV {
				if j > 0 {
					dst = append(dst, ',')
				}
				for _, h := range v.hdrs {
					if sigcore.EqualFoldASCII(h.Name, name) {
						dst = appendCSVField(dst, h.Value)
						break
					}
				}
			}
		}
	}
	return append(dst, '\r', '\n')
}

func (c *csvWriter) Write(p []byte) error {
	if !c.started {
		if err := c.header(); err != nil {
			return err
		}
	}
	_, err := c.w.Write(p)
	return err
}

func (c *csvWriter) Close() error {
	if !c.started {
		return c.header()
	}
	return nil
}

// appendCSVField quotes s when it holds a comma, quote, CR, LF or leading
// or trailing space, doubling inner quotes.
func appendCSVField(dst []byte, s string) []byte {
	need := len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ')
	for i := 0; i < len(s) && !need; i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			need = true
		}
	}
	if !need {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

func appendCSVBytes(dst, b []byte) []byte {
	for _, c := range b {
		if c == ',' || c == '"' || c == '\r' || c == '\n' || c == ' ' {
			return appendCSVField(dst, string(b))
		}
	}
	return append(dst, b...)
}
