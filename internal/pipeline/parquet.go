package pipeline

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/parquet-go/parquet-go"
)

// ManifestRecord is the Parquet schema of a manifest: every column optional,
// headers and query as MAP<STRING, STRING>. A manifest file may hold any
// subset of these columns, in any order, with other columns beside them
// (ignored); id may also be an integer column.
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
	MacFields                       // key_id, algorithm, message, message_file, mac (mac.go)
}

// ParquetReader reads a Parquet manifest row group by row group with
// parquet-go's GenericReader[ManifestRecord], keeping the rows of its shard.
// Row numbers are record numbers (1-based) across the file. The total is
// known from the footer, so progress can show an ETA.
//
// GenericReader converts each row group to ManifestRecord's schema (missing
// columns become nulls, an integer id becomes a string, other columns are
// dropped); the reader then takes the converted column values as they are
// (ReadRows) instead of reconstructing a Go struct per row by reflection:
// string values are copied into the batch's text, which becomes one string
// per batch, so a row costs no allocation.
//
// Column types are checked when the file is opened: in Parquet a type
// belongs to a column, not a row, so a column of the wrong type is an error
// for the whole file (reported before anything is signed), not a reject.
type ParquetReader struct {
	f      *parquet.File
	closer io.Closer
	shard  Shard

	groups []parquet.RowGroup
	g      int // current row group
	r      *parquet.GenericReader[ManifestRecord]
	num    int64 // records consumed
	rows   []parquet.Row
	col    []pqField // leaf column index → field
	maxDef []int     // leaf column index → definition level of a present value
	spans  []pqSpan
	pairs  []pqPair
	keys   []pqText // scratch: map keys of the current row
	vals   []pqText // scratch: map values of the current row
}

// pqField is what a leaf column of ManifestRecord's schema feeds.
type pqField uint8

const (
	pqIgnore pqField = iota
	pqID
	pqMethod
	pqURL
	pqBucket
	pqKey
	pqRegion
	pqService
	pqContentSHA256
	pqBodyFile
	pqPayload
	pqExpires
	pqHeaderKey
	pqHeaderValue
	pqQueryKey
	pqQueryValue
	pqBody
)

// pqText is a string value's place in the batch text.
type pqText struct{ start, end int32 }

// pqSpan is one string field of one row of the batch.
type pqSpan struct {
	row   int32
	field pqField
	text  pqText
}

// pqPair is one header or query pair of one row.
type pqPair struct {
	row    int32
	header bool
	k, v   pqText
}

// NewParquetReader opens the Parquet manifest in r (size bytes long). If r
// is an io.Closer, Close closes it.
func NewParquetReader(r io.ReaderAt, size int64, shard Shard) (*ParquetReader, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("parquet manifest: %w", err)
	}
	if err := checkManifestSchema(f.Schema()); err != nil {
		return nil, err
	}
	pr := &ParquetReader{f: f, shard: shard, groups: f.RowGroups()}
	schema := parquet.SchemaOf(ManifestRecord{})
	for _, path := range schema.Columns() {
		leaf, _ := schema.Lookup(path...)
		pr.col = append(pr.col, fieldOfColumn(path))
		pr.maxDef = append(pr.maxDef, leaf.MaxDefinitionLevel)
	}
	if c, ok := r.(io.Closer); ok {
		pr.closer = c
	}
	return pr, nil
}

func fieldOfColumn(path []string) pqField {
	if len(path) == 3 && (path[0] == FieldHeaders || path[0] == FieldQuery) {
		switch {
		case path[0] == FieldHeaders && path[2] == "key":
			return pqHeaderKey
		case path[0] == FieldHeaders && path[2] == "value":
			return pqHeaderValue
		case path[2] == "key":
			return pqQueryKey
		case path[2] == "value":
			return pqQueryValue
		}
	}
	if len(path) != 1 {
		return pqIgnore
	}
	switch path[0] {
	case FieldID:
		return pqID
	case FieldMethod:
		return pqMethod
	case FieldURL:
		return pqURL
	case FieldBucket:
		return pqBucket
	case FieldKey:
		return pqKey
	case FieldRegion:
		return pqRegion
	case FieldService:
		return pqService
	case FieldContentSHA256:
		return pqContentSHA256
	case FieldBodyFile:
		return pqBodyFile
	case FieldPayload:
		return pqPayload
	case FieldBody:
		return pqBody
	case FieldExpires:
		return pqExpires
	}
	return macColumn(path[0])
}

// Total returns the number of rows of this shard in the file.
func (p *ParquetReader) Total() int64 { return p.shard.Rows(p.f.NumRows()) }

// Close releases the reader and closes the file if it is a Closer.
func (p *ParquetReader) Close() error {
	if p.r != nil {
		p.r.Close()
		p.r = nil
	}
	if p.closer != nil {
		return p.closer.Close()
	}
	return nil
}

