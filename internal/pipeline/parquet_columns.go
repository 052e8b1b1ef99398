package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

// The column side of ParquetReader: which leaf columns of a file feed which
// fields (pqPlan), and a goroutine that decodes their pages into windows of
// records (pqWindow) ahead of ReadBatch.

// Window bounds. A window holds up to pqWindowRows records, fewer when its
// records are large: each window after the first of a reader is sized from
// the bytes per record of the one before to about pqWindowBytes, growing at
// most twofold at a time. The decoder holds at most three windows (the one
// ReadBatch hands out, one ready, one being decoded) and one page per
// column.
const (
	pqWindowRows      = 4096
	pqFirstWindowRows = 128
	pqWindowBytes     = 1 << 20
)

// pqPlan is what a file's leaf columns feed, in manifest schema order:
// that order decides which error a row with two bad maps reports, as it did
// when rows were converted to the manifest schema.
type pqPlan struct {
	text []pqTextPlan // string fields, id included
	exp  *pqLeaf      // expires; nil when the file has no such column
	maps []pqMapPlan  // headers and query, those the file has
	body int          // index in text of body_file; -1 when absent
}

// pqLeaf is one leaf column of the file.
type pqLeaf struct {
	col    int    // its index among the row group's column chunks
	path   string // dotted, for errors
	maxDef byte
	maxRep byte
	// conv, for an integer id, is the column's type, and to the string
	// type of the manifest schema's id: the id is what parquet-go's
	// conversion makes of the integer (a decimal number, a date, a time).
	conv, to parquet.Type
}

// pqTextPlan is a string field's column.
type pqTextPlan struct {
	leaf pqLeaf
	set  func(*Row) *string // where a row keeps the field
}

// pqMapPlan is a headers or query map's key and value columns; either may be
// missing (nil), and then every key (value) is null.
type pqMapPlan struct {
	name     string
	header   bool
	key, val *pqLeaf
}

// newPQPlan matches the leaf columns of the manifest schema (those of the
// manifest fields the file has) to the file's by path.
func newPQPlan(fs *parquet.Schema, fields *fieldSet) (pqPlan, error) {
	plan := pqPlan{body: -1}
	var known []string
	for _, c := range fs.Fields() {
		if fields.index(c.Name()) >= 0 {
			known = append(known, c.Name())
		}
	}
	if known == nil {
		return plan, nil // records of nothing: still counted
	}
	target := fields.manifestSchema(known)
	for _, path := range target.Columns() {
		col := fields.column(path)
		if col.field < 0 {
			continue
		}
		f := &fields.fields[col.field]
		src, ok := fs.Lookup(path...)
		var leaf *pqLeaf
		if ok {
			leaf = &pqLeaf{col: src.ColumnIndex, path: strings.Join(path, "."),
				maxDef: byte(src.MaxDefinitionLevel), maxRep: byte(src.MaxRepetitionLevel)}
			if k := src.Node.Type().Kind(); f.kind == idField && k != parquet.ByteArray {
				to, _ := target.Lookup(path...)
				leaf.conv, leaf.to = src.Node.Type(), to.Node.Type()
			}
		}
		switch col.part {
		case pqWhole:
			if leaf == nil {
				continue
			}
			switch f.kind {
			case secondsField:
				plan.exp = leaf
			case idField:
				plan.text = append(plan.text, pqTextPlan{leaf: *leaf, set: func(r *Row) *string { return &r.ID }})
			default:
				if f.name == FieldBodyFile {
					plan.body = len(plan.text)
				}
				set := f.text
				if set == nil {
					slot := f.slot
					set = func(r *Row) *string { return &r.own[slot] }
				}
				plan.text = append(plan.text, pqTextPlan{leaf: *leaf, set: set})
			}
		case pqMapKey, pqMapValue:
			if len(plan.maps) == 0 || plan.maps[len(plan.maps)-1].name != f.name {
				plan.maps = append(plan.maps, pqMapPlan{name: f.name, header: f.kind == headersField})
			}
			m := &plan.maps[len(plan.maps)-1]
			if col.part == pqMapKey {
				m.key = leaf
			} else {
				m.val = leaf
			}
		}
	}
	// A map neither of whose columns matched is a null map on every row.
	out := plan.maps[:0]
	for _, m := range plan.maps {
		if m.key != nil || m.val != nil {
			out = append(out, m)
		}
	}
	plan.maps = out
	return plan, nil
}

