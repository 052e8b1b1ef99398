package pipeline

import (
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigv4"

	"github.com/parquet-go/parquet-go"
)

// Record is one signed row as a Writer sees it. Its byte slices and strings
// are valid only during the AppendRecord call.
type Record struct {
	ID     string
	Method string
	URL    []byte
	// ExpiresAt is when a presigned URL stops working (presign only).
	ExpiresAt time.Time
	// Headers are the headers that authorise the request (sign only), in
	// the engine's order: X-Amz-Security-Token (with temporary
	// credentials), X-Amz-Date, x-amz-content-sha256, Authorization.
	Headers []sigv4.Header

	// Verify mode: whether the row's signature is valid, the reason code
	// when not ("" when valid) and the scheme judged (sigv4, sigv2,
	// azure-hmac).
	Valid  bool
	Reason string
	Scheme string

	MacRecord // mac generate (mac.go)
}

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

// NewWriter returns a Writer of mode's records in format f to w. Output
// columns: id, method, url, expires_at (RFC 3339, UTC) for Presign; id,
// method, url, headers for Sign (in CSV, one column per header:
// authorization, x-amz-date, x-amz-content-sha256, x-amz-security-token);
// id, valid, reason, scheme for Verify; id, key_id, algorithm, mac for
// MacGenerate; id, valid, reason for MacVerify.
func NewWriter(w io.Writer, f Format, m Mode) (Writer, error) {
	switch f {
	case FormatNDJSON:
		return &ndjsonWriter{w: w, mode: m}, nil
	case FormatCSV:
		return &csvWriter{w: w, mode: m}, nil
	case FormatParquet:
		return newParquetWriter(w, m), nil
	}
	return nil, errors.New("output format not chosen (use --format, or an -o file ending in .ndjson, .csv or .parquet)")
}

// ndjsonWriter writes one JSON object per line.
type ndjsonWriter struct {
	w    io.Writer
	mode Mode
}

func (n *ndjsonWriter) AppendRecord(dst []byte, r *Record) []byte {
	if n.mode.IsMac() {
		return appendMacNDJSON(dst, n.mode, r)
	}
	if n.mode == Verify {
		dst = append(dst, `{"id":`...)
		dst = appendJSONString(dst, r.ID)
		dst = append(dst, `,"valid":`...)
		dst = strconv.AppendBool(dst, r.Valid)
		dst = append(dst, `,"reason":`...)
		dst = appendJSONString(dst, r.Reason)
		dst = append(dst, `,"scheme":`...)
		dst = appendJSONString(dst, r.Scheme)
		return append(dst, "}\n"...)
	}
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, r.ID)
	dst = append(dst, `,"method":`...)
	dst = appendJSONString(dst, r.Method)
	dst = append(dst, `,"url":`...)
	dst = appendJSONBytes(dst, r.URL)
	if n.mode == Sign {
		dst = append(dst, `,"headers":{`...)
		for i, h := range r.Headers {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, h.Name)
			dst = append(dst, ':')
			dst = appendJSONString(dst, h.Value)
		}
		dst = append(dst, '}')
	} else {
		dst = append(dst, `,"expires_at":"`...)
		dst = appendRFC3339UTC(dst, r.ExpiresAt)
		dst = append(dst, '"')
	}
	return append(dst, "}\n"...)
}

func (n *ndjsonWriter) Write(p []byte) error { _, err := n.w.Write(p); return err }
func (n *ndjsonWriter) Close() error         { return nil }

// appendJSONString appends s as a JSON string. Bytes that are not valid
// UTF-8 become U+FFFD, as encoding/json does, so the output is always JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
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

const hexDigits = "0123456789abcdef"

