package pipeline

// The row-based Parquet reader that ParquetReader replaced (parquet-go's
// ReadRows and a conversion to the manifest schema), kept as the oracle of
// the differential tests in parquet_columns_test.go: both must give the same
// rows on every file.

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/parquet-go/parquet-go"
)

// rowParquetReader reads a Parquet manifest, or a range of its records (a
// shard's), row group by row group: only the row groups that hold the range
// are read, and a range starting inside a row group seeks to its first
// record. Row numbers are record numbers (1-based) across the file. The
// total is known from the footer, so progress can show an ETA.
//
// parquet-go converts each row group to the schema of the manifest fields
// (fieldSet.manifestSchema: those of ManifestRecord's columns and the modes'
// own that the file has, so a file written with ManifestRecord needs no
// conversion; missing columns become nulls, an integer id becomes a string, other
// columns are dropped); the reader then takes the converted column values as they are
// (ReadRows) instead of reconstructing a Go struct per row by reflection:
// string values are copied into the batch's text, which becomes one string
// per batch, so a row costs no allocation.
//
// Column types are checked when the file is opened: in Parquet a type
// belongs to a column, not a row, so a column of the wrong type is an error
// for the whole file (reported before anything is signed), not a reject.
type rowParquetReader struct {
	f      *parquet.File
	closer io.Closer
	file   string // the file's name on its rows, for a manifest of many files
	fields *fieldSet
	schema *parquet.Schema // the manifest fields the file has

	groups []parquet.RowGroup
	gstart []int64 // the first record of each row group
	g      int     // current row group
	r      *parquet.GenericReader[any]
	num    int64 // records consumed (or skipped: before the range)
	first  int64 // the range: records [first, end)
	end    int64
	rows   []parquet.Row
	col    []pqColumn // leaf column index → what it feeds
	maxDef []int      // leaf column index → definition level of a present value
	spans  []rpSpan
	pairs  []rpPair
	keys   []rpText // scratch: map keys of the current row
	vals   []rpText // scratch: map values of the current row
}

// rpText is a string value's place in the batch text.
type rpText struct{ start, end int32 }

// rpSpan is one string field of one row of the batch.
type rpSpan struct {
	row   int32
	field int16
	text  rpText
}

// rpPair is one header or query pair of one row.
type rpPair struct {
	row    int32
	header bool
	k, v   rpText
}

// newRowParquetRange opens records [first, end) of the Parquet file in r
// (end < 0: to the end of the file).
func newRowParquetRange(r io.ReaderAt, size int64, first, end int64) (*rowParquetReader, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("parquet manifest: %w", err)
	}
	fields := newFieldSet()
	if err := checkManifestSchema(f.Schema(), fields); err != nil {
		return nil, err
	}
	var known []string // the manifest fields the file has
	for _, c := range f.Schema().Fields() {
		if fields.index(c.Name()) >= 0 {
			known = append(known, c.Name())
		}
	}
	if known == nil {
		known = []string{FieldID} // rows of nothing but nulls: still counted
	}
	pr := &rowParquetReader{f: f, fields: fields, schema: fields.manifestSchema(known), groups: f.RowGroups()}
	if end < 0 || end > f.NumRows() {
		end = f.NumRows()
	}
	pr.first, pr.end = min(max(first, 0), end), end
	var at int64
	for _, g := range pr.groups {
		pr.gstart = append(pr.gstart, at)
		at += g.NumRows()
	}
	// Start at the row group holding the first record of the range.
	for pr.g+1 < len(pr.groups) && pr.gstart[pr.g+1] <= pr.first {
		pr.g++
	}
	pr.num = pr.first
	for _, path := range pr.schema.Columns() {
		leaf, _ := pr.schema.Lookup(path...)
		pr.col = append(pr.col, fields.column(path))
		pr.maxDef = append(pr.maxDef, leaf.MaxDefinitionLevel)
	}
	if c, ok := r.(io.Closer); ok {
		pr.closer = c
	}
	return pr, nil
}

// Total returns the number of records in the reader's range.
func (p *rowParquetReader) Total() int64 { return p.end - p.first }

// Close releases the reader and closes the file if it is a Closer.
func (p *rowParquetReader) Close() error {
	if p.r != nil {
		p.r.Close()
		p.r = nil
	}
	if p.closer != nil {
		return p.closer.Close()
	}
	return nil
}

// rowParquetChunk is the most rows ReadBatch decodes between two looks at
// whether the batch is full.
const rowParquetChunk = 128

