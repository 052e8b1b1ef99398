package pipeline

import (
	"cmp"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// The Parquet schemas of the outputs, as Go row types for programs that
// read them (parquet.Read[PresignRecord]). The writer builds each schema
// from the mode's columns; TestParquetSchemasMatchRecordTypes keeps these
// types equal to what it writes.

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

// parquetSchema returns the Parquet schema of a table: a required column
// per column, in order (string, boolean, or MAP<STRING, STRING> for
// headers), named t.name. It is the schema parquet-go derives from a Go
// struct of those fields, so the files are those the row types above
// describe.
func parquetSchema(t table) *parquet.Schema {
	fields := make([]reflect.StructField, len(t.columns))
	for i, c := range t.columns {
		typ := reflect.TypeFor[string]()
		switch c.Kind {
		case BoolColumn:
			typ = reflect.TypeFor[bool]()
		case HeadersColumn:
			typ = reflect.TypeFor[map[string]string]()
		}
		fields[i] = reflect.StructField{Name: "C" + strconv.Itoa(i), Type: typ, Tag: reflect.StructTag(`parquet:"` + c.Name + `"`)}
	}
	return parquet.NewSchema(t.name, parquet.SchemaOf(reflect.New(reflect.StructOf(fields)).Elem().Interface()))
}

// parquetWriter: workers encode records in a compact length-prefixed form
// (AppendRecord); the writer goroutine turns them into Parquet rows of the
// table's schema and hands them to parquet-go.
type parquetWriter struct {
	cols []Column
	leaf []int // each column's first leaf column (a headers map has two: key, value)
	w    *parquet.GenericWriter[any]

	rows  []parquet.Row
	vals  []parquet.Value // the values rows point into
	text  []byte          // formatted times the values point into
	pairs []lpPair        // one record's headers, to sort
}

func newParquetWriter(w io.Writer, t table) *parquetWriter {
	p := &parquetWriter{cols: t.columns, leaf: make([]int, len(t.columns))}
	n := 0
	for i, c := range t.columns {
		p.leaf[i] = n
		n++
		if c.Kind == HeadersColumn {
			n++
		}
	}
	p.w = parquet.NewGenericWriter[any](w, parquetSchema(t),
		parquet.MaxRowsPerRowGroup(parquetRowsPerGroup),
		parquet.CreatedBy("batchsign", "", ""))
	return p
}

func appendLP(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendLPBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func (p *parquetWriter) AppendRecord(dst []byte, r *Record) []byte {
	rec := *r
	for i := range p.cols {
		v := &rec[i]
		switch p.cols[i].Kind {
		case StringColumn:
			if v.raw != nil {
				dst = appendLPBytes(dst, v.raw)
			} else {
				dst = appendLP(dst, v.str)
			}
		case BoolColumn:
			dst = binary.AppendUvarint(dst, uint64(v.num))
		case TimeColumn:
			dst = binary.AppendVarint(dst, v.num)
		case HeadersColumn:
			dst = binary.AppendUvarint(dst, uint64(len(v.hdrs)))
			for _, h := range v.hdrs {
				dst = appendLP(dst, h.Name)
				dst = appendLP(dst, h.Value)
			}
		}
	}
	return dst
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

func (l *lpReader) varint() int64 {
	v, n := binary.Varint(l.b)
	if n <= 0 {
		l.err, l.b = true, nil
		return 0
	}
	l.b = l.b[n:]
	return v
}

// bytes returns the next length-prefixed value, without copying.
func (l *lpReader) bytes() []byte {
	n := l.uvarint()
	if n > uint64(len(l.b)) {
		l.err, l.b = true, nil
		return nil
	}
	s := l.b[:n:n]
	l.b = l.b[n:]
	return s
}

type lpPair struct{ k, v []byte }

// Write turns the encoded records into rows. Their values point into enc
// and p.text, which stay untouched until WriteRows has copied them: text
// only grows within a call (a reallocation leaves earlier values pointing
// at the old array, unchanged).
func (p *parquetWriter) Write(enc []byte) error {
	l := lpReader{b: enc}
	clear(p.rows)
	p.rows, p.vals, p.text = p.rows[:0], p.vals[:0], p.text[:0]
	for len(l.b) > 0 && !l.err {
		start := len(p.vals)
		for i, c := range p.cols {
			leaf := p.leaf[i]
			switch c.Kind {
			case StringColumn:
				p.vals = append(p.vals, parquet.ByteArrayValue(l.bytes()).Level(0, 0, leaf))
			case BoolColumn:
				p.vals = append(p.vals, parquet.BooleanValue(l.uvarint() == 1).Level(0, 0, leaf))
			case TimeColumn:
				t := len(p.text)
				p.text = appendRFC3339Unix(p.text, l.varint())
				p.vals = append(p.vals, parquet.ByteArrayValue(p.text[t:len(p.text):len(p.text)]).Level(0, 0, leaf))
			case HeadersColumn:
				p.appendMap(&l, leaf)
			}
		}
		p.rows = append(p.rows, p.vals[start:len(p.vals):len(p.vals)])
	}
	if l.err {
		return errors.New("pipeline: corrupt encoded Parquet records")
	}
	_, err := p.w.WriteRows(p.rows)
	return err
}

// appendMap appends a headers map's values: its keys (column leaf), then
// its values (leaf+1), sorted by name with the last of a repeated name kept,
// as parquet-go writes a Go map; an empty map is a null in each column.
func (p *parquetWriter) appendMap(l *lpReader, leaf int) {
	n := l.uvarint()
	p.pairs = p.pairs[:0]
	for i := uint64(0); i < n && !l.err; i++ {
		k := l.bytes()
		p.pairs = append(p.pairs, lpPair{k, l.bytes()})
	}
	slices.SortStableFunc(p.pairs, func(a, b lpPair) int { return cmp.Compare(string(a.k), string(b.k)) })
	pairs := p.pairs[:0]
	for i, kv := range p.pairs {
		if i+1 < len(p.pairs) && string(p.pairs[i+1].k) == string(kv.k) {
			continue // a later value of the same name wins, as in a map
		}
		pairs = append(pairs, kv)
	}
	if len(pairs) == 0 {
		p.vals = append(p.vals, parquet.NullValue().Level(0, 0, leaf), parquet.NullValue().Level(0, 0, leaf+1))
		return
	}
	for col := leaf; col <= leaf+1; col++ {
		for i, kv := range pairs {
			rep, b := 1, kv.v
			if i == 0 {
				rep = 0
			}
			if col == leaf {
				b = kv.k
			}
			p.vals = append(p.vals, parquet.ByteArrayValue(b).Level(rep, 1, col))
		}
	}
}

func (p *parquetWriter) Close() error { return p.w.Close() }