// ReadBatch fills b with the next rows of this shard.
func (p *ParquetReader) ReadBatch(b *Batch) (err error) {
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
			if p.g >= len(p.groups) {
				return io.EOF
			}
			p.r = parquet.NewGenericRowGroupReader[ManifestRecord](p.groups[p.g])
		}
		rows := p.rows[:b.max-b.Len()]
		n, rerr := p.r.ReadRows(rows)
		for i := range rows[:n] {
			p.num++
			if p.shard.Owns(p.num) {
				p.add(rows[i], b)
			}
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
func (p *ParquetReader) add(vals parquet.Row, b *Batch) {
	r := b.Append()
	r.Num = p.num
	ri := int32(b.Len() - 1)
	p.keys, p.vals = p.keys[:0], p.vals[:0]
	flushPairs := func(header bool) {
		if len(p.keys) != len(p.vals) && r.Err == nil {
			field := FieldQuery
			if header {
				field = FieldHeaders
			}
			r.Err = fieldErr(field, detail(ErrWrongType, "a map value is null"))
		}
		for i := range min(len(p.keys), len(p.vals)) {
			p.pairs = append(p.pairs, pqPair{row: ri, header: header, k: p.keys[i], v: p.vals[i]})
		}
		p.keys, p.vals = p.keys[:0], p.vals[:0]
	}
	prev := pqIgnore
	for _, v := range vals {
		c := v.Column()
		if c < 0 || c >= len(p.col) || v.IsNull() || v.DefinitionLevel() != p.maxDef[c] {
			continue // null, or an absent or empty map
		}
		f := p.col[c]
		// Columns come in schema order: headers' keys, their values, then
		// query's keys and values. Pair a map when its values end.
		if (prev == pqHeaderValue && f != pqHeaderValue) || (prev == pqQueryValue && f != pqQueryValue) {
			flushPairs(prev == pqHeaderValue)
		}
		prev = f
		switch f {
		case pqIgnore:
		case pqExpires:
			r.Expires, r.HasExpires = v.Int64(), true
		case pqHeaderKey, pqQueryKey:
			p.keys = append(p.keys, p.text(v.ByteArray(), b))
		case pqHeaderValue, pqQueryValue:
			p.vals = append(p.vals, p.text(v.ByteArray(), b))
		default:
			p.spans = append(p.spans, pqSpan{row: ri, field: f, text: p.text(v.ByteArray(), b)})
		}
	}
	if prev == pqHeaderValue || prev == pqQueryValue {
		flushPairs(prev == pqHeaderValue)
	}
}

func (p *ParquetReader) text(v []byte, b *Batch) pqText {
	start := len(b.text)
	b.text = append(b.text, v...)
	return pqText{int32(start), int32(len(b.text))}
}

// resolve turns the batch text into one string and points the rows'
// string fields and pairs into it.
func (p *ParquetReader) resolve(b *Batch) {
	if len(p.spans) == 0 && len(p.pairs) == 0 {
		return
	}
	text := string(b.text)
	str := func(t pqText) string { return text[t.start:t.end] }
	for _, sp := range p.spans {
		r := &b.rows[sp.row]
		s := str(sp.text)
		switch sp.field {
		case pqID:
			r.ID = s
		case pqMethod:
			r.Method = s
		case pqURL:
			r.URL = s
		case pqBucket:
			r.Bucket = s
		case pqKey:
			r.Key = s
		case pqRegion:
			r.Region = s
		case pqService:
			r.Service = s
		case pqContentSHA256:
			r.ContentSHA256 = s
		case pqBodyFile:
			r.BodyFile = s
		case pqPayload:
			r.Payload = s
		case pqBody:
			r.Body = s
		default:
			r.setMacColumn(sp.field, s)
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
		slices.SortStableFunc(group, func(a, c pqPair) int { return strings.Compare(str(a.k), str(c.k)) })
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

// checkManifestSchema accepts a file whose known columns have types the
// reader can take: byte arrays for strings (integers too for id), integers
// for expires, maps of byte arrays for headers and query.
func checkManifestSchema(s *parquet.Schema) error {
	for _, f := range s.Fields() {
		name := f.Name()
		bad := func(want string) error {
			return fmt.Errorf("parquet manifest: column %q is %s; want %s", name, describeNode(f), want)
		}
		switch name {
		case FieldHeaders, FieldQuery:
			if !isStringMap(f) {
				return bad("MAP<STRING, STRING>")
			}
		case FieldExpires:
			if !f.Leaf() || f.Repeated() || !isInt(f.Type().Kind()) {
				return bad("an integer (seconds)")
			}
		case FieldID:
			if !f.Leaf() || f.Repeated() || !(f.Type().Kind() == parquet.ByteArray || isInt(f.Type().Kind())) {
				return bad("a string or an integer")
			}
		case FieldKeyID, FieldAlgorithm, FieldMessage, FieldMessageFile, FieldMAC: // mac.go
			fallthrough
		case FieldMethod, FieldURL, FieldBucket, FieldKey, FieldRegion, FieldService,
			FieldContentSHA256, FieldBodyFile, FieldPayload, FieldBody:
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
