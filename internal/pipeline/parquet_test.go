package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/store"
	"github.com/batchsign/batchsign/sigv4"

	"github.com/parquet-go/parquet-go"
)

func writeParquet[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func i64(v int64) *int64 { return &v }

func TestParquetReaderReadsManifestRecords(t *testing.T) {
	in := []ManifestRecord{
		{ID: "a", Bucket: "b", Key: "k1", Expires: i64(60), Headers: map[string]string{"X-B": "2", "X-A": "1"}, Query: map[string]string{"versionId": "v"}},
		{ID: "b", URL: "https://h/x", Method: "PUT", Payload: "unsigned"},
		{ID: "c", Bucket: "b", Key: "k3", Expires: i64(0)},
		{ID: "d", Query: map[string]string{"b": "2", "a": "1", "c": ""}, Headers: map[string]string{}},
		{ID: "é", Headers: map[string]string{"Content-Type": "text/plain"}},
	}
	data := writeParquet(t, in, parquet.MaxRowsPerRowGroup(2)) // three row groups
	pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if pr.Total() != 5 {
		t.Errorf("Total = %d", pr.Total())
	}
	rows := readAll(t, pr, 3) // batches straddle row groups
	want := []Row{
		{Num: 1, ID: "a", Bucket: "b", Key: "k1", Expires: 60, HasExpires: true,
			Headers: []sigv4.Header{{Name: "X-A", Value: "1"}, {Name: "X-B", Value: "2"}}, Query: []sigv4.QueryParam{{Key: "versionId", Value: "v"}}},
		{Num: 2, ID: "b", URL: "https://h/x", Method: "PUT", Payload: "unsigned"},
		{Num: 3, ID: "c", Bucket: "b", Key: "k3", Expires: 0, HasExpires: true},
		{Num: 4, ID: "d", Query: []sigv4.QueryParam{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c"}}},
		{Num: 5, ID: "é", Headers: []sigv4.Header{{Name: "Content-Type", Value: "text/plain"}}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got  %+v\nwant %+v", rows, want)
	}
}

// A file with a subset of the columns, an integer id, required columns and
// columns batchsign does not know.
type foreignManifest struct {
	ID     int64   `parquet:"id"`
	Bucket string  `parquet:"bucket"`
	Key    string  `parquet:"key"`
	Size   float64 `parquet:"size"`
	Exp    int32   `parquet:"expires"`
}

func TestParquetReaderAcceptsOtherSchemas(t *testing.T) {
	data := writeParquet(t, []foreignManifest{{7, "b", "k", 1.5, 90}, {8, "b", "k2", 2, 30}})
	pr, err := newParquetRange(bytes.NewReader(data), int64(len(data)), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Total() != 1 {
		t.Errorf("Total = %d, want 1 (records [1, 2))", pr.Total())
	}
	rows := readAll(t, pr, 10)
	want := []Row{{Num: 2, ID: "8", Bucket: "b", Key: "k2", Expires: 30, HasExpires: true}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got %+v, want %+v", rows, want)
	}
}

func TestParquetReaderRejectsWrongColumnTypes(t *testing.T) {
	type badExpires struct {
		Key     string `parquet:"key"`
		Expires string `parquet:"expires"`
	}
	type badKey struct {
		Key int64 `parquet:"key"`
	}
	type badHeaders struct {
		Headers []string `parquet:"headers"`
	}
	for name, data := range map[string][]byte{
		"expires": writeParquet(t, []badExpires{{"k", "60"}}),
		"key":     writeParquet(t, []badKey{{1}}),
		"headers": writeParquet(t, []badHeaders{{[]string{"a"}}}),
	} {
		_, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
		if err == nil || !strings.Contains(err.Error(), `column "`+name+`"`) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := NewParquetReader(bytes.NewReader([]byte("not parquet")), 11); err == nil {
		t.Error("garbage accepted")
	}
}

func TestOpenManifestByExtensionAndStdin(t *testing.T) {
	dir := t.TempDir()
	pq := writeParquet(t, []ManifestRecord{{ID: "p", Bucket: "b", Key: "k"}})
	nd := `{"id":"n","bucket":"b","key":"k"}` + "\n"
	files := map[string][]byte{"m.parquet": pq, "m.jsonl": []byte(nd), "m.dat": []byte(nd)}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		path   string
		f      Format
		stdin  []byte
		wantID string
		err    string
	}{
		{path: filepath.Join(dir, "m.parquet"), wantID: "p"},
		{path: filepath.Join(dir, "m.jsonl"), wantID: "n"},
		{path: filepath.Join(dir, "m.dat"), err: "--input-format"},
		{path: filepath.Join(dir, "m.dat"), f: FormatNDJSON, wantID: "n"},
		{path: "-", stdin: []byte(nd), wantID: "n"},
		{path: "-", f: FormatParquet, stdin: pq, wantID: "p"},
		{path: filepath.Join(dir, "missing.ndjson"), err: "no such file"},
	}
	for _, tc := range cases {
		src, err := OpenManifest(t.Context(), store.NewRouter(store.Local{}), []string{tc.path}, tc.f, Shard{}, bytes.NewReader(tc.stdin))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		rows := readAll(t, src, 4)
		src.Close()
		if len(rows) != 1 || rows[0].ID != tc.wantID {
			t.Errorf("%s: rows %+v", tc.path, rows)
		}
	}
}

func BenchmarkParquetReader(b *testing.B) {
	recs := make([]ManifestRecord, 10000)
	for i := range recs {
		recs[i] = ManifestRecord{ID: "row", Bucket: "examplebucket", Key: "exports/2026/11/23/part-00042.parquet", Region: "us-east-1", Expires: i64(3600)}
	}
	data := writeParquet(b, recs)
	b.ReportAllocs()
	for b.Loop() {
		pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		batch := newBatch(DefaultBatchSize)
		for {
			batch.reset(0)
			if err := pr.ReadBatch(batch); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "rows/s")
}

// A MAP whose values are optional, with a null value: the row is rejected
// rather than its keys and values paired out of step.
func TestParquetReaderRejectsNullMapValues(t *testing.T) {
	type rec struct {
		ID      string             `parquet:"id"`
		Headers map[string]*string `parquet:"headers"`
	}
	two := "2"
	data := writeParquet(t, []rec{{ID: "x", Headers: map[string]*string{"a": nil, "b": &two}}, {ID: "y", Headers: map[string]*string{"c": &two}}})
	pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Skipf("writer schema not accepted: %v", err)
	}
	rows := readAll(t, pr, 10)
	if len(rows) != 2 || rows[0].Err == nil || rows[0].Err.Field != FieldHeaders {
		t.Fatalf("row 1: %+v", rows[0])
	}
	if rows[1].Err != nil || len(rows[1].Headers) != 1 || rows[1].Headers[0] != (sigv4.Header{Name: "c", Value: "2"}) {
		t.Errorf("row 2: %+v", rows[1])
	}
}

// TestParquetAndNDJSONManifestsSignAlike: the same rows as Parquet (several
// row groups, batches straddling them) and as NDJSON give byte-identical
// output and rejects, with 1 and 7 workers.
func TestParquetAndNDJSONManifestsSignAlike(t *testing.T) {
	var recs []ManifestRecord
	var nd strings.Builder
	for i := range 2500 {
		m := ManifestRecord{ID: fmt.Sprintf("r%d", i), Bucket: "examplebucket", Key: fmt.Sprintf("d/%d ü+x", i)}
		switch i % 5 {
		case 1:
			m.Query = map[string]string{"versionId": fmt.Sprint(i), "response-content-type": "text/csv"}
		case 2:
			m.Headers = map[string]string{"x-amz-meta-b": "2", "Content-Type": "text/plain"}
			m.Method = "PUT"
		case 3:
			m.Expires = i64(int64(i%7) * 200000) // 0 and over 7 days are rejected
		case 4:
			m.Bucket, m.Key, m.URL, m.Region = "", "", fmt.Sprintf("https://b.s3.eu-west-1.amazonaws.com/k%d?x=%d", i, i), "eu-west-1"
		}
		recs = append(recs, m)
		r := Row{ID: m.ID, Method: m.Method, URL: m.URL, Bucket: m.Bucket, Key: m.Key, Region: m.Region}
		if m.Expires != nil {
			r.Expires, r.HasExpires = *m.Expires, true
		}
		for _, k := range slices.Sorted(maps.Keys(m.Headers)) {
			r.Headers = append(r.Headers, sigv4.Header{Name: k, Value: m.Headers[k]})
		}
		for _, k := range slices.Sorted(maps.Keys(m.Query)) {
			r.Query = append(r.Query, sigv4.QueryParam{Key: k, Value: m.Query[k]})
		}
		nd.WriteString(encodeRow(&r) + "\n")
	}
	data := writeParquet(t, recs, parquet.MaxRowsPerRowGroup(700))
	var want runResult
	for i, workers := range []int{1, 7} {
		cfg := docConfig(Presign)
		cfg.Workers, cfg.BatchSize = workers, 256
		nres := runManifest(t, cfg, nd.String(), FormatNDJSON, Shard{})
		pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var out, rej bytes.Buffer
		w, _ := NewWriter(&out, FormatNDJSON, Presign, "")
		if _, err := Run(context.Background(), cfg, pr, w, NewRejectWriter(&rej), nil); err != nil {
			t.Fatal(err)
		}
		if nres.err != nil || nres.out != out.String() || nres.rejects != rej.String() {
			t.Fatalf("%d workers: Parquet and NDJSON differ (NDJSON err %v; %d vs %d bytes; rejects %d vs %d)",
				workers, nres.err, len(nres.out), out.Len(), len(nres.rejects), rej.Len())
		}
		if i == 0 {
			want = nres
			if strings.Count(want.rejects, "\n") == 0 || strings.Count(want.out, "\n") < 2000 {
				t.Fatalf("test manifest signs %d rows and rejects %d", strings.Count(want.out, "\n"), strings.Count(want.rejects, "\n"))
			}
		} else if nres.out != want.out {
			t.Fatal("output depends on the worker count")
		}
	}
}
