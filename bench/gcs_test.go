package bench

import (
	"testing"

	"github.com/batchsign/batchsign/gcs"
	"github.com/batchsign/batchsign/internal/vectors"
)

// BenchmarkGCSPresign is one Cloud Storage V4 signed URL per op, a GET for
// an export (path style, an hour), appended into a reused buffer:
// GOOG4-HMAC-SHA256 with an HMAC key and GOOG4-RSA-SHA256 with the
// conformance suite's (dummy) 2048-bit service-account key. There is no Go
// peer among this module's dependencies (cloud.google.com/go/storage would
// bring in the whole client); the gcs package's own BenchmarkPresign puts
// the RSA URL beside the bare rsa.SignPKCS1v15 it is built around.
func BenchmarkGCSPresign(b *testing.B) {
	p := gcs.Presign{Bucket: "exports", Object: "2026/11/23/part-00042.parquet", Expires: benchExpires}
	run := func(b *testing.B, s *gcs.Signer) {
		dst := make([]byte, 0, 1024)
		var err error
		b.ReportAllocs()
		for b.Loop() {
			if dst, err = s.AppendPresign(dst[:0], &p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("scheme=gcs-hmac/impl=batchsign", func(b *testing.B) {
		key := gcs.NewHMACKey("GOOG1EXAMPLEACCESSIDEXAMPLEACCESSIDEXAMPLEACCESSIDEX", "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ")
		s, err := gcs.NewHMACSigner(key, benchTime, gcs.Options{})
		if err != nil {
			b.Fatal(err)
		}
		run(b, s)
	})
	b.Run("scheme=gcs-rsa/impl=batchsign", func(b *testing.B) {
		acct, err := gcs.ParseServiceAccountJSON(vectors.Read(b, "gcs-conformance/test_service_account.not-a-test.json"))
		if err != nil {
			b.Fatal(err)
		}
		s, err := gcs.NewRSASigner(acct, benchTime, gcs.Options{})
		if err != nil {
			b.Fatal(err)
		}
		run(b, s)
	})
}