// pqWindow is records [first, first+n) of the file, column by column.
type pqWindow struct {
	first int64
	n     int
	last  bool // the reader's range ends with it
	text  []pqValues
	exp   []int64
	// hasExp[i] tells an expires on record i from a null; nil when the file
	// has no expires column.
	hasExp []bool
	maps   []pqPairs
	// bytes[i] is the text of records [0, i], all columns together.
	bytes []int
	err   error
}

// bytesBefore returns the text of records [0, i).
func (w *pqWindow) bytesBefore(i int) int {
	if i == 0 {
		return 0
	}
	return w.bytes[i-1]
}

// pqValues is a string column of a window: value i is
// data[start(i):end[i]]. A null is empty, as an empty string is: a Row
// does not tell them apart.
type pqValues struct {
	data []byte
	end  []int
}

func (v *pqValues) start(i int) int {
	if i == 0 {
		return 0
	}
	return v.end[i-1]
}

func (v *pqValues) len(i int) int { return v.end[i] - v.start(i) }

func (v *pqValues) reset() { v.data, v.end = v.data[:0], v.end[:0] }

func (v *pqValues) add(b []byte) {
	v.data = append(v.data, b...)
	v.end = append(v.end, len(v.data))
}

// pqPairs is a map column of a window: record i has pairs
// [pairsBefore(i), end[i]) of keys and vals, sorted by key.
type pqPairs struct {
	end        []int
	keys, vals pqValues
	// bad[i]: record i has a key without a value or a value without a key.
	bad []bool
	// Scratch: the keys and values in file order, and how many of each
	// every record has.
	k, v   pqValues
	kn, vn []int
	order  []int
}

func (m *pqPairs) pairsBefore(i int) int {
	if i == 0 {
		return 0
	}
	return m.end[i-1]
}

// pair pairs the i-th key of each record with its i-th value, as far as
// both go, each record's pairs in key order (stable: a repeated key keeps
// its order).
func (m *pqPairs) pair(n int) {
	m.end, m.bad = m.end[:0], m.bad[:0]
	m.keys.reset()
	m.vals.reset()
	ki, vi := 0, 0
	for r := range n {
		nk, nv := m.kn[r], m.vn[r]
		np := min(nk, nv)
		m.bad = append(m.bad, nk != nv)
		order := m.order[:0]
		for x := range np {
			// Insertion sort: a record has a handful of pairs.
			at := len(order)
			order = append(order, x)
			for at > 0 && bytes.Compare(m.key(ki+order[at-1]), m.key(ki+x)) > 0 {
				order[at] = order[at-1]
				at--
			}
			order[at] = x
		}
		for _, x := range order {
			m.keys.add(m.key(ki + x))
			m.vals.add(m.v.data[m.v.start(vi+x):m.v.end[vi+x]])
		}
		m.order = order
		ki += nk
		vi += nv
		m.end = append(m.end, len(m.keys.end))
	}
}

func (m *pqPairs) key(i int) []byte { return m.k.data[m.k.start(i):m.k.end[i]] }

// reset prepares w for records [first, first+n) of a file read with plan.
func (w *pqWindow) reset(plan *pqPlan, first int64, n int) {
	w.first, w.n, w.last, w.err = first, n, false, nil
	if len(w.text) != len(plan.text) {
		w.text = make([]pqValues, len(plan.text))
	}
	for i := range w.text {
		w.text[i].reset()
	}
	w.exp, w.hasExp = w.exp[:0], w.hasExp[:0]
	switch {
	case plan.exp == nil:
		w.hasExp = nil
	case w.hasExp == nil:
		w.hasExp = make([]bool, 0, n)
	}
	if len(w.maps) != len(plan.maps) {
		w.maps = make([]pqPairs, len(plan.maps))
	}
	w.bytes = w.bytes[:0]
}

// pqCursor reads one column chunk's values in record order, page by page.
type pqCursor struct {
	leaf  *pqLeaf
	pages parquet.Pages
	page  parquet.Page
	rec   int64 // the record the next value belongs to (0-based, in the file)
	eof   bool

	defs, reps []byte // the page's levels; nil when the column has none
	n, li, vi  int    // levels in the page, the next level, the next value
	// The page's values: byte arrays or integers, looked up through idx
	// when the page is dictionary-encoded.
	data []byte
	offs []uint32
	i32  []int32
	i64  []int64
	idx  []int32
	nval int // the values idx may name, or the page holds
}

