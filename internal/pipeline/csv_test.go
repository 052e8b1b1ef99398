package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/batchsign/batchsign/internal/store"
)

// csvManifest is a manifest with every kind of column and its NDJSON twin,
// line for line (a header line and a blank line in the NDJSON too, so row
// numbers agree).
var csvManifest = []struct{ csv, ndjson string }{
	{"id,method,bucket,key,expires,header:x-amz-meta-a,query:versionId,query:response-content-type,region,service,key_id,unknown",
		`{}`},
	{`1,GET,b,plain.txt,3600,,,,,,,`,
		`{"id":"1","method":"GET","bucket":"b","key":"plain.txt","expires":3600}`},
	{`2,,b,"a, comma and ""quotes"".pdf",,v,3HL4kq+x,application/pdf,eu-west-1,s3,k1,ignored`,
		`{"id":"2","bucket":"b","key":"a, comma and \"quotes\".pdf","headers":{"x-amz-meta-a":"v"},"query":{"versionId":"3HL4kq+x","response-content-type":"application/pdf"},"region":"eu-west-1","service":"s3","key_id":"k1","unknown":"ignored"}`},
	{``, ``},
	{`"3","PUT","b","dir/ü €/ key","3.6e3","","","","","","",""`,
		`{"id":"3","method":"PUT","bucket":"b","key":"dir/ü €/ key","expires":3.6e3}`},
}

func joinLines(col func(i int) string, sep string) string {
	var lines []string
	for i := range csvManifest {
		lines = append(lines, col(i))
	}
	return strings.Join(lines, sep)
}

// TestCSVManifestDecodesAsItsNDJSONTwin: the same rows, field for field,
// with LF or CRLF line ends, a byte order mark, read whole or a byte at a
// time.
func TestCSVManifestDecodesAsItsNDJSONTwin(t *testing.T) {
	nd := readAll(t, NewNDJSONReader(strings.NewReader(joinLines(func(i int) string { return csvManifest[i].ndjson }, "\n"))), 10)[1:]
	for _, sep := range []string{"\n", "\r\n"} {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader("\xef\xbb\xbf" + joinLines(func(i int) string { return csvManifest[i].csv }, sep) + sep)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			cr, err := OpenCSV(r)
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, cr, 2)
			if len(got) != len(nd) {
				t.Fatalf("sep %q: %d rows, want %d", sep, len(got), len(nd))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], nd[i]) {
					t.Errorf("sep %q one byte %v: row %d:\n csv    %+v\n ndjson %+v", sep, oneByte, i, got[i], nd[i])
				}
			}
			if got[0].Num != 2 || got[2].Num != 5 {
				t.Errorf("row numbers %d, %d: want line numbers 2 and 5", got[0].Num, got[2].Num)
			}
		}
	}
}

// TestCSVRejectsNameRowAndField: a bad line costs its row only, and the
// reject names the row (its line) and the column.
func TestCSVRejectsNameRowAndField(t *testing.T) {
	in := "id,key,expires\n" +
		"ok1,a,60\n" +
		"nl,\"first line\nsecond line\",60\n" + // the open quote, then a line of its own
		"bare,a\"b,60\n" +
		"after,\"a\"b,60\n" +
		"few,a\n" +
		"many,a,60,x\n" +
		"exp,a,soon\n" +
		"cr,a\rb,60\n" +
		"ok2,b,60\n"
	cr, err := OpenCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	type reject struct {
		num   int64
		field string
		is    error
	}
	want := []reject{
		{2, "", nil},
		{3, "key", ErrCSVSyntax},
		{4, "", ErrCSVSyntax}, // `second line",60`: a bare quote, in the id column
		{5, "key", ErrCSVSyntax},
		{6, "key", ErrCSVSyntax},
		{7, "", ErrCSVSyntax},
		{8, "", ErrCSVSyntax},
		{9, "expires", ErrWrongType},
		{10, "key", ErrCSVSyntax},
		{11, "", nil},
	}
	want[2].field = "id"
	rows := readAll(t, cr, 3)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		var g reject
		g.num = r.Num
		if r.Err != nil {
			g.field = r.Err.Field
			g.is = want[i].is
			if !errors.Is(r.Err, want[i].is) {
				t.Errorf("row %d: %v is not %v", r.Num, r.Err, want[i].is)
			}
		}
		if g != want[i] {
			t.Errorf("row %d: got %+v (%v), want %+v", i, g, r.Err, want[i])
		}
	}
	if msg := rows[1].Err.Error(); !strings.Contains(msg, "NDJSON or Parquet") {
		t.Errorf("a line break in a key: %q does not say what to use instead", msg)
	}
}

func TestParseCSVHeader(t *testing.T) {
	for _, tc := range []struct{ line, err string }{
		{"id,key,bucket", ""},
		{"id,key,something_else,header:Content-Type,query:versionId", ""},
		{`"id","key"` + "\r\n", ""},
		{"id,,key", "column 2: empty name"},
		{"id,key,id", `column 3 "id": named twice`},
		{"id,headers", "header:NAME"},
		{"id,query", "query:NAME"},
		{"id,header:", "no name after the colon"},
		{`id,"key`, "column 2: quoted field not closed"},
		{``, "column 1: empty name"},
	} {
		_, err := ParseCSVHeader([]byte(tc.line))
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.line, err, tc.err)
		}
	}
}

