package inventory

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

var updateFixtures = flag.Bool("update-fixtures", false, "rewrite testdata/inventory-dest from fixtureObjects")

// fixtureObject is one record of the fixture reports.
type fixtureObject struct {
	key, version         string
	latest, deleteMarker bool
	size                 int64
}

// fixtureObjects are the objects of the fixture reports: hostile keys
// (space, "+", "%", unicode, a line break, "/" kept raw), a versioned
// object with a noncurrent version, and a delete marker.
var fixtureObjects = []fixtureObject{
	{key: "photos/2026/a b.jpg", version: "", latest: true, size: 1024},
	{key: "math/1+1=2.txt", version: "", latest: true, size: 3},
	{key: "100%.txt", version: "", latest: true, size: 100},
	{key: "ü/日本語 ファイル.pdf", version: "", latest: true, size: 2048},
	{key: "line\nbreak.txt", version: "", latest: true, size: 5},
	{key: "docs/report.pdf", version: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", latest: true, size: 4096},
	{key: "docs/report.pdf", version: "L4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY_v1", latest: false, size: 4000},
	{key: "deleted.txt", version: "Uv3r1DtRg0vDtu8XJm7zN7S.6wq2V9hb", latest: true, deleteMarker: true},
	{key: "deleted.txt", version: "dEl3t3dVersi0n1", latest: false, size: 9},
}

// formEncode encodes a key as S3 Inventory's CSV does (Java's URLEncoder:
// letters, digits and ".-*_" kept, space as "+", every other byte %XX),
// keeping "/" raw in keys under "photos/" so both spellings are tested.
func formEncode(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte(".-*_", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		case c == '/' && strings.HasPrefix(key, "photos/"):
			b.WriteByte('/')
		default:
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// TestWriteFixtures rewrites the fixture reports with -update-fixtures:
// a CSV report of two data files and a Parquet report of one, laid out as
// S3 writes them into the destination bucket, under
// testdata/inventory-dest/acme-media/{daily-csv,daily-parquet}/.
func TestWriteFixtures(t *testing.T) {
	if !*updateFixtures {
		t.Skip("pass -update-fixtures to rewrite testdata/inventory-dest")
	}
	root := filepath.Join("testdata", "inventory-dest")
	os.RemoveAll(root)
	type wfile struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
		MD5  string `json:"MD5checksum"`
	}
	write := func(key string, data []byte) wfile {
		p := filepath.Join(root, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(data)
		return wfile{key, int64(len(data)), hex.EncodeToString(sum[:])}
	}
	manifest := func(config, format, schema string, files []wfile) {
		m := map[string]any{
			"sourceBucket":      "acme-media",
			"destinationBucket": "arn:aws:s3:::inventory-dest",
			"version":           "2016-11-30",
			"creationTimestamp": "1795914000000",
			"fileFormat":        format,
			"fileSchema":        schema,
			"files":             files,
		}
		data, _ := json.MarshalIndent(m, "", "    ")
		write("acme-media/"+config+"/2026-11-29T01-00Z/manifest.json", append(data, '\n'))
	}

	// CSV: two gzip'd files, every field quoted, no header.
	var files []wfile
	for part, objs := range [][]fixtureObject{fixtureObjects[:4], fixtureObjects[4:]} {
		var text bytes.Buffer
		for _, o := range objs {
			fields := []string{"acme-media", formEncode(o.key), o.version, boolText(o.latest), boolText(o.deleteMarker),
				itoa(o.size), "2026-11-28T10:00:00.000Z", "d41d8cd98f00b204e9800998ecf8427e", "STANDARD"}
			if o.deleteMarker {
				fields[5], fields[7], fields[8] = "", "", ""
			}
			text.WriteString(`"` + strings.Join(fields, `","`) + `"` + "\n")
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(text.Bytes())
		zw.Close()
		files = append(files, write("acme-media/daily-csv/data/5f2b7a4e-0c1d-4b9a-9e3f-"+itoa(int64(part))+"a0c6e1d2f3b4.csv.gz", gz.Bytes()))
	}
	manifest("daily-csv", "CSV", "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass", files)

	// Parquet: one file, S3's snake_case columns.
	type pqRow struct {
		Bucket         string  `parquet:"bucket"`
		Key            string  `parquet:"key"`
		VersionID      *string `parquet:"version_id,optional"`
		IsLatest       *bool   `parquet:"is_latest,optional"`
		IsDeleteMarker *bool   `parquet:"is_delete_marker,optional"`
		Size           *int64  `parquet:"size,optional"`
		ETag           *string `parquet:"e_tag,optional"`
		StorageClass   *string `parquet:"storage_class,optional"`
	}
	var rows []pqRow
	for _, o := range fixtureObjects {
		r := pqRow{Bucket: "acme-media", Key: o.key, IsLatest: &o.latest, IsDeleteMarker: &o.deleteMarker}
		if o.version != "" {
			r.VersionID = &o.version
		}
		if !o.deleteMarker {
			size, etag, class := o.size, "d41d8cd98f00b204e9800998ecf8427e", "STANDARD"
			r.Size, r.ETag, r.StorageClass = &size, &etag, &class
		}
		rows = append(rows, r)
	}
	var pq bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&pq)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f := write("acme-media/daily-parquet/data/9c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f.parquet", pq.Bytes())
	manifest("daily-parquet", "Parquet", "message s3.inventory { required binary bucket (STRING); required binary key (STRING); optional binary version_id (STRING); optional boolean is_latest; optional boolean is_delete_marker; optional int64 size; optional binary e_tag (STRING); optional binary storage_class (STRING);}", []wfile{f})
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