var errPQShort = errors.New("the column chunk ends before the row group does")

// fail returns err as an error of the cursor's current record.
func (c *pqCursor) fail(err error) error {
	return fmt.Errorf("parquet manifest: record %d: column %q: %w", c.rec+1, c.leaf.path, err)
}

// load reads the next page with any values; at the chunk's end it sets eof.
func (c *pqCursor) load() error {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	for {
		pg, err := c.pages.ReadPage()
		if errors.Is(err, io.EOF) {
			c.eof = true
			return nil
		}
		if err != nil {
			return c.fail(err)
		}
		c.page = pg
		c.n, c.li, c.vi = int(pg.NumValues()), 0, 0
		c.defs, c.reps = pg.DefinitionLevels(), pg.RepetitionLevels()
		if c.leaf.maxDef == 0 {
			c.defs = nil
		}
		if (c.leaf.maxDef > 0 && len(c.defs) != c.n) || (c.leaf.maxRep > 0 && len(c.reps) != c.n) {
			return c.fail(fmt.Errorf("a page of %d values has %d definition and %d repetition levels", c.n, len(c.defs), len(c.reps)))
		}
		vals := pg.Data()
		c.idx = nil
		if d := pg.Dictionary(); d != nil {
			if vals.Kind() != encoding.Int32 {
				return c.fail(fmt.Errorf("dictionary indexes of type %s", vals.Kind()))
			}
			c.idx = vals.Int32()
			vals = d.Page().Data()
		}
		c.data, c.offs, c.i32, c.i64 = nil, nil, nil, nil
		switch vals.Kind() {
		case encoding.ByteArray:
			c.data, c.offs = vals.ByteArray()
			c.nval = max(len(c.offs)-1, 0)
		case encoding.Int32:
			c.i32 = vals.Int32()
			c.nval = len(c.i32)
		case encoding.Int64:
			c.i64 = vals.Int64()
			c.nval = len(c.i64)
		default:
			return c.fail(fmt.Errorf("values of type %s", vals.Kind()))
		}
		if c.n > 0 {
			return nil
		}
		parquet.Release(pg)
		c.page = nil
	}
}

// value returns the index among the page's values of the next present
// value, and moves past it.
func (c *pqCursor) value() (int, error) {
	i := c.vi
	c.vi++
	if c.idx != nil {
		if i >= len(c.idx) {
			return 0, c.fail(errors.New("a page holds fewer values than its levels say"))
		}
		i = int(c.idx[i])
	}
	if i < 0 || i >= c.nval {
		return 0, c.fail(fmt.Errorf("value %d of %d: the page or its dictionary holds fewer", i, c.nval))
	}
	return i, nil
}

// bytesAt returns byte array value i of the page.
func (c *pqCursor) bytesAt(i int) []byte {
	a, b := c.offs[i], c.offs[i+1]
	if a > b || int(b) > len(c.data) {
		return nil
	}
	return c.data[a:b]
}

// intAt returns integer value i of the page, sign-extended.
func (c *pqCursor) intAt(i int) int64 {
	if c.i32 != nil {
		return int64(c.i32[i])
	}
	return c.i64[i]
}

// next moves to the next level of a record: it reports whether the
// record has a value there, for the caller to take with value.
func (c *pqCursor) next() (present bool, err error) {
	if c.li == c.n {
		if err := c.load(); err != nil {
			return false, err
		}
		if c.eof {
			return false, c.fail(errPQShort)
		}
	}
	present = c.defs == nil || c.defs[c.li] == c.leaf.maxDef
	c.li++
	return present, nil
}

// text appends the next n records' values of a string column to v.
func (c *pqCursor) text(v *pqValues, n int) error {
	for range n {
		present, err := c.next()
		if err != nil {
			return err
		}
		if present {
			i, err := c.value()
			if err != nil {
				return err
			}
			switch {
			case c.leaf.conv != nil:
				var pv parquet.Value
				if c.i32 != nil {
					pv = parquet.Int32Value(c.i32[i])
				} else {
					pv = parquet.Int64Value(c.i64[i])
				}
				s, err := c.leaf.to.ConvertValue(pv, c.leaf.conv)
				if err != nil {
					return c.fail(err)
				}
				v.data = append(v.data, s.ByteArray()...)
			case c.offs != nil:
				v.data = append(v.data, c.bytesAt(i)...)
			default:
				return c.fail(errors.New("not a string"))
			}
		}
		v.end = append(v.end, len(v.data))
		c.rec++
	}
	return nil
}

