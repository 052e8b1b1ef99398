package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// readPQRange reads records [first, end) of data with the column reader, in
// batches of n rows, and returns the rows and the error that ended reading
// (nil at io.EOF).
func readPQRange(t testing.TB, data []byte, first, end int64, n int, row bool) ([]Row, error) {
	t.Helper()
	var src Source
	var err error
	if row {
		src, err = newRowParquetRange(bytes.NewReader(data), int64(len(data)), first, end)
	} else {
		src, err = newParquetRange(bytes.NewReader(data), int64(len(data)), first, end)
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var out []Row
	for seq := int64(0); ; seq++ {
		b := newBatch(n)
		b.reset(seq)
		err := src.ReadBatch(b)
		if b.Len() > n {
			t.Fatalf("batch of %d rows, limit %d", b.Len(), n)
		}
		out = append(out, b.Rows()...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// sameRows checks that the column reader and the row-based reader it
// replaced give the same rows for the whole file and for ranges starting
// and ending inside and on the edges of its row groups.
func sameRows(t *testing.T, name string, data []byte) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	total := f.NumRows()
	ranges := [][2]int64{{0, -1}, {1, total - 1}, {total / 3, 2 * total / 3}, {total - 1, total}, {0, 1}}
	var at int64
	for _, g := range f.RowGroups() {
		ranges = append(ranges, [2]int64{at, at + g.NumRows()}, [2]int64{at + g.NumRows()/2, at + g.NumRows() + 1})
		at += g.NumRows()
	}
	for _, rg := range ranges {
		for _, n := range []int{1, 7, DefaultBatchSize} {
			want, werr := readPQRange(t, data, rg[0], rg[1], n, true)
			got, gerr := readPQRange(t, data, rg[0], rg[1], n, false)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("%s [%d, %d) by %d: row reader err %v, column reader err %v", name, rg[0], rg[1], n, werr, gerr)
			}
			if len(got) != len(want) {
				t.Fatalf("%s [%d, %d) by %d: %d rows, want %d", name, rg[0], rg[1], n, len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%s [%d, %d) by %d: row %d:\n got  %+v\n want %+v", name, rg[0], rg[1], n, i, got[i], want[i])
				}
			}
		}
	}
}

// genRecord is row i of a manifest like examples/gen's synthetic one, with
// the columns the generator leaves empty filled now and then.
func genRecord(i int) ManifestRecord {
	words := []string{"daily", "invoice", "summary", "video", "backup", "thumbnail", "customer", "archive"}
	exp := int64(300 + (i*37)%86100)
	r := ManifestRecord{
		ID:      fmt.Sprintf("row-%08d", i),
		Bucket:  []string{"acme-exports", "acme-media", "acme-billing", "acme-reports"}[i%4],
		Key:     fmt.Sprintf("exports/2026/%02d/%02d/%s-%s/part-%08d.parquet", 1+i%12, 1+i%28, words[i%8], words[(i/7)%8], i),
		Region:  []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"}[(i/3)%4],
		Expires: &exp,
	}
	if i%3 == 0 {
		r.Query = map[string]string{"response-content-disposition": fmt.Sprintf("attachment; filename=\"part-%08d.parquet\"", i)}
	}
	switch i % 11 {
	case 1:
		r.Headers = map[string]string{"x-amz-meta-b": "2", "Content-Type": "text/plain", "x-amz-meta-a": ""}
		r.Method = "PUT"
	case 2:
		r.Expires = nil
		r.BodyFile = "/tmp/body"
	case 3:
		r.URL, r.Bucket, r.Key = "https://h.example/ü?x=1", "", ""
		r.Query = map[string]string{}
	case 4:
		r.ID = ""
		r.Payload = "unsigned"
	}
	return r
}

// dictRecord is ManifestRecord with dictionary-encoded columns.
type dictRecord struct {
	ID      string            `parquet:"id,optional"`
	Bucket  string            `parquet:"bucket,optional,dict"`
	Key     string            `parquet:"key,optional"`
	Region  string            `parquet:"region,optional,dict"`
	Expires *int64            `parquet:"expires,optional,dict"`
	Query   map[string]string `parquet:"query,optional"`
}

// requiredRecord has required columns, an INT32 id and expires, and a
// column batchsign does not know between them.
type requiredRecord struct {
	ID      int32             `parquet:"id"`
	Size    float64           `parquet:"size"`
	Bucket  string            `parquet:"bucket,dict"`
	Key     string            `parquet:"key"`
	Expires int32             `parquet:"expires"`
	Headers map[string]string `parquet:"headers"`
}

// TestParquetColumnReaderMatchesRowReader: on the generator's kind of
// manifest and on files with missing columns, all-null columns, optional,
// required and dictionary-encoded columns, integer ids, null map values,
// the modes' own columns, several row groups and small pages, the column
// reader gives the rows the row-based reader gave, for every range and
// batch size.
func TestParquetColumnReaderMatchesRowReader(t *testing.T) {
	gen := make([]ManifestRecord, 3000)
	for i := range gen {
		gen[i] = genRecord(i)
	}
	sameRows(t, "generator", writeParquet(t, gen, parquet.Compression(&zstd.Codec{}), parquet.MaxRowsPerRowGroup(1024)))
	sameRows(t, "small pages v1", writeParquet(t, gen, parquet.PageBufferSize(512), parquet.DataPageVersion(1), parquet.MaxRowsPerRowGroup(700)))

	// A column that is null in whole row groups (statistics say so), and
	// columns null throughout.
	sparse := make([]ManifestRecord, 900)
	for i := range sparse {
		sparse[i] = ManifestRecord{ID: fmt.Sprint(i), Bucket: "b", Key: fmt.Sprint("k", i)}
		if i >= 300 && i < 600 {
			sparse[i].Region = "eu-west-1"
			sparse[i].Query = map[string]string{"versionId": fmt.Sprint(i)}
			sparse[i].Expires = i64(int64(i))
		}
	}
	sameRows(t, "all-null chunks", writeParquet(t, sparse, parquet.MaxRowsPerRowGroup(300)))

	dict := make([]dictRecord, 2000)
	for i := range dict {
		d := genRecord(i)
		dict[i] = dictRecord{ID: d.ID, Bucket: d.Bucket, Key: d.Key, Region: d.Region, Expires: d.Expires, Query: d.Query}
	}
	sameRows(t, "dictionary", writeParquet(t, dict, parquet.MaxRowsPerRowGroup(512)))

	req := make([]requiredRecord, 1500)
	for i := range req {
		req[i] = requiredRecord{ID: int32(i - 700), Size: 1, Bucket: "b", Key: fmt.Sprint("k/", i), Expires: int32(i*1000 - 5)}
		if i%4 == 0 {
			req[i].Headers = map[string]string{"b": "2", "a": "1"}
		}
	}
	sameRows(t, "required", writeParquet(t, req, parquet.MaxRowsPerRowGroup(400)))
	sameRows(t, "foreign", writeParquet(t, []foreignManifest{{7, "b", "k", 1.5, 90}, {8, "b", "k2", 2, 30}, {-9, "c", "", 0, -1}}))

	type nullValues struct {
		ID      int64              `parquet:"id,optional"`
		Headers map[string]*string `parquet:"headers,optional"`
		Query   map[string]*string `parquet:"query"`
	}
	two := "2"
	var nv []nullValues
	for i := range 600 {
		r := nullValues{ID: int64(i) << 33}
		switch i % 4 {
		case 0:
			r.Headers = map[string]*string{"a": nil, "b": &two}
		case 1:
			r.Query = map[string]*string{"c": &two, "d": nil}
			r.Headers = map[string]*string{"x": nil, "w": &two}
		case 2:
			r.Query = map[string]*string{"z": &two, "y": &two}
		}
		nv = append(nv, r)
	}
	sameRows(t, "null map values", writeParquet(t, nv, parquet.MaxRowsPerRowGroup(250)))

	mac := make([]MacManifestRecord, 700)
	for i := range mac {
		mac[i] = MacManifestRecord{ID: fmt.Sprint(i), KeyID: "k" + fmt.Sprint(i%3), Algorithm: "HMAC_SHA_256", Message: strings.Repeat("m", i%5)}
	}
	sameRows(t, "own fields", writeParquet(t, mac, parquet.MaxRowsPerRowGroup(300)))

	type nothing struct {
		Size float64 `parquet:"size"`
	}
	sameRows(t, "no manifest columns", writeParquet(t, make([]nothing, 300), parquet.MaxRowsPerRowGroup(100)))

	example, err := os.ReadFile("../../examples/manifest.parquet")
	if err != nil {
		t.Fatal(err)
	}
	sameRows(t, "examples/manifest.parquet", example)
}

// TestParquetColumnReaderMatchesRowReaderOnFile compares the readers row by
// row on the file BATCHSIGN_PARQUET_DIFF names (a generator manifest of a
// million rows: go run ./examples/gen -rows 1000000 -o /tmp/m.parquet).
func TestParquetColumnReaderMatchesRowReaderOnFile(t *testing.T) {
	name := os.Getenv("BATCHSIGN_PARQUET_DIFF")
	if name == "" {
		t.Skip("BATCHSIGN_PARQUET_DIFF names no file")
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	row, err := newRowParquetRange(bytes.NewReader(data), int64(len(data)), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	col, err := newParquetRange(bytes.NewReader(data), int64(len(data)), 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	next := rowStream(t, row)
	n := 0
	for got := rowStream(t, col); ; {
		r, ok := got()
		if !ok {
			break
		}
		want, ok := next()
		if !ok {
			t.Fatalf("row %d: only in the column reader", n)
		}
		if !reflect.DeepEqual(*r, *want) {
			t.Fatalf("row %d:\n got  %+v\n want %+v", n, *r, *want)
		}
		n++
	}
	if _, ok := next(); ok {
		t.Fatalf("row %d: only in the row reader", n)
	}
	t.Logf("%d rows alike", n)
}

// rowStream yields src's rows one at a time; a row is valid until the next.
func rowStream(t *testing.T, src Source) func() (*Row, bool) {
	b := newBatch(DefaultBatchSize)
	i, done := 0, false
	return func() (*Row, bool) {
		for i == b.Len() {
			if done {
				return nil, false
			}
			b.reset(0)
			i = 0
			err := src.ReadBatch(b)
			if errors.Is(err, io.EOF) {
				done = true
			} else if err != nil {
				t.Fatal(err)
			}
		}
		i++
		return &b.rows[i-1], true
	}
}

// TestParquetColumnReaderBoundsBatchBytes: large records end a batch at
// its text limit, as Batch.Full does for NDJSON.
func TestParquetColumnReaderBoundsBatchBytes(t *testing.T) {
	recs := make([]ManifestRecord, 40)
	for i := range recs {
		recs[i] = ManifestRecord{ID: fmt.Sprint(i), Bucket: "b", Key: strings.Repeat("k", 100<<10)}
	}
	data := writeParquet(t, recs)
	pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	b := newBatch(DefaultBatchSize)
	if err := pr.ReadBatch(b); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 11 || b.textLen() < b.maxBytes {
		t.Errorf("first batch: %d rows, %d bytes; want 11 rows, the first past %d bytes", b.Len(), b.textLen(), b.maxBytes)
	}
}

// TestParquetReaderCloseStopsDecoding: closing a reader mid-file stops its
// goroutine (Close waits for it) and later reads end.
func TestParquetReaderCloseStopsDecoding(t *testing.T) {
	gen := make([]ManifestRecord, 20000)
	for i := range gen {
		gen[i] = genRecord(i)
	}
	data := writeParquet(t, gen, parquet.MaxRowsPerRowGroup(5000))
	pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	b := newBatch(100)
	if err := pr.ReadBatch(b); err != nil || b.Len() == 0 {
		t.Fatalf("%d rows, %v", b.Len(), err)
	}
	if err := pr.Close(); err != nil {
		t.Fatal(err)
	}
	b.reset(1)
	if err := pr.ReadBatch(b); !errors.Is(err, io.EOF) || b.Len() != 0 {
		t.Errorf("after Close: %d rows, %v", b.Len(), err)
	}
}

// TestParquetReaderNullMapValuesStayInTheirMap: a headers map whose values
// are all null is rejected naming headers, and the query map after it keeps
// its own pairs. (The row-based reader paired such headers' keys with the
// query's values and blamed query.)
func TestParquetReaderNullMapValuesStayInTheirMap(t *testing.T) {
	type rec struct {
		ID      string             `parquet:"id"`
		Headers map[string]*string `parquet:"headers"`
		Query   map[string]string  `parquet:"query"`
	}
	data := writeParquet(t, []rec{{ID: "x", Headers: map[string]*string{"h": nil}, Query: map[string]string{"q": "1"}}})
	rows, err := readPQRange(t, data, 0, -1, 10, false)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	r := rows[0]
	if r.Err == nil || r.Err.Field != FieldHeaders || len(r.Headers) != 0 || len(r.Query) != 1 || r.Query[0].Key != "q" || r.Query[0].Value != "1" {
		t.Errorf("got %+v", r)
	}
}
