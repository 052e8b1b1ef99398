package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
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
	for b.Loop() {
		w, _ := NewWriter(io.Discard, FormatNDJSON, Presign)
		st, err := Run(context.Background(), cfg, NewNDJSONReader(bytes.NewReader(manifest), Shard{}), w, NewRejectWriter(io.Discard), nil)
		if err != nil || st.Signed != rows {
			b.Fatal(err, st)
		}
	}
	b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
}
