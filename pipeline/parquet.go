package pipeline

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/batchsign/batchsign/engine"
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
}

// ParquetReader reads a Parquet manifest row group by row group with
// parquet-go's GenericReader, keeping the rows of its shard. Row numbers are
// record numbers (1-based) across the file. The total is known from the
// footer, so progress can show an ETA.
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
	buf    []ManifestRecord
	keys   []string
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
	if c, ok := r.(io.Closer); ok {
		pr.closer = c
	}
	return pr, nil
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
	if cap(p.buf) < b.max {
		p.buf = make([]ManifestRecord, b.max)
	}
	for !b.Full() {
		if p.r == nil {
			if p.g >= len(p.groups) {
				return io.EOF
			}
			p.r = parquet.NewGenericRowGroupReader[ManifestRecord](p.groups[p.g])
		}
		buf := p.buf[:b.max-b.Len()]
		clear(buf) // Read reconstructs into the values; start from zero
		n, rerr := p.r.Read(buf)
		for i := range buf[:n] {
			p.num++
			if p.shard.Owns(p.num) {
				p.toRow(&buf[i], b)
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

// toRow converts one record. Map columns become pairs sorted by name, so
// rows are the same whatever Go's map order.
func (p *ParquetReader) toRow(m *ManifestRecord, b *Batch) {
	r := b.Append()
	r.Num = p.num
	r.ID, r.Method, r.URL, r.Bucket, r.Key = m.ID, m.Method, m.URL, m.Bucket, m.Key
	r.Region, r.Service = m.Region, m.Service
	r.ContentSHA256, r.BodyFile, r.Payload = m.ContentSHA256, m.BodyFile, m.Payload
	if m.Expires != nil {
		r.Expires, r.HasExpires = *m.Expires, true
	}
	if len(m.Headers) > 0 {
		start := len(b.arena.headers)
		for _, k := range p.sortedKeys(m.Headers) {
			b.arena.headers = append(b.arena.headers, engine.Header{Name: k, Value: m.Headers[k]})
		}
		r.Headers = b.arena.headers[start:len(b.arena.headers):len(b.arena.headers)]
	}
	if len(m.Query) > 0 {
		start := len(b.arena.query)
		for _, k := range p.sortedKeys(m.Query) {
			b.arena.query = append(b.arena.query, engine.QueryParam{Key: k, Value: m.Query[k]})
		}
		r.Query = b.arena.query[start:len(b.arena.query):len(b.arena.query)]
	}
}

func (p *ParquetReader) sortedKeys(m map[string]string) []string {
	p.keys = p.keys[:0]
	for k := range m {
		p.keys = append(p.keys, k)
	}
	slices.Sort(p.keys)
	return p.keys
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
		case FieldMethod, FieldURL, FieldBucket, FieldKey, FieldRegion, FieldService,
			FieldContentSHA256, FieldBodyFile, FieldPayload:
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
