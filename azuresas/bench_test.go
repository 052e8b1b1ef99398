package azuresas

import (
	"strings"
	"testing"
	"time"
)

// benchPresign is a typical batch row: a read URL for an export, with a
// download file name.
func benchPresign() *Presign {
	return &Presign{Method: "GET", Container: "exports", Blob: "2026/11/23/part-00042.parquet",
		Expiry:    time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC),
		Overrides: Overrides{ContentDisposition: `attachment; filename="part-00042.parquet"`}}
}

func benchSigner(tb testing.TB) *Signer {
	cred, err := NewCredential(DevelopmentAccount, DevelopmentKey)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := NewSigner(cred)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestPresignAllocatesNothing: AppendPresign into a reused buffer
// allocates nothing once the Signer's scratch space has grown, hostile
// names and overrides included.
func TestPresignAllocatesNothing(t *testing.T) {
	s := benchSigner(t)
	for _, p := range []*Presign{benchPresign(),
		{Method: "PUT", Container: "c0n", Blob: "a b/ü+%#?" + strings.Repeat("x", 1000), Expiry: time.Unix(1e9, 0), Start: time.Unix(9e8, 0)},
		{Container: "exports", Permissions: "lr", Expiry: time.Unix(1e9, 0)},
	} {
		dst := make([]byte, 0, 4096)
		var err error
		allocs := testing.AllocsPerRun(100, func() {
			if dst, err = s.AppendPresign(dst[:0], p); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s/%s: %v allocations per URL", p.Container, p.Blob, allocs)
		}
	}
}

// BenchmarkPresign measures one SAS URL per op (a GET with a
// Content-Disposition override), appended into a reused buffer, and one
// verification of it. URLs/s is per core with -cpu 1.
//
//	go test ./azuresas -run '^$' -bench . -cpu 1 -count 6
func BenchmarkPresign(b *testing.B) {
	s := benchSigner(b)
	p := benchPresign()
	dst := make([]byte, 0, 1024)
	b.ReportAllocs()
	var err error
	for b.Loop() {
		if dst, err = s.AppendPresign(dst[:0], p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "URLs/s")
}

func BenchmarkVerify(b *testing.B) {
	s := benchSigner(b)
	url, err := s.PresignURL(benchPresign())
	if err != nil {
		b.Fatal(err)
	}
	v := NewVerifier(func(string) (Credential, bool) { return s.cred, true }, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.PresignedURL("GET", url); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "URLs/s")
}
