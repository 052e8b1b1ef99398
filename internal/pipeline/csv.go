package pipeline

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/sigv4"
)

// CSV manifests.
//
// A CSV manifest is RFC 4180 text whose first line names the columns: the
// manifest fields (the NDJSON keys: id, method, url, bucket, key, …, and the
// modes' own fields), "header:NAME" for a header to sign and send, and
// "query:NAME" for a query parameter. Columns with other names are ignored,
// as unknown NDJSON keys are. An empty cell is a field not given (an NDJSON
// null), so a header or query parameter with an empty value cannot be
// written in CSV.
//
// A record is one line (LF or CRLF): a quoted field may hold commas and
// doubled quotes, not line breaks. Byte-range sharding splits a manifest at
// line boundaries, which a line break inside quotes would make ambiguous, so
// a quoted field left open at the end of its line is a reject naming that
// field, and the next line is read as a row of its own. Keys with line
// breaks need an NDJSON or Parquet manifest.

// ErrCSVSyntax: a CSV manifest line is not one well-formed record of the
// header's width.
var ErrCSVSyntax = errors.New("malformed CSV")

// Column name prefixes of a CSV manifest's headers and query parameters.
const (
	CSVHeaderPrefix = "header:"
	CSVQueryPrefix  = "query:"
)

// CSVHeader is the parsed first line of a CSV manifest: what each column
// feeds. It is read once per file (ParseCSVHeader) and shared by the readers
// of the file's byte ranges.
type CSVHeader struct {
	cols     []csvColumn
	bodyFile bool // a body_file column: rows may stream a body (maxBodiesPerBatch)
}

type csvColumn struct {
	name  string // as the header names it
	kind  csvColumnKind
	field int    // csvField: index in fieldSet.fields
	param string // csvHeaderColumn, csvQueryColumn: the header or parameter name
}

type csvColumnKind uint8

const (
	csvIgnored csvColumnKind = iota
	csvField
	csvHeaderColumn
	csvQueryColumn
)

// Columns returns the column names in order, as the header line gives them.
func (h CSVHeader) Columns() []string {
	names := make([]string, len(h.cols))
	for i, c := range h.cols {
		names[i] = c.name
	}
	return names
}

// ParseCSVHeader parses the first line of a CSV manifest (its line break,
// if any, and a UTF-8 byte order mark before it are ignored). Every column
// must have a name, once; "headers" and "query" are refused (a CSV manifest
// gives them as header:NAME and query:NAME columns); unknown names are
// ignored.
func ParseCSVHeader(line []byte) (CSVHeader, error) {
	s := strings.TrimPrefix(string(line), "\xef\xbb\xbf")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	fields := newFieldSet()
	var h CSVHeader
	seen := map[string]bool{}
	c := csvLine{s: s, more: true}
	var scratch []byte
	for n := 1; c.more; n++ {
		name, err := c.next(&scratch)
		if err != nil {
			return CSVHeader{}, errors.New("csv header, column " + strconv.Itoa(n) + ": " + err.Error())
		}
		where := "csv header, column " + strconv.Itoa(n) + " " + strconv.Quote(name) + ": "
		if name == "" {
			return CSVHeader{}, errors.New("csv header, column " + strconv.Itoa(n) + ": empty name")
		}
		if seen[name] {
			return CSVHeader{}, errors.New(where + "named twice")
		}
		seen[name] = true
		col := csvColumn{name: name}
		switch {
		case strings.HasPrefix(name, CSVHeaderPrefix), strings.HasPrefix(name, CSVQueryPrefix):
			col.kind, col.param = csvHeaderColumn, strings.TrimPrefix(name, CSVHeaderPrefix)
			if strings.HasPrefix(name, CSVQueryPrefix) {
				col.kind, col.param = csvQueryColumn, strings.TrimPrefix(name, CSVQueryPrefix)
			}
			if col.param == "" {
				return CSVHeader{}, errors.New(where + "no name after the colon")
			}
		case name == FieldHeaders || name == FieldQuery:
			prefix := CSVHeaderPrefix
			if name == FieldQuery {
				prefix = CSVQueryPrefix
			}
			return CSVHeader{}, errors.New(where + "a CSV manifest gives " + name + " as one column each, named " + prefix + "NAME")
		default:
			if i := fields.index(name); i >= 0 {
				col.kind, col.field = csvField, i
				h.bodyFile = h.bodyFile || name == FieldBodyFile
			}
		}
		h.cols = append(h.cols, col)
	}
	return h, nil
}

