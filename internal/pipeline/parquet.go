package pipeline

import (
	"fmt"
	"io"
	"sort"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/parquet-go/parquet-go"
)

// ManifestRecord is the Parquet schema of a presign, sign or verify
// manifest (the request fields): every column optional, headers and query as
// MAP<STRING, STRING>. A manifest file may hold any subset of these columns,
// in any order, with other columns beside them (ignored); id may also be an
// integer column. Modes' own fields are further optional string columns
// (MacManifestRecord).
type ManifestRecord struct {
	ID            string            `parquet:"id,optional"`
	Method        string            `parquet:"method,optional"`
	URL           string            `parquet:"url,optional"`
	Bucket        string            `parquet:"bucket,optional"`
	Key           string            `parquet:"key,optional"`
	Region        string            `parquet:"region,optional"`
	Service       string            `parquet:"service,optional"`
	Expires       *int64            `parquet:"expires,optional"`
	Headers       map[string]string `parquet:"headers,optional"`
	Query         map[string]string `parquet:"query,optional"`
	ContentSHA256 string            `parquet:"content_sha256,optional"`
	BodyFile      string            `parquet:"body_file,optional"`
	Payload       string            `parquet:"payload,optional"`
	Body          string            `parquet:"body,optional"`
}

// ParquetReader reads a Parquet manifest, or a range of its records (a
// shard's): only the row groups that hold the range are read, and a range
// starting inside a row group seeks to its first record (through the offset
// index, when the file has one, without reading the pages before it). Row
// numbers are record numbers (1-based) across the file. The total is known
// from the footer, so progress can show an ETA.
//
// It reads column by column, not record by record: a second goroutine
// decodes the pages of the manifest columns the file has into windows of
// records (parquet_columns.go) — each column's values laid end to end, maps
// paired and sorted by key — at most one window ahead of the rows being
// handed out, so memory stays flat however many records the file holds.
// Columns the file does not have, and column chunks whose statistics say
// every value is null, cost nothing. ReadBatch copies a window's share of
// each column into the batch's text in one piece and points the rows into
// the one string made of it: a row costs no allocation and no call per value.
//
// Values mean what they meant when the reader converted every row group to
// the manifest schema (fieldSet.manifestSchema) with parquet-go: columns
// match by path, a value is present when its definition level is its
// column's maximum, an integer id becomes the string that conversion makes
// of it, an INT32 expires is sign-extended, a map's keys and values pair in
// order and a map with a null value (or a key short) is a reject.
// parquet_rowpath_test.go keeps that row-based reader, and the tests check
// that both give the same rows.
//
// Column types are checked when the file is opened: in Parquet a type
// belongs to a column, not a row, so a column of the wrong type is an error
// for the whole file (reported before anything is signed), not a reject.
type ParquetReader struct {
	f      *parquet.File
	closer io.Closer
	file   string // the file's name on its rows, for a manifest of many files
	plan   pqPlan

	groups     []parquet.RowGroup
	gstart     []int64 // the first record of each row group
	first, end int64   // the range: records [first, end)

	dec  *pqDecoder // the decoding goroutine, started by the first ReadBatch
	win  *pqWindow  // the window being handed out
	at   int        // its next row
	err  error      // the error that ended reading
	strs []string   // scratch of rows
	off  []int      // scratch of rows
}

// NewParquetReader opens the Parquet manifest in r (size bytes long). If r
// is an io.Closer, Close closes it.
func NewParquetReader(r io.ReaderAt, size int64) (*ParquetReader, error) {
	return newParquetRange(r, size, 0, -1)
}

// newParquetRange opens records [first, end) of the Parquet file in r
// (end < 0: to the end of the file).
func newParquetRange(r io.ReaderAt, size int64, first, end int64) (*ParquetReader, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("parquet manifest: %w", err)
	}
	fields := newFieldSet()
	if err := checkManifestSchema(f.Schema(), fields); err != nil {
		return nil, err
	}
	plan, err := newPQPlan(f.Schema(), fields)
	if err != nil {
		return nil, err
	}
	pr := &ParquetReader{f: f, plan: plan, groups: f.RowGroups()}
	if end < 0 || end > f.NumRows() {
		end = f.NumRows()
	}
	pr.first, pr.end = min(max(first, 0), end), end
	var at int64
	for _, g := range pr.groups {
		pr.gstart = append(pr.gstart, at)
		at += g.NumRows()
	}
	if c, ok := r.(io.Closer); ok {
		pr.closer = c
	}
	return pr, nil
}