// appendRFC3339UTC appends t in UTC as t.UTC().AppendFormat(dst,
// time.RFC3339) does ("2026-11-23T01:00:00Z"), at a fraction of its cost for
// the years 1970-9999 (days to a civil date as in Howard Hinnant's
// days_from_civil inverse); other instants take the time package's way.
func appendRFC3339UTC(dst []byte, t time.Time) []byte {
	const maxUnix = 253402300800 // 10000-01-01T00:00:00Z
	u := t.Unix()
	if u < 0 || u >= maxUnix {
		return t.UTC().AppendFormat(dst, time.RFC3339)
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
	return append(dst,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':',
		byte('0'+ss/10), byte('0'+ss%10), 'Z')
}

// appendJSONBytes is appendJSONString for a byte slice, without allocating.
// Signed URLs are plain ASCII in practice (the path and query are
// percent-encoded), so the scan finds nothing to escape.
func appendJSONBytes(dst, b []byte) []byte {
	if !plainJSON(b) {
		return appendJSONString(dst, string(b))
	}
	dst = append(dst, '"')
	dst = append(dst, b...)
	return append(dst, '"')
}

// plainJSON reports whether b is ASCII without control characters, '"' or
// '\\', so that it goes into a JSON string as is. It tests eight bytes at a
// time, four words per step with one branch: the classic has-less-than and
// has-zero-byte tricks can only err (a borrow across bytes) when some byte
// is ≥ 0x80, and such a byte fails the word anyway.
func plainJSON(b []byte) bool {
	for len(b) >= 32 {
		if notPlain(binary.LittleEndian.Uint64(b))|notPlain(binary.LittleEndian.Uint64(b[8:]))|
			notPlain(binary.LittleEndian.Uint64(b[16:]))|notPlain(binary.LittleEndian.Uint64(b[24:])) != 0 {
			return false
		}
		b = b[32:]
	}
	for len(b) >= 8 {
		if notPlain(binary.LittleEndian.Uint64(b)) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// notPlain is non-zero when a byte of v is ≥ 0x80, < 0x20, '"' or '\\'
// (exactly when, given the first: see plainJSON).
func notPlain(v uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := v ^ ('"' * ones)
	bs := v ^ ('\\' * ones)
	return (v | (v-0x20*ones)&^v | (q-ones)&^q | (bs-ones)&^bs) & highs
}

// csvWriter writes RFC 4180 CSV with a header line.
type csvWriter struct {
	w       io.Writer
	mode    Mode
	cols    []string // Sign's header columns; nil: signHeaderColumns
	started bool
}

// signColumns returns the header columns of a Sign run's CSV.
func (c *csvWriter) signColumns() []string {
	if c.cols != nil {
		return c.cols
	}
	return signHeaderColumns[:]
}

// signHeaderColumns are the sign mode's CSV header columns, in order.
var signHeaderColumns = [...]string{"Authorization", "X-Amz-Date", "x-amz-content-sha256", "X-Amz-Security-Token"}

func (c *csvWriter) header() error {
	c.started = true
	h := "id,method,url,expires_at\r\n"
	switch c.mode {
	case Sign:
		h = "id,method,url," + strings.ToLower(strings.Join(c.signColumns(), ",")) + "\r\n"
	case Verify:
		h = "id,valid,reason,scheme\r\n"
	case MacGenerate, MacVerify:
		h = macCSVHeader(c.mode)
	}
	_, err := io.WriteString(c.w, h)
	return err
}

func (c *csvWriter) AppendRecord(dst []byte, r *Record) []byte {
	if c.mode.IsMac() {
		return appendMacCSV(dst, c.mode, r)
	}
	if c.mode == Verify {
		dst = appendCSVField(dst, r.ID)
		dst = append(dst, ',')
		dst = strconv.AppendBool(dst, r.Valid)
		dst = append(dst, ',')
		dst = appendCSVField(dst, r.Reason)
		dst = append(dst, ',')
		dst = appendCSVField(dst, r.Scheme)
		return append(dst, '\r', '\n')
	}
	dst = appendCSVField(dst, r.ID)
	dst = append(dst, ',')
	dst = appendCSVField(dst, r.Method)
	dst = append(dst, ',')
	dst = appendCSVBytes(dst, r.URL)
	if c.mode == Sign {
		for _, col := range c.signColumns() {
			dst = append(dst, ',')
			for _, h := range r.Headers {
				if sigcore.EqualFoldASCII(h.Name, col) {
					dst = appendCSVField(dst, h.Value)
					break
				}
			}
		}
	} else {
		dst = append(dst, ',')
		dst = appendRFC3339UTC(dst, r.ExpiresAt)
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

// PresignRecord is the Parquet schema of presign output.
type PresignRecord struct {
	ID        string `parquet:"id"`
	Method    string `parquet:"method"`
	URL       string `parquet:"url"`
	ExpiresAt string `parquet:"expires_at"` // RFC 3339, UTC
}

// SignRecord is the Parquet schema of sign output. Parquet stores the
// headers map sorted by name.
type SignRecord struct {
	ID      string            `parquet:"id"`
	Method  string            `parquet:"method"`
	URL     string            `parquet:"url"`
	Headers map[string]string `parquet:"headers"`
}

// VerifyRecord is the Parquet schema of verify output.
type VerifyRecord struct {
	ID     string `parquet:"id"`
	Valid  bool   `parquet:"valid"`
	Reason string `parquet:"reason"`
	Scheme string `parquet:"scheme"`
}

// parquetRowsPerGroup bounds the rows the Parquet writer buffers before
// writing a row group, and so its memory.
const parquetRowsPerGroup = 64 * 1024

// parquetWriter: workers encode records in a compact length-prefixed form
// (AppendRecord), the writer goroutine decodes them into the Parquet row
// types and hands them to parquet-go.
type parquetWriter struct {
	mode Mode
	pw   *parquet.GenericWriter[PresignRecord]
	sw   *parquet.GenericWriter[SignRecord]
	vw   *parquet.GenericWriter[VerifyRecord]
	pres []PresignRecord
	sigs []SignRecord
	vers []VerifyRecord
	mac  *macParquet // mac modes (mac.go)
}

func newParquetWriter(w io.Writer, m Mode) *parquetWriter {
	opts := []parquet.WriterOption{
		parquet.MaxRowsPerRowGroup(parquetRowsPerGroup),
		parquet.CreatedBy("batchsign", "", ""),
	}
	p := &parquetWriter{mode: m}
	switch m {
	case Sign:
		p.sw = parquet.NewGenericWriter[SignRecord](w, opts...)
	case Verify:
		p.vw = parquet.NewGenericWriter[VerifyRecord](w, opts...)
	case MacGenerate, MacVerify:
		p.mac = newMacParquet(w, m, opts)
	default:
		p.pw = parquet.NewGenericWriter[PresignRecord](w, opts...)
	}
	return p
}

func appendLP(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func (p *parquetWriter) AppendRecord(dst []byte, r *Record) []byte {
	if p.mac != nil {
		return p.mac.appendRecord(dst, r)
	}
	if p.mode == Verify {
		dst = appendLP(dst, r.ID)
		dst = binary.AppendUvarint(dst, uint64(boolInt(r.Valid)))
		dst = appendLP(dst, r.Reason)
		return appendLP(dst, r.Scheme)
	}
	dst = appendLP(dst, r.ID)
	dst = appendLP(dst, r.Method)
	dst = binary.AppendUvarint(dst, uint64(len(r.URL)))
	dst = append(dst, r.URL...)
	if p.mode == Sign {
		dst = binary.AppendUvarint(dst, uint64(len(r.Headers)))
		for _, h := range r.Headers {
			dst = appendLP(dst, h.Name)
			dst = appendLP(dst, h.Value)
		}
		return dst
	}
	return binary.AppendVarint(dst, r.ExpiresAt.Unix())
}

// lpReader decodes what AppendRecord wrote.
type lpReader struct {
	b   []byte
	err bool
}

func (l *lpReader) uvarint() uint64 {
	v, n := binary.Uvarint(l.b)
	if n <= 0 {
		l.err, l.b = true, nil
		return 0
	}
	l.b = l.b[n:]
	return v
}

func (l *lpReader) str() string {
	n := l.uvarint()
	if n > uint64(len(l.b)) {
		l.err, l.b = true, nil
		return ""
	}
	s := string(l.b[:n])
	l.b = l.b[n:]
	return s
}

func (p *parquetWriter) Write(enc []byte) error {
	if p.mac != nil {
		return p.mac.write(enc)
	}
	l := lpReader{b: enc}
	p.pres, p.sigs, p.vers = p.pres[:0], p.sigs[:0], p.vers[:0]
	for len(l.b) > 0 && !l.err {
		if p.mode == Verify {
			id := l.str()
			valid := l.uvarint() == 1
			reason := l.str()
			p.vers = append(p.vers, VerifyRecord{ID: id, Valid: valid, Reason: reason, Scheme: l.str()})
			continue
		}
		id, method, url := l.str(), l.str(), l.str()
		if p.mode == Sign {
			n := l.uvarint()
			h := make(map[string]string, min(n, 8))
			for i := uint64(0); i < n && !l.err; i++ {
				k := l.str()
				h[k] = l.str()
			}
			p.sigs = append(p.sigs, SignRecord{ID: id, Method: method, URL: url, Headers: h})
			continue
		}
		v, n := binary.Varint(l.b)
		if n <= 0 {
			l.err = true
			break
		}
		l.b = l.b[n:]
		p.pres = append(p.pres, PresignRecord{ID: id, Method: method, URL: url,
			ExpiresAt: time.Unix(v, 0).UTC().Format(time.RFC3339)})
	}
	if l.err {
		return errors.New("pipeline: corrupt encoded Parquet records")
	}
	var err error
	switch p.mode {
	case Sign:
		_, err = p.sw.Write(p.sigs)
		clear(p.sigs)
	case Verify:
		_, err = p.vw.Write(p.vers)
		clear(p.vers)
	default:
		_, err = p.pw.Write(p.pres)
		clear(p.pres)
	}
	return err
}

func (p *parquetWriter) Close() error {
	if p.mac != nil {
		return p.mac.close()
	}
	switch p.mode {
	case Sign:
		return p.sw.Close()
	case Verify:
		return p.vw.Close()
	}
	return p.pw.Close()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
