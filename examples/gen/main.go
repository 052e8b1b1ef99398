// Command gen writes batchsign manifests: the bundled Parquet example, a copy
// of examples/manifest.ndjson, and synthetic manifests of any size for
// throughput runs.
//
//	go run ./examples/gen                       # examples/manifest.ndjson → examples/manifest.parquet
//	go run ./examples/gen -rows 1000000 -o m.ndjson
//	go run ./examples/gen -rows 1000000 -o m.parquet
//	go run ./examples/gen -hostile -rows 1000000 -o hostile.ndjson
//
// Synthetic rows look like a nightly export: a handful of buckets and
// regions, keys of 40–70 bytes, a third with response-content-disposition,
// varied expiries. They are deterministic: the same -rows gives the same
// bytes.
//
// With -hostile the rows are those of issue 13's whole-run comparison
// (hostile.go): keys made of every URI-reserved character, percent signs,
// dot segments, NFC and NFD unicode, emoji and control characters, a
// quarter of them 1,024 bytes long; response-content-disposition and
// response-content-type on a third of the rows; four regions; one row in
// ten a PUT, HEAD or DELETE. They come from a PCG generator seeded with
// -seed: the same -rows and -seed give the same bytes.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

func main() {
	rows := flag.Int("rows", 0, "write a synthetic manifest of this many rows (0: convert the bundled example)")
	out := flag.String("o", "", "output file; .ndjson or .parquet (default examples/manifest.parquet)")
	in := flag.String("i", "examples/manifest.ndjson", "NDJSON manifest to convert to Parquet when -rows is 0")
	group := flag.Int("row-group", 128*1024, "Parquet rows per row group")
	hostile := flag.Bool("hostile", false, "with -rows: hostile rows (reserved characters, NFC/NFD unicode, 1 KiB keys, overrides) instead of export-like ones")
	seed := flag.Uint64("seed", 13, "with -hostile: the generator's seed")
	flag.Parse()
	row := synthetic
	if *hostile {
		row = newHostile(*seed).row
	}
	if err := run(*rows, row, *in, *out, *group); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// run writes rows rows made by row (in order: row may keep state), or
// converts in when rows is 0, to out.
func run(rows int, row func(int) pipeline.ManifestRecord, in, out string, group int) error {
	var recs func(yield func(pipeline.ManifestRecord) error) error
	if rows > 0 {
		recs = func(yield func(pipeline.ManifestRecord) error) error {
			for i := range rows {
				if err := yield(row(i)); err != nil {
					return err
				}
			}
			return nil
		}
	} else {
		if out == "" {
			out = filepath.Join(filepath.Dir(in), "manifest.parquet")
		}
		recs = func(yield func(pipeline.ManifestRecord) error) error { return readNDJSON(in, yield) }
	}
	if out == "" {
		return fmt.Errorf("-o is required with -rows")
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	switch pipeline.FormatOf(out) {
	case pipeline.FormatParquet:
		w := parquet.NewGenericWriter[pipeline.ManifestRecord](f,
			parquet.Compression(&zstd.Codec{}), parquet.MaxRowsPerRowGroup(int64(group)), parquet.CreatedBy("batchsign examples/gen", "", ""))
		buf := make([]pipeline.ManifestRecord, 0, 4096)
		flush := func() error {
			_, err := w.Write(buf)
			buf = buf[:0]
			return err
		}
		if err := recs(func(r pipeline.ManifestRecord) error {
			if buf = append(buf, r); len(buf) == cap(buf) {
				return flush()
			}
			return nil
		}); err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	case pipeline.FormatNDJSON:
		bw := bufio.NewWriterSize(f, 1<<20)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		if err := recs(func(r pipeline.ManifestRecord) error { return enc.Encode(toJSON(r)) }); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: want a .ndjson or .parquet name", out)
	}
	return f.Close()
}

// jsonRow is a manifest row as NDJSON, empty fields left out.
type jsonRow struct {
	ID            string            `json:"id,omitempty"`
	Method        string            `json:"method,omitempty"`
	URL           string            `json:"url,omitempty"`
	Bucket        string            `json:"bucket,omitempty"`
	Key           string            `json:"key,omitempty"`
	Region        string            `json:"region,omitempty"`
	Service       string            `json:"service,omitempty"`
	Expires       *int64            `json:"expires,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	Query         map[string]string `json:"query,omitempty"`
	ContentSHA256 string            `json:"content_sha256,omitempty"`
	BodyFile      string            `json:"body_file,omitempty"`
	Payload       string            `json:"payload,omitempty"`
}

func toJSON(r pipeline.ManifestRecord) jsonRow {
	return jsonRow{r.ID, r.Method, r.URL, r.Bucket, r.Key, r.Region, r.Service, r.Expires, r.Headers, r.Query, r.ContentSHA256, r.BodyFile, r.Payload}
}

// readNDJSON converts the example with encoding/json: an independent
// reader, so the Parquet example does not inherit a bug of batchsign's own
// decoder.
func readNDJSON(path string, yield func(pipeline.ManifestRecord) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for {
		var j jsonRow
		if err := dec.Decode(&j); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w (the example must be valid JSON to convert)", path, err)
		}
		if err := yield(pipeline.ManifestRecord{ID: j.ID, Method: j.Method, URL: j.URL, Bucket: j.Bucket, Key: j.Key,
			Region: j.Region, Service: j.Service, Expires: j.Expires, Headers: j.Headers, Query: j.Query,
			ContentSHA256: j.ContentSHA256, BodyFile: j.BodyFile, Payload: j.Payload}); err != nil {
			return err
		}
	}
}

var (
	buckets = []string{"acme-exports", "acme-media", "acme-billing", "acme-reports"}
	regions = []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"}
	words   = []string{"daily", "invoice", "summary", "video", "backup", "thumbnail", "customer", "archive"}
)

// synthetic returns row i of a deterministic export manifest.
func synthetic(i int) pipeline.ManifestRecord {
	var key strings.Builder
	fmt.Fprintf(&key, "exports/2026/%02d/%02d/%s-%s/part-%08d.parquet", 1+i%12, 1+i%28, words[i%len(words)], words[(i/7)%len(words)], i)
	exp := int64(300 + (i*37)%86100)
	r := pipeline.ManifestRecord{
		ID:      fmt.Sprintf("row-%08d", i),
		Bucket:  buckets[i%len(buckets)],
		Key:     key.String(),
		Region:  regions[(i/3)%len(regions)],
		Expires: &exp,
	}
	if i%3 == 0 {
		r.Query = map[string]string{"response-content-disposition": fmt.Sprintf("attachment; filename=\"part-%08d.parquet\"", i)}
	}
	return r
}