// column returns what the leaf column at path feeds.
func (s *fieldSet) column(path []string) pqColumn {
	c := pqColumn{field: -1}
	i := s.index(path[0])
	if i < 0 {
		return c
	}
	f := &s.fields[i]
	switch {
	case len(path) == 1 && (f.kind != headersField && f.kind != queryField):
		c.part = pqWhole
	case len(path) == 3 && (f.kind == headersField || f.kind == queryField) && path[2] == "key":
		c.part = pqMapKey
	case len(path) == 3 && (f.kind == headersField || f.kind == queryField) && path[2] == "value":
		c.part = pqMapValue
	default:
		return c
	}
	c.field = int16(i)
	return c
}

// pqColumn is what a leaf column of the manifest schema feeds: a field
// (-1: none), or the keys or values of a headers or query map.
type pqColumn struct {
	field int16
	part  pqPart
}

type pqPart uint8

const (
	pqWhole pqPart = iota
	pqMapKey
	pqMapValue
)

// Total returns the number of records in the reader's range.
func (p *ParquetReader) Total() int64 { return p.end - p.first }

// Close stops the decoding goroutine, waiting for it, and closes the file
// if it is a Closer.
func (p *ParquetReader) Close() error {
	if p.dec != nil {
		p.dec.stop()
		p.dec = nil
	}
	p.win = nil
	if p.err == nil {
		p.err = io.EOF
	}
	if p.closer != nil {
		return p.closer.Close()
	}
	return nil
}

// ReadBatch fills b with the next rows of this shard.
func (p *ParquetReader) ReadBatch(b *Batch) (err error) {
	defer func() {
		// A malformed file the checks missed: an error, not a crash.
		if v := recover(); v != nil {
			err = fmt.Errorf("parquet manifest: record %d: %v", p.record(), v)
			p.err = err
		}
	}()
	if p.err != nil {
		return p.err
	}
	if p.dec == nil {
		p.dec = p.startDecoder()
	}
	for !b.Full() {
		if p.win == nil {
			w, ok := <-p.dec.out
			if !ok {
				p.err = io.EOF
				return p.err
			}
			if w.err != nil {
				p.err = w.err
				return p.err
			}
			p.win, p.at = w, 0
		}
		p.take(b)
		if p.at == p.win.n {
			last := p.win.last
			p.dec.recycle(p.win)
			p.win = nil
			if last {
				p.err = io.EOF
				return p.err
			}
		}
	}
	return nil
}

// record returns the 1-based number of the next record to hand out.
func (p *ParquetReader) record() int64 {
	if p.win == nil {
		return 0
	}
	return p.win.first + int64(p.at) + 1
}

// take moves rows of the current window into b: as many as b has room for,
// ending early at the row that brings b's text to its limit or that is the
// last body file b may hold (the bounds Batch.Full checks).
func (p *ParquetReader) take(b *Batch) {
	w := p.win
	i := p.at
	j := i + min(w.n-i, b.max-b.Len())
	if room := b.maxBytes - b.textLen(); room > 0 {
		before := w.bytesBefore(i)
		if k := i + sort.Search(j-i, func(x int) bool { return w.bytes[i+x]-before >= room }); k < j {
			j = k + 1
		}
	}
	if body := p.plan.body; body >= 0 && len(w.text[body].data) > 0 {
		need := maxBodiesPerBatch - b.bodies
		for r := i; r < j; r++ {
			if w.text[body].len(r) > 0 {
				if need--; need <= 0 {
					j = r + 1
					break
				}
			}
		}
	}
	p.rows(b, w, i, j)
	p.at = j
}