// CSVReader reads the rows of a CSV manifest, streaming, one line per row.
// Row numbers are line numbers (the header
// is line 1; blank lines are skipped but counted), so `sed -n Np` shows a
// rejected row. A bad row (a field count other than the header's, a
// quoting error, a value of the wrong type) is rejected naming the row and
// the field, and reading goes on with the next line.
type CSVReader struct {
	lines *NDJSONReader // splits lines; its own decoding is not used
	h     CSVHeader
	line  int64     // number of the last line consumed
	file  string    // the file's name on its rows, for a manifest of many files
	base  *lineBase // set when the reader starts mid-file (a shard's range)
}

// NewCSVReader returns a reader of body, the rows of a CSV manifest whose
// header is h, from a line boundary on: firstRow is the line number of
// body's first line (2 when body starts right after the header). This is
// how a shard reads a byte range of a manifest after reading the header
// line at offset 0. If body is an io.Closer, Close closes it.
func NewCSVReader(body io.Reader, h CSVHeader, firstRow int64) *CSVReader {
	return &CSVReader{lines: NewNDJSONReader(body), h: h, line: firstRow - 1}
}

// OpenCSV reads the header line of the CSV manifest r and returns a reader
// of its rows. If r is an io.Closer, Close closes it (and OpenCSV does, on
// error).
func OpenCSV(r io.Reader) (*CSVReader, error) {
	cr := NewCSVReader(r, CSVHeader{}, 1)
	line, tooLong, ok := cr.lines.next()
	var err error
	switch {
	case tooLong:
		err = errors.New("csv header: longer than " + strconv.Itoa(cr.lines.maxLine) + " bytes")
	case !ok && cr.lines.err != nil:
		err = cr.lines.err
	case !ok:
		err = errors.New("csv manifest: empty (no header line)")
	default:
		cr.h, err = ParseCSVHeader(line)
	}
	if err != nil {
		cr.Close()
		return nil, err
	}
	cr.line = 1
	return cr, nil
}

// Header returns the header the reader decodes rows with.
func (r *CSVReader) Header() CSVHeader { return r.h }

// SetMaxLine changes the longest line accepted (DefaultMaxLine).
func (r *CSVReader) SetMaxLine(n int) { r.lines.SetMaxLine(n) }

// Total returns -1: the number of lines is not known before the end.
func (r *CSVReader) Total() int64 { return -1 }

// Close closes the underlying reader if it is a Closer.
func (r *CSVReader) Close() error { return r.lines.Close() }

// ReadBatch reads lines until b holds a full batch of this shard's rows or
// the input ends, as NDJSONReader.ReadBatch does: each line is kept once in
// the batch's text and decoded there, the rows' fields sub-strings of it (a
// field with doubled quotes costs one allocation).
func (r *CSVReader) ReadBatch(b *Batch) error {
	bodies := 0
	for len(b.rows) < b.max && bodies < maxBodiesPerBatch && b.textLen() < b.maxBytes {
		line, tooLong, ok := r.lines.next()
		if !ok {
			if r.lines.err != nil {
				return r.lines.err
			}
			return io.EOF
		}
		r.line++
		if !tooLong && blank(line) {
			continue
		}
		if r.h.bodyFile {
			bodies++ // at most: a row with an empty body_file cell counts too
		}
		row := b.Append()
		row.Num, row.File, row.base = r.line, r.file, r.base
		if tooLong {
			row.Err = fieldErr("", detail(ErrLineTooLong, "longer than "+strconv.Itoa(r.lines.maxLine)+" bytes"))
			continue
		}
		r.h.decodeRow(b.arena.kept.keep(line), row, &b.arena)
	}
	return nil
}