// ints appends the next n records' values of an integer column to w.
func (c *pqCursor) ints(w *pqWindow, n int) error {
	for range n {
		present, err := c.next()
		if err != nil {
			return err
		}
		var x int64
		if present {
			i, err := c.value()
			if err != nil {
				return err
			}
			if c.i32 == nil && c.i64 == nil {
				return c.fail(errors.New("not an integer"))
			}
			x = c.intAt(i)
		}
		w.exp = append(w.exp, x)
		w.hasExp = append(w.hasExp, present)
		c.rec++
	}
	return nil
}

// entries appends the present entries of the next n records of a map's
// key or value column to v, and their number per record to counts.
func (c *pqCursor) entries(v *pqValues, counts *[]int, n int) error {
	for range n {
		count := 0
		for first := true; ; first = false {
			if c.li == c.n {
				if err := c.load(); err != nil {
					return err
				}
				if c.eof {
					if first {
						return c.fail(errPQShort)
					}
					break
				}
			}
			rep := c.reps[c.li]
			if !first && rep == 0 {
				break // the next record's
			}
			if first && rep != 0 {
				return c.fail(fmt.Errorf("a record starts at repetition level %d", rep))
			}
			present := c.defs[c.li] == c.leaf.maxDef
			c.li++
			if !present {
				continue // a null or empty map, or a null key or value
			}
			i, err := c.value()
			if err != nil {
				return err
			}
			if c.offs == nil {
				return c.fail(errors.New("not a string"))
			}
			v.add(c.bytesAt(i))
			count++
		}
		*counts = append(*counts, count)
		c.rec++
	}
	return nil
}

func (c *pqCursor) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.pages.Close()
}

// pqGroup is the cursors of one row group, in plan order; nil where the
// file has no such column or every value of its chunk is null.
type pqGroup struct {
	text     []*pqCursor
	exp      *pqCursor
	key, val []*pqCursor // per map
}

// openGroup opens the cursors of row group g, at its record skip.
func (p *ParquetReader) openGroup(g int, skip int64) (*pqGroup, error) {
	chunks := p.groups[g].ColumnChunks()
	open := func(leaf *pqLeaf) (*pqCursor, error) {
		if leaf == nil {
			return nil, nil
		}
		if leaf.col >= len(chunks) {
			return nil, fmt.Errorf("parquet manifest: row group %d has no column %q", g, leaf.path)
		}
		ch := chunks[leaf.col]
		if nc, ok := ch.(interface{ NullCount() int64 }); ok && nc.NullCount() == ch.NumValues() {
			return nil, nil // every value null (or none): nothing to read
		}
		c := &pqCursor{leaf: leaf, pages: ch.Pages(), rec: p.gstart[g] + skip}
		if skip > 0 {
			if err := c.pages.SeekToRow(skip); err != nil {
				c.pages.Close()
				return nil, c.fail(err)
			}
		}
		return c, nil
	}
	gr := &pqGroup{}
	var err error
	for i := range p.plan.text {
		c, e := open(&p.plan.text[i].leaf)
		gr.text, err = append(gr.text, c), errors.Join(err, e)
	}
	c, e := open(p.plan.exp)
	gr.exp, err = c, errors.Join(err, e)
	for i := range p.plan.maps {
		k, e1 := open(p.plan.maps[i].key)
		v, e2 := open(p.plan.maps[i].val)
		gr.key, gr.val, err = append(gr.key, k), append(gr.val, v), errors.Join(err, e1, e2)
	}
	if err != nil {
		gr.close()
		return nil, err
	}
	return gr, nil
}

func (gr *pqGroup) close() {
	for _, cs := range [][]*pqCursor{gr.text, {gr.exp}, gr.key, gr.val} {
		for _, c := range cs {
			if c != nil {
				c.close()
			}
		}
	}
}