// rows appends rows [i, j) of w to b: each column's values for them kept
// in b's text in one piece (one copy, no allocation), the rows' strings cut
// from it.
func (p *ParquetReader) rows(b *Batch, w *pqWindow, i, j int) {
	// Per text column, then per map its keys and values: the kept string
	// of the window's bytes of rows [i, j), and minus where those bytes
	// start in the window, so that window offset x is str[off+x].
	strs, off := p.strs[:0], p.off[:0]
	for c := range w.text {
		v := &w.text[c]
		strs = append(strs, b.arena.kept.keep(v.data[v.start(i):v.start(j)]))
		off = append(off, -v.start(i))
	}
	for m := range w.maps {
		mp := &w.maps[m]
		pi, pj := mp.pairsBefore(i), mp.pairsBefore(j)
		strs = append(strs, b.arena.kept.keep(mp.keys.data[mp.keys.start(pi):mp.keys.start(pj)]))
		off = append(off, -mp.keys.start(pi))
		strs = append(strs, b.arena.kept.keep(mp.vals.data[mp.vals.start(pi):mp.vals.start(pj)]))
		off = append(off, -mp.vals.start(pi))
	}
	p.strs, p.off = strs, off
	nt := len(w.text)
	for r := i; r < j; r++ {
		row := b.Append()
		row.Num, row.File = w.first+int64(r)+1, p.file
		for c := range w.text {
			v := &w.text[c]
			if st, en := v.start(r), v.end[r]; en > st {
				*p.plan.text[c].set(row) = strs[c][off[c]+st : off[c]+en]
			}
		}
		if w.hasExp != nil && w.hasExp[r] {
			row.Expires, row.HasExpires = w.exp[r], true
		}
		for m := range w.maps {
			k, v := nt+2*m, nt+2*m+1
			p.pairs(b, row, &w.maps[m], &p.plan.maps[m], strs[k], off[k], strs[v], off[v], r)
		}
	}
	clear(p.strs) // the reader keeps no batch's text
}

// pairs gives row the pairs of record r of a map column: its keys are in
// ks at koff plus their window offsets, its values in vs at voff.
func (p *ParquetReader) pairs(b *Batch, row *Row, mp *pqPairs, plan *pqMapPlan, ks string, koff int, vs string, voff int, r int) {
	if mp.bad[r] && row.Err == nil {
		row.Err = fieldErr(plan.name, detail(ErrWrongType, "a map value is null"))
	}
	pi, pj := mp.pairsBefore(r), mp.end[r]
	if pi == pj {
		return
	}
	key := func(k int) string { return ks[koff+mp.keys.start(k) : koff+mp.keys.end[k]] }
	val := func(k int) string { return vs[voff+mp.vals.start(k) : voff+mp.vals.end[k]] }
	if plan.header {
		at := len(b.arena.headers)
		for k := pi; k < pj; k++ {
			b.arena.headers = append(b.arena.headers, sigv4.Header{Name: key(k), Value: val(k)})
		}
		row.Headers = b.arena.headers[at:len(b.arena.headers):len(b.arena.headers)]
		return
	}
	at := len(b.arena.query)
	for k := pi; k < pj; k++ {
		b.arena.query = append(b.arena.query, sigv4.QueryParam{Key: key(k), Value: val(k)})
	}
	row.Query = b.arena.query[at:len(b.arena.query):len(b.arena.query)]
}

// checkManifestSchema accepts a file whose known columns (fields) have
// types the reader can take: byte arrays for strings (integers too for id),
// integers for expires, maps of byte arrays for headers and query.
func checkManifestSchema(s *parquet.Schema, fields *fieldSet) error {
	for _, f := range s.Fields() {
		name := f.Name()
		bad := func(want string) error {
			return fmt.Errorf("parquet manifest: column %q is %s; want %s", name, describeNode(f), want)
		}
		mf, ok := fields.lookup(name)
		if !ok {
			continue
		}
		switch mf.kind {
		case headersField, queryField:
			if !isStringMap(f) {
				return bad("MAP<STRING, STRING>")
			}
		case secondsField:
			if !f.Leaf() || f.Repeated() || !isInt(f.Type().Kind()) {
				return bad("an integer (seconds)")
			}
		case idField:
			if !f.Leaf() || f.Repeated() || !(f.Type().Kind() == parquet.ByteArray || isInt(f.Type().Kind())) {
				return bad("a string or an integer")
			}
		case textField:
			if !f.Leaf() || f.Repeated() || f.Type().Kind() != parquet.ByteArray {
				return bad("a string")
			}
		}
	}
	return nil
}

func isInt(k parquet.Kind) bool { return k == parquet.Int32 || k == parquet.Int64 }

// isStringMap accepts the standard MAP layout: a group holding one repeated
// group of a key and a value, both byte arrays.
func isStringMap(f parquet.Field) bool {
	if f.Leaf() || f.Repeated() || len(f.Fields()) != 1 {
		return false
	}
	kv := f.Fields()[0]
	if kv.Leaf() || !kv.Repeated() || len(kv.Fields()) != 2 {
		return false
	}
	for _, c := range kv.Fields() {
		if !c.Leaf() || c.Repeated() || c.Type().Kind() != parquet.ByteArray {
			return false
		}
	}
	return true
}

func describeNode(f parquet.Field) string {
	switch {
	case !f.Leaf():
		return "a group"
	case f.Repeated():
		return "repeated " + f.Type().Kind().String()
	}
	return f.Type().Kind().String()
}
