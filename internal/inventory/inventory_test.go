package inventory

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/pipeline"
)

const (
	csvManifest     = "testdata/inventory-dest/acme-media/daily-csv/2026-11-29T01-00Z/manifest.json"
	parquetManifest = "testdata/inventory-dest/acme-media/daily-parquet/2026-11-29T01-00Z/manifest.json"
)

// got is a row as a test compares it.
type got struct {
	num                int64
	id, bucket, key, v string
	err                string
}

func readRows(t *testing.T, src pipeline.Source) ([]got, error) {
	t.Helper()
	var out []got
	for {
		b := pipeline.NewBatch(3)
		err := src.ReadBatch(b)
		for _, r := range b.Rows() {
			g := got{num: r.Num, id: r.ID, bucket: r.Bucket, key: r.Key}
			for _, q := range r.Query {
				if q.Key == "versionId" {
					g.v = q.Value
				}
			}
			if r.Err != nil {
				g.err = r.Err.Field
			}
			out = append(out, g)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// wantRows are the fixture objects as rows: the delete marker (record 8)
// skipped always, the noncurrent versions (records 7 and 9) unless
// included; every key exactly as the object's. Records are numbered within
// their data file: fileStarts are the indexes of fixtureObjects where a
// data file after the first begins.
func wantRows(noncurrent bool, fileStarts ...int) []got {
	var w []got
	first := 0 // the index of the first object of the current file
	for i, o := range fixtureObjects {
		for _, fs := range fileStarts {
			if i == fs {
				first = fs
			}
		}
		if o.deleteMarker || !o.latest && !noncurrent {
			continue
		}
		id := o.key
		if o.version != "" {
			id += "?versionId=" + o.version
		}
		w = append(w, got{num: int64(i - first + 1), id: id, bucket: "acme-media", key: o.key, v: o.version})
	}
	return w
}

func TestReportRows(t *testing.T) {
	for _, name := range []string{csvManifest, parquetManifest} {
		for _, noncurrent := range []bool{false, true} {
			st := &dirStore{}
			m, err := Open(context.Background(), st, name, Options{IncludeNoncurrent: noncurrent})
			if err != nil {
				t.Fatal(err)
			}
			src := m.Source(context.Background(), pipeline.Shard{})
			rows, err := readRows(t, src)
			if err != nil {
				t.Fatal(err)
			}
			if want := wantRows(noncurrent, fileStarts(name)...); !reflect.DeepEqual(rows, want) {
				t.Errorf("%s noncurrent=%v:\n got %+v\nwant %+v", name, noncurrent, rows, want)
			}
			want := Skipped{DeleteMarkers: 1, Noncurrent: 2}
			if noncurrent {
				want.Noncurrent = 0
			}
			if got := src.Skipped(); got != want {
				t.Errorf("%s noncurrent=%v: skipped %+v, want %+v", name, noncurrent, got, want)
			}
			src.Close()
			for _, f := range m.Files() {
				if n := slices.Index(st.opened, f.Name); n < 0 || slices.Contains(st.opened[n+1:], f.Name) {
					t.Errorf("%s: data file %s opened %q, want once", name, f.Name, st.opened)
				}
			}
		}
	}
}

// TestCSVKeysDecodeAsS3Writes: "+" is a space, "%2B" a plus, and a key
// that is not valid form encoding is a reject naming the key.
func TestCSVKeysDecodeAsS3Writes(t *testing.T) {
	for in, want := range map[string]string{
		"a+b.txt":              "a b.txt",
		"1%2B1%3D2":            "1+1=2",
		"100%25":               "100%",
		"dir/plain":            "dir/plain",
		"dir%2Fx":              "dir/x",
		"%C3%BC":               "ü",
		"line%0Abreak":         "line\nbreak",
		"%E6%97%A5+%E6%9C%AC/": "日 本/",
	} {
		if got, err := decodeKey(in); err != nil || got != want {
			t.Errorf("decodeKey(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := decodeKey("100%"); err == nil {
		t.Error("decodeKey(100%): no error")
	}
}

func TestDataFilesAreNamed(t *testing.T) {
	m, err := Open(context.Background(), &dirStore{}, csvManifest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files() {
		want := filepath.Join("testdata", "inventory-dest", filepath.FromSlash(f.Key))
		if f.Name != want || f.Format != CSV || f.Size <= 0 {
			t.Errorf("file %+v: name want %s", f, want)
		}
	}
	if m.SourceBucket != "acme-media" || m.DestinationBucket != "inventory-dest" || !m.Created.Equal(time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("manifest %+v", m)
	}

	// From s3://, files are s3://DEST/KEY.
	s3 := &dirStore{root: "testdata", prefix: "s3://"}
	name := "s3://" + strings.TrimPrefix(filepath.ToSlash(csvManifest), "testdata/")
	m, err = Open(context.Background(), s3, name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f := m.Files()[0]; f.Name != "s3://inventory-dest/"+f.Key {
		t.Errorf("from s3://: file named %s", f.Name)
	}
	rows, err := readRows(t, m.Source(context.Background(), pipeline.Shard{}))
	if err != nil || !reflect.DeepEqual(rows, wantRows(false, csvFileStart)) {
		t.Errorf("from s3://: %v %+v", err, rows)
	}

	// A local manifest.json whose data files are not below any ancestor.
	dir := t.TempDir()
	data, _ := os.ReadFile(csvManifest)
	lone := filepath.Join(dir, "manifest.json")
	os.WriteFile(lone, data, 0o644)
	if _, err := Open(context.Background(), &dirStore{}, lone, Options{}); err == nil || !strings.Contains(err.Error(), "not found under") {
		t.Errorf("data files missing: %v", err)
	}
}

// copyTree copies the fixture tree to a temporary directory.
func copyTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/inventory-dest", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, p)
		os.MkdirAll(filepath.Dir(out), 0o755)
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestChecksumMismatchFailsTheRead: a data file that does not match its
// MD5checksum is ErrChecksum naming it, from ReadBatch before io.EOF, and
// no row of a later file is delivered. The bytes are hashed as they are
// read: a CSV file's rows come out as they stream and the error after them
// (a run that reads it fails, and its outputs never appear); a Parquet file
// is checked before its first row; a file of the wrong size fails before
// its first row (Stat). A damaged gzip header field that gzip itself does
// not check (MTIME) is caught by the MD5 alone.
func TestChecksumMismatchFailsTheRead(t *testing.T) {
	flip := func(i int) func([]byte) []byte {
		return func(b []byte) []byte {
			if i < 0 {
				i += len(b)
			}
			b[i] ^= 1
			return b
		}
	}
	cut := func(b []byte) []byte { return b[:len(b)-1] }
	const all = -1
	for _, c := range []struct {
		name, manifest string
		file           int
		damage         func([]byte) []byte
		min, max       int // rows delivered before the error; all: every row
	}{
		{"csv first file, gzip MTIME", csvManifest, 0, flip(4), 4, 4},
		{"csv second file, gzip MTIME", csvManifest, 1, flip(4), all, all},
		{"csv second file, gzip CRC", csvManifest, 1, flip(-5), 4, all},
		{"csv second file, deflate data", csvManifest, 1, flip(40), 4, all},
		{"csv second file, truncated", csvManifest, 1, cut, 4, 4},
		{"parquet, data page", parquetManifest, 0, flip(40), 0, 0},
		{"parquet, footer", parquetManifest, 0, flip(-12), 0, 0},
		{"parquet, truncated", parquetManifest, 0, cut, 0, 0},
	} {
		dir := copyTree(t)
		m, err := Open(context.Background(), &dirStore{}, filepath.Join(dir, c.manifest), Options{})
		if err != nil {
			t.Fatal(err)
		}
		bad := m.Files()[c.file].Name
		data, _ := os.ReadFile(bad)
		os.WriteFile(bad, c.damage(data), 0o644)
		rows, err := readRows(t, m.Source(context.Background(), pipeline.Shard{}))
		if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: error %v, want ErrChecksum naming %s", c.name, err, bad)
		}
		want := wantRows(false, fileStarts(c.manifest)...)
		if c.min == all {
			c.min = len(want)
		}
		if c.max == all {
			c.max = len(want)
		}
		if len(rows) < c.min || len(rows) > c.max || !slices.Equal(rows, want[:len(rows)]) {
			t.Errorf("%s: %d rows delivered, want %d to %d of %+v: %+v", c.name, len(rows), c.min, c.max, want, rows)
		}
	}
}

func TestShardKeepsItsRecords(t *testing.T) {
	var all []got
	for i := range int64(3) {
		m, err := Open(context.Background(), &dirStore{}, csvManifest, Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := readRows(t, m.Source(context.Background(), pipeline.Shard{Index: i, Count: 3}))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
	}
	if want := wantRows(false, csvFileStart); !reflect.DeepEqual(all, want) {
		t.Errorf("3 shards in shard order read\n%+v\nwant the report's rows\n%+v", all, want)
	}
}

// csvFileStart is where the CSV report's second data file begins in
// fixtureObjects (fixtures_test.go).
const csvFileStart = 4

// fileStarts gives wantRows the data-file boundaries of a fixture report.
func fileStarts(manifest string) []int {
	if manifest == csvManifest {
		return []int{csvFileStart}
	}
	return nil
}

func TestORCIsRefusedNamingTheFormat(t *testing.T) {
	dir := copyTree(t)
	name := filepath.Join(dir, parquetManifest)
	data, _ := os.ReadFile(name)
	os.WriteFile(name, []byte(strings.Replace(string(data), `"Parquet"`, `"ORC"`, 1)), 0o644)
	_, err := Open(context.Background(), &dirStore{}, name, Options{})
	if !errors.Is(err, ErrUnsupportedFormat) || !strings.Contains(err.Error(), "ORC") {
		t.Errorf("ORC: %v", err)
	}
}

func TestParseIsStrict(t *testing.T) {
	good := `{"sourceBucket":"src","destinationBucket":"arn:aws:s3:::dest","version":"2016-11-30","creationTimestamp":"1514944800000","fileFormat":"CSV","fileSchema":"Bucket, Key","files":[{"key":"a/b.csv.gz","size":1,"MD5checksum":"f11166069f1990abeb9c97ace9cdfabc"}]}`
	if _, err := Parse([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"sourceBucket":"src",`, ``, "sourceBucket: missing"},
		{`arn:aws:s3:::dest`, `dest`, "destinationBucket"},
		{`arn:aws:s3:::dest`, `arn:aws:s3:::dest/x`, "destinationBucket"},
		{`2016-11-30`, `2017-01-01`, "version"},
		{`1514944800000`, `yesterday`, "creationTimestamp"},
		{`"CSV"`, `"XML"`, "fileFormat"},
		{`Bucket, Key`, `Bucket, Size`, "no Key column"},
		{`,"files":[{"key":"a/b.csv.gz","size":1,"MD5checksum":"f11166069f1990abeb9c97ace9cdfabc"}]`, ``, "files: missing"},
		{`"key":"a/b.csv.gz"`, `"key":"../b.csv.gz"`, "files[0].key"},
		{`"key":"a/b.csv.gz"`, `"key":"/etc/passwd"`, "files[0].key"},
		{`"size":1`, `"size":-1`, "files[0].size"},
		{`f11166069f1990abeb9c97ace9cdfabc`, `f11166069f1990abeb9c97ace9cdfab`, "files[0].MD5checksum"},
		{`f11166069f1990abeb9c97ace9cdfabc`, `zz1166069f1990abeb9c97ace9cdfabc`, "files[0].MD5checksum"},
		{`f11166069f1990abeb9c97ace9cdfabc`, `f11166069f1990abeb9c97ace9cdfabc00`, "files[0].MD5checksum"}, // FuzzParseManifest's find: a panic
		{`arn:aws:s3:::dest`, `arn::s3:::dest`, "destinationBucket"},
		{good, `[]`, "invalid inventory manifest"},
	} {
		in := strings.Replace(good, tc.from, tc.to, 1)
		_, err := Parse([]byte(in))
		if !errors.Is(err, ErrManifest) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: %v, want an ErrManifest naming %s", tc.from, tc.to, err, tc.want)
		}
	}
	if !IsManifest([]byte(good)) || IsManifest([]byte(`{"id":"x","key":"k"}`)) || IsManifest([]byte("{\"id\":1}\n{\"id\":2}")) {
		t.Error("IsManifest does not tell an inventory manifest from an NDJSON one")
	}
}