// TestCSVReaderReadsAByteRange: the header read at offset 0, the rows from
// a later line boundary, numbered as in the whole file.
func TestCSVReaderReadsAByteRange(t *testing.T) {
	file := "id,key\nr2,a\nr3,b\nr4,c\n"
	nl := strings.Index(file, "\n")
	h, err := ParseCSVHeader([]byte(file[:nl+1]))
	if err != nil {
		t.Fatal(err)
	}
	off := strings.Index(file, "r3")
	rows := readAll(t, NewCSVReader(strings.NewReader(file[off:]), h, 3), 10)
	if len(rows) != 2 || rows[0].Num != 3 || rows[0].ID != "r3" || rows[1].Num != 4 || rows[1].Key != "c" {
		t.Fatalf("rows %+v", rows)
	}
	if got := h.Columns(); !reflect.DeepEqual(got, []string{"id", "key"}) {
		t.Errorf("Columns() = %q", got)
	}
}

func TestOpenCSVRefusesEmptyManifest(t *testing.T) {
	if _, err := OpenCSV(strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "no header line") {
		t.Errorf("empty manifest: %v", err)
	}
}

func TestOpenManifestReadsCSV(t *testing.T) {
	src, err := OpenManifest(context.Background(), store.NewRouter(store.Local{}), []string{"-"}, FormatCSV, Shard{}, strings.NewReader("id,key\nx,k\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if rows := readAll(t, src, 10); len(rows) != 1 || rows[0].Key != "k" {
		t.Errorf("rows %+v", rows)
	}
	if _, err := OpenManifest(context.Background(), store.NewRouter(store.Local{}), []string{"-"}, FormatCSV, Shard{}, strings.NewReader("id,headers\n")); err == nil || !strings.Contains(err.Error(), "header:NAME") {
		t.Errorf("a headers column: %v", err)
	}
}

// TestDecodeCSVRowAllocatesNothing: fields without doubled quotes are
// sub-strings of the batch text; pairs go to the arena.
func TestDecodeCSVRowAllocatesNothing(t *testing.T) {
	h, err := ParseCSVHeader([]byte(csvManifest[0].csv))
	if err != nil {
		t.Fatal(err)
	}
	line := `2,,b,"a, comma.pdf",60,v,3HL4kq+x,application/pdf,eu-west-1,s3,k1,ignored`
	var a rowArena
	var r Row
	h.decodeRow(line, &r, &a) // grow the arena
	allocs := testing.AllocsPerRun(100, func() {
		a.reset()
		r.reset()
		h.decodeRow(line, &r, &a)
	})
	if allocs != 0 || r.Err != nil || r.Key != "a, comma.pdf" || len(r.Query) != 2 {
		t.Errorf("%v allocations per row (want 0); row %+v", allocs, r)
	}
}

// benchCSVManifest is benchManifest's rows as CSV.
func benchCSVManifest(n int) []byte {
	var b strings.Builder
	b.WriteString("id,bucket,key,region,expires,query:response-content-disposition\n")
	buckets := []string{"acme-exports", "acme-media", "acme-billing", "acme-reports"}
	regions := []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"}
	for i := range n {
		fmt.Fprintf(&b, "row-%08d,%s,exports/2026/%02d/%02d/daily-invoice/part-%08d.parquet,%s,%d,",
			i, buckets[i%4], 1+i%12, 1+i%28, i, regions[(i/3)%4], 300+(i*37)%86100)
		if i%3 == 0 {
			fmt.Fprintf(&b, `"attachment; filename=""part-%08d.parquet"""`, i)
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// BenchmarkReadManifest reads the same 100,000 rows from NDJSON and CSV:
// the readers alone, batches recycled as the pool does.
func BenchmarkReadManifest(b *testing.B) {
	const rows = 100000
	for _, tc := range []struct {
		name string
		data []byte
		open func(io.Reader) Source
	}{
		{"NDJSON", benchManifest(rows), func(r io.Reader) Source { return NewNDJSONReader(r) }},
		{"CSV", benchCSVManifest(rows), func(r io.Reader) Source {
			cr, err := OpenCSV(r)
			if err != nil {
				b.Fatal(err)
			}
			return cr
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			batch := newBatch(DefaultBatchSize)
			for b.Loop() {
				src := tc.open(bytes.NewReader(tc.data))
				n := 0
				for seq := int64(0); ; seq++ {
					batch.reset(seq)
					err := src.ReadBatch(batch)
					for i := range batch.rows {
						if batch.rows[i].Err != nil {
							b.Fatal(batch.rows[i].Err)
						}
					}
					n += batch.Len()
					if err == io.EOF {
						break
					}
				}
				if n != rows {
					b.Fatalf("%d rows", n)
				}
			}
			b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