// decodeRow decodes one CSV line (no line break) into r. Fields are
// sub-strings of line but for those with doubled quotes; header and query
// pairs go to the arena.
func (h *CSVHeader) decodeRow(line string, r *Row, a *rowArena) {
	if a.fields == nil {
		a.fields = newFieldSet()
	}
	c := csvLine{s: line, more: true}
	hStart, qStart := len(a.headers), len(a.query)
	n := 0
	for ; c.more; n++ {
		name := ""
		if n < len(h.cols) {
			name = h.cols[n].name
		}
		v, err := c.next(&a.scratch)
		if err != nil {
			r.Err = fieldErr(name, detail(ErrCSVSyntax, err.Error()))
			break
		}
		if n >= len(h.cols) || v == "" {
			continue
		}
		col := &h.cols[n]
		switch col.kind {
		case csvHeaderColumn:
			a.headers = append(a.headers, sigv4.Header{Name: col.param, Value: v})
		case csvQueryColumn:
			a.query = append(a.query, sigv4.QueryParam{Key: col.param, Value: v})
		case csvField:
			f := &a.fields.fields[col.field]
			switch f.kind {
			case idField:
				r.ID = v
			case secondsField:
				s, ok := parseSeconds(v)
				if !ok {
					if r.Err == nil {
						r.Err = fieldErr(f.name, detail(ErrWrongType, "want whole seconds, got "+strconv.Quote(v)))
					}
					continue
				}
				r.Expires, r.HasExpires = s, true
			case textField:
				*f.textOf(r) = v
			}
		}
	}
	if r.Err == nil && n != len(h.cols) {
		r.Err = fieldErr("", detail(ErrCSVSyntax, strconv.Itoa(n)+" fields, the header has "+strconv.Itoa(len(h.cols))))
	}
	if r.Err != nil {
		a.headers, a.query = a.headers[:hStart], a.query[:qStart]
		return
	}
	if len(a.headers) > hStart {
		r.Headers = a.headers[hStart:len(a.headers):len(a.headers)]
	}
	if len(a.query) > qStart {
		r.Query = a.query[qStart:len(a.query):len(a.query)]
	}
}

// parseSeconds parses whole seconds as a manifest writes them: an integer,
// or an integral number in other notation (3.6e3).
func parseSeconds(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != float64(int64(f)) || f < -1<<62 || f > 1<<62 {
		return 0, false
	}
	return int64(f), true
}

// csvLine is a cursor over the fields of one CSV line.
type csvLine struct {
	s    string
	i    int
	more bool // another field follows (the line is not used up)
}

// CSV syntax errors, as the reject states them.
var (
	errCSVBareQuote  = errors.New(`'"' in an unquoted field (quote the field and double the quote)`)
	errCSVAfterQuote = errors.New(`text after a quoted field's closing quote`)
	errCSVOpenQuote  = errors.New("quoted field not closed on its line: a row is one line (keys with line breaks need an NDJSON or Parquet manifest)")
	errCSVLineBreak  = errors.New("carriage return inside a field: a row is one line (keys with line breaks need an NDJSON or Parquet manifest)")
)

// next returns the next field. A quoted field without doubled quotes is a
// sub-string of the line; one with them is decoded in *scratch and copied
// once.
func (c *csvLine) next(scratch *[]byte) (string, error) {
	s, i := c.s, c.i
	var v string
	if i < len(s) && s[i] == '"' {
		i++
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			return "", errCSVOpenQuote
		}
		if i+j+1 >= len(s) || s[i+j+1] != '"' {
			v = s[i : i+j]
			i += j + 1
		} else {
			buf := (*scratch)[:0]
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					*scratch = buf[:0]
					return "", errCSVOpenQuote
				}
				buf = append(buf, s[i:i+j]...)
				i += j + 1
				if i < len(s) && s[i] == '"' {
					buf = append(buf, '"')
					i++
					continue
				}
				break
			}
			v = string(buf)
			*scratch = buf[:0]
		}
		if strings.IndexByte(v, '\r') >= 0 {
			return "", errCSVLineBreak
		}
		if i < len(s) && s[i] != ',' {
			return "", errCSVAfterQuote
		}
	} else {
		j := strings.IndexAny(s[i:], ",\"\r")
		if j < 0 {
			j = len(s) - i
		}
		v = s[i : i+j]
		i += j
		if i < len(s) {
			switch s[i] {
			case '"':
				return "", errCSVBareQuote
			case '\r':
				return "", errCSVLineBreak
			}
		}
	}
	if i < len(s) { // s[i] == ','
		i++
		c.more = true
	} else {
		c.more = false
	}
	c.i = i
	return v, nil
}