// ReadBatch fills b with the next rows of this shard.
func (p *rowParquetReader) ReadBatch(b *Batch) (err error) {
	defer func() {
		// parquet-go panics on some malformed files; make it an error.
		if v := recover(); v != nil {
			err = fmt.Errorf("parquet manifest: row group %d: %v", p.g, v)
		}
	}()
	if cap(p.rows) < b.max {
		p.rows = make([]parquet.Row, b.max)
	}
	p.spans, p.pairs = p.spans[:0], p.pairs[:0]
	defer p.resolve(b)
	for !b.Full() {
		if p.r == nil {
			if p.g >= len(p.groups) || p.num >= p.end {
				return io.EOF
			}
			p.r = parquet.NewGenericRowGroupReader[any](p.groups[p.g], p.schema)
			if skip := p.num - p.gstart[p.g]; skip > 0 {
				if err := p.r.SeekToRow(skip); err != nil {
					return fmt.Errorf("parquet manifest: record %d: %w", p.num+1, err)
				}
			}
		}
		// A few rows at a time, so a batch of large rows closes on its
		// bytes (Full) soon after it reaches them.
		rows := p.rows[:min(int64(b.max-b.Len()), rowParquetChunk, p.end-p.num)]
		n, rerr := p.r.ReadRows(rows)
		for i := range rows[:n] {
			p.num++
			p.add(rows[i], b)
		}
		if p.num >= p.end {
			p.r.Close()
			p.r = nil
			return io.EOF
		}
		if errors.Is(rerr, io.EOF) || (rerr == nil && n == 0) {
			p.r.Close()
			p.r = nil
			p.g++
			continue
		}
		if rerr != nil {
			return fmt.Errorf("parquet manifest: record %d: %w", p.num+1, rerr)
		}
	}
	return nil
}

// add appends one record's values to the batch: numbers straight into the
// row, strings into the batch text (resolved by resolve).
func (p *rowParquetReader) add(vals parquet.Row, b *Batch) {
	r := b.Append()
	r.Num, r.File = p.num, p.file
	ri := int32(b.Len() - 1)
	p.keys, p.vals = p.keys[:0], p.vals[:0]
	flushPairs := func(field int16) {
		header := p.fields.fields[field].kind == headersField
		if len(p.keys) != len(p.vals) && r.Err == nil {
			r.Err = fieldErr(p.fields.fields[field].name, detail(ErrWrongType, "a map value is null"))
		}
		for i := range min(len(p.keys), len(p.vals)) {
			p.pairs = append(p.pairs, rpPair{row: ri, header: header, k: p.keys[i], v: p.vals[i]})
		}
		p.keys, p.vals = p.keys[:0], p.vals[:0]
	}
	prev := pqColumn{field: -1}
	for _, v := range vals {
		c := v.Column()
		if c < 0 || c >= len(p.col) || v.IsNull() || v.DefinitionLevel() != p.maxDef[c] {
			continue // null, or an absent or empty map
		}
		col := p.col[c]
		// Columns come in schema order: a map's keys, then its values. Pair
		// a map when its values end.
		if prev.part == pqMapValue && col != prev {
			flushPairs(prev.field)
		}
		prev = col
		if col.field < 0 {
			continue
		}
		switch {
		case col.part == pqMapKey:
			p.keys = append(p.keys, p.text(v.ByteArray(), b))
		case col.part == pqMapValue:
			p.vals = append(p.vals, p.text(v.ByteArray(), b))
		case p.fields.fields[col.field].kind == secondsField:
			r.Expires, r.HasExpires = v.Int64(), true
		default:
			p.spans = append(p.spans, rpSpan{row: ri, field: col.field, text: p.text(v.ByteArray(), b)})
		}
	}
	if prev.part == pqMapValue {
		flushPairs(prev.field)
	}
}

func (p *rowParquetReader) text(v []byte, b *Batch) rpText {
	start := len(b.text)
	b.text = append(b.text, v...)
	return rpText{int32(start), int32(len(b.text))}
}

// resolve turns the batch text into one string and points the rows'
// string fields and pairs into it.
func (p *rowParquetReader) resolve(b *Batch) {
	if len(p.spans) == 0 && len(p.pairs) == 0 {
		return
	}
	text := string(b.text)
	str := func(t rpText) string { return text[t.start:t.end] }
	for _, sp := range p.spans {
		r := &b.rows[sp.row]
		if f := &p.fields.fields[sp.field]; f.kind == idField {
			r.ID = str(sp.text)
		} else {
			*f.textOf(r) = str(sp.text)
		}
	}
	// Pairs of one row and kind are contiguous; sort each map by name so
	// rows do not depend on the writer's map order.
	for i := 0; i < len(p.pairs); {
		j := i + 1
		for j < len(p.pairs) && p.pairs[j].row == p.pairs[i].row && p.pairs[j].header == p.pairs[i].header {
			j++
		}
		group := p.pairs[i:j]
		slices.SortStableFunc(group, func(a, c rpPair) int { return strings.Compare(str(a.k), str(c.k)) })
		r := &b.rows[group[0].row]
		if group[0].header {
			start := len(b.arena.headers)
			for _, kv := range group {
				b.arena.headers = append(b.arena.headers, sigv4.Header{Name: str(kv.k), Value: str(kv.v)})
			}
			r.Headers = b.arena.headers[start:len(b.arena.headers):len(b.arena.headers)]
		} else {
			start := len(b.arena.query)
			for _, kv := range group {
				b.arena.query = append(b.arena.query, sigv4.QueryParam{Key: str(kv.k), Value: str(kv.v)})
			}
			r.Query = b.arena.query[start:len(b.arena.query):len(b.arena.query)]
		}
		i = j
	}
}