// fill decodes w's n records from the cursors.
func (gr *pqGroup) fill(w *pqWindow, n int) error {
	for i, c := range gr.text {
		v := &w.text[i]
		if c == nil {
			v.end = append(v.end, make([]int, n)...)
			continue
		}
		if err := c.text(v, n); err != nil {
			return err
		}
	}
	if w.hasExp != nil {
		if gr.exp == nil {
			w.exp, w.hasExp = append(w.exp, make([]int64, n)...), append(w.hasExp, make([]bool, n)...)
		} else if err := gr.exp.ints(w, n); err != nil {
			return err
		}
	}
	for i := range w.maps {
		m := &w.maps[i]
		m.k.reset()
		m.v.reset()
		m.kn, m.vn = m.kn[:0], m.vn[:0]
		for _, side := range []struct {
			c      *pqCursor
			v      *pqValues
			counts *[]int
		}{{gr.key[i], &m.k, &m.kn}, {gr.val[i], &m.v, &m.vn}} {
			if side.c == nil {
				for range n {
					*side.counts = append(*side.counts, 0)
				}
			} else if err := side.c.entries(side.v, side.counts, n); err != nil {
				return err
			}
		}
		m.pair(n)
	}
	sum := 0
	for r := range n {
		for i := range w.text {
			sum += w.text[i].len(r)
		}
		for i := range w.maps {
			m := &w.maps[i]
			if a, b := m.pairsBefore(r), m.end[r]; b > a {
				sum += m.keys.end[b-1] - m.keys.start(a) + m.vals.end[b-1] - m.vals.start(a)
			}
		}
		w.bytes = append(w.bytes, sum)
	}
	return nil
}

// pqDecoder is the goroutine that decodes windows ahead of ReadBatch.
type pqDecoder struct {
	out    chan *pqWindow // decoded windows, in order; closed at the end
	free   chan *pqWindow // windows ReadBatch is done with
	done   chan struct{}  // closed by stop
	exited chan struct{}
}

// startDecoder starts decoding the reader's range.
func (p *ParquetReader) startDecoder() *pqDecoder {
	d := &pqDecoder{out: make(chan *pqWindow, 1), free: make(chan *pqWindow, 2),
		done: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(d.exited)
		defer close(d.out)
		p.decode(d)
	}()
	return d
}

// stop ends the goroutine and waits for it: the file must not be read
// once Close returns.
func (d *pqDecoder) stop() {
	close(d.done)
	<-d.exited
}

// recycle gives a window back for reuse.
func (d *pqDecoder) recycle(w *pqWindow) {
	select {
	case d.free <- w:
	default:
	}
}

// send hands w to ReadBatch; false when the reader is closed.
func (d *pqDecoder) send(w *pqWindow) bool {
	select {
	case d.out <- w:
		return true
	case <-d.done:
		return false
	}
}

// decode decodes the range's records, row group by row group, into
// windows; an error ends it with a window that carries it.
func (p *ParquetReader) decode(d *pqDecoder) {
	g := 0
	var gr *pqGroup
	defer func() {
		if gr != nil {
			gr.close()
		}
		// parquet-go panics on some malformed files; make it an error.
		if v := recover(); v != nil {
			d.send(&pqWindow{err: fmt.Errorf("parquet manifest: row group %d: %v", g, v)})
		}
	}()
	rows := pqFirstWindowRows
	for ; g < len(p.groups) && p.gstart[g] < p.end; g++ {
		lo, hi := max(p.first, p.gstart[g]), min(p.end, p.gstart[g]+p.groups[g].NumRows())
		if lo >= hi {
			continue
		}
		var err error
		if gr, err = p.openGroup(g, lo-p.gstart[g]); err != nil {
			d.send(&pqWindow{err: err})
			return
		}
		for at := lo; at < hi; {
			n := int(min(int64(rows), hi-at))
			var w *pqWindow
			select {
			case w = <-d.free:
			default:
				w = new(pqWindow)
			}
			w.reset(&p.plan, at, n)
			if err := gr.fill(w, n); err != nil {
				d.send(&pqWindow{err: err})
				return
			}
			at += int64(n)
			w.last = at == p.end
			if !d.send(w) {
				return
			}
			// Size the next window from this one's bytes per record.
			if total := w.bytesBefore(n); total > 0 {
				rows = int(min(int64(pqWindowBytes)*int64(n)/int64(total), int64(2*rows), pqWindowRows))
			} else {
				rows = min(2*rows, pqWindowRows)
			}
			rows = max(rows, 1)
		}
		gr.close()
		gr = nil
	}
}
