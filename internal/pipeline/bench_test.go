package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/cputime"
)

// benchManifest is n rows shaped like examples/gen's synthetic export.
func benchManifest(n int) []byte {
	var b bytes.Buffer
	buckets := []string{"acme-exports", "acme-media", "acme-billing", "acme-reports"}
	regions := []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"}
	for i := range n {
		fmt.Fprintf(&b, `{"id":"row-%08d","bucket":"%s","key":"exports/2026/%02d/%02d/daily-invoice/part-%08d.parquet","region":"%s","expires":%d`,
			i, buckets[i%4], 1+i%12, 1+i%28, i, regions[(i/3)%4], 300+(i*37)%86100)
		if i%3 == 0 {
			fmt.Fprintf(&b, `,"query":{"response-content-disposition":"attachment; filename=\"part-%08d.parquet\""}`, i)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// BenchmarkRunPresignNDJSON is the whole pipeline on an in-memory manifest:
// decode, presign, encode NDJSON, write to io.Discard. Reported as rows/s.
func BenchmarkRunPresignNDJSON(b *testing.B) {
	const rows = 100000
	manifest := benchManifest(rows)
	cfg := docConfig(Presign)
	cfg.Workers, cfg.BatchSize = 0, 0
	b.SetBytes(int64(len(manifest)))
	b.ReportAllocs()
	c0 := cputime.Process()
	for b.Loop() {
		w, _ := NewWriter(io.Discard, FormatNDJSON, Presign, "")
		st, err := Run(context.Background(), cfg, NewNDJSONReader(bytes.NewReader(manifest)), w, NewRejectWriter(io.Discard), nil)
		if err != nil || st.Signed != rows {
			b.Fatal(err, st)
		}
	}
	b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
	// CPU time per row: what a shared machine's wall clock cannot show.
	b.ReportMetric(float64(cputime.Process()-c0)/float64(b.N*rows), "cpu-ns/row")
}

// BenchmarkRunPresignVerifyNDJSON runs presign and verify over the same
// rows in one invocation, so their ratio reads in one table (benchstat -col
// /mode): presign signs benchManifest; verify judges presign's output (every
// row valid). Both decode NDJSON, work on 2 workers and encode NDJSON to
// io.Discard; reported as rows/s and as the process's CPU time per row
// (cpu-ns/row), which a busy machine disturbs less.
func BenchmarkRunPresignVerifyNDJSON(b *testing.B) {
	const rows = 100000
	manifest := benchManifest(rows)
	var urls bytes.Buffer
	pw, _ := NewWriter(&urls, FormatNDJSON, Presign, "")
	cfg := docConfig(Presign)
	if st, err := Run(context.Background(), cfg, NewNDJSONReader(bytes.NewReader(manifest)), pw, NewRejectWriter(io.Discard), nil); err != nil || st.Signed != rows {
		b.Fatal(err, st)
	}
	for _, m := range []struct {
		name  string
		mode  Mode
		input []byte
	}{{"presign", Presign, manifest}, {"verify", Verify, urls.Bytes()}} {
		b.Run("mode="+m.name, func(b *testing.B) {
			cfg := docConfig(m.mode)
			cfg.Workers, cfg.BatchSize = 0, 0
			if m.mode == Verify {
				cfg.Region = "" // the rows' four regions are all good
			}
			b.ReportAllocs()
			c0 := cputime.Process()
			for b.Loop() {
				w, _ := NewWriter(io.Discard, FormatNDJSON, m.mode, "")
				st, err := Run(context.Background(), cfg, NewNDJSONReader(bytes.NewReader(m.input)), w, NewRejectWriter(io.Discard), nil)
				if err != nil || st.Rejected != 0 || (st.Verify != nil && st.Verify.Valid != rows) {
					b.Fatal(err, st)
				}
			}
			b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(cputime.Process()-c0)/float64(b.N*rows), "cpu-ns/row")
		})
	}
}

// BenchmarkAppendRecordNDJSON is one presign record's NDJSON encoding: the
// worker's share of output formatting.
func BenchmarkAppendRecordNDJSON(b *testing.B) {
	w, _ := NewWriter(io.Discard, FormatNDJSON, Presign, "")
	url := []byte("https://acme-exports.s3.us-east-1.amazonaws.com/exports/2026/01/01/daily-daily/part-00000000.parquet" +
		"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261123%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20261123T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host" +
		"&response-content-disposition=attachment%3B%20filename%3D%22part-00000000.parquet%22" +
		"&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	rec := (&testRecord{ID: "row-00000000", Method: "GET", URL: url, ExpiresAt: time.Date(2026, 11, 23, 0, 5, 0, 0, time.UTC)}).values(Presign)
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		dst = w.AppendRecord(dst[:0], &rec)
	}
	b.SetBytes(int64(len(dst)))
}

// BenchmarkAppendJSONString is the NDJSON string encoder on text with
// nothing to escape, a hostile key (reserved characters, NFC and NFD,
// controls) and a CJK file name.
func BenchmarkAppendJSONString(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"plain", "https://acme-exports.s3.us-east-1.amazonaws.com/exports/2026/01/01/daily-daily/part-00000000.parquet?X-Amz-Algorithm=AWS4-HMAC-SHA256"},
		{"hostile", "r\u00e9sum\u00e9/README/+%2B+`)^q?x=1#frag \"quoted\"\tcafe\u0301/a=b&c=d/\u65e5\u672c\u8a9e/\U0001f600\n..//report (final).pdf"},
		{"cjk", strings.Repeat("\u65e5\u672c\u8a9e\u306e\u30d5\u30a1\u30a4\u30eb", 8)},
	} {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, 0, 1024)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				dst = appendJSONString(dst[:0], c.s)
			}
		})
	}
}
