package sigv4

import (
	"fmt"
	"testing"

	"github.com/batchsign/batchsign/internal/cputime"
)

// manifestURLs presigns n URLs shaped like the pipeline's benchmark
// manifest: four regions, an expiry of its own per row, a third of the rows
// with a response-content-disposition.
func manifestURLs(tb testing.TB, n int) []string {
	regions := []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"}
	buckets := []string{"acme-exports", "acme-media", "acme-billing", "acme-reports"}
	signers := map[string]*Signer{}
	urls := make([]string, n)
	for i := range urls {
		region := regions[(i/3)%4]
		s := signers[region]
		if s == nil {
			var err error
			if s, err = NewSigner(docCreds, nil, docTime, Options{Region: region, Service: "s3"}); err != nil {
				tb.Fatal(err)
			}
			signers[region] = s
		}
		p := S3Presign{Host: buckets[i%4] + ".s3." + region + ".amazonaws.com",
			Key:     fmt.Sprintf("exports/2026/%02d/%02d/daily-invoice/part-%08d.parquet", 1+i%12, 1+i%28, i),
			Expires: int64(300 + (i*37)%86100)}
		if i%3 == 0 {
			p.Query = []QueryParam{{Key: "response-content-disposition", Value: fmt.Sprintf(`attachment; filename="part-%08d.parquet"`, i)}}
		}
		u, err := s.AppendPresignS3(nil, &p)
		if err != nil {
			tb.Fatal(err)
		}
		urls[i] = string(u)
	}
	return urls
}

// BenchmarkVerifyManifestURLs verifies URLs shaped like a manifest's
// (manifestURLs), one at a time (path=single) and two at a time
// (path=pair, PresignedURLPair), for `benchstat -col /path`; reported per
// URL in wall and in process CPU time (cpu-ns/URL), which a busy machine
// disturbs less.
func BenchmarkVerifyManifestURLs(b *testing.B) {
	urls := manifestURLs(b, 1024)
	for _, path := range []string{"single", "pair"} {
		b.Run("path="+path, func(b *testing.B) {
			v := NewVerifier(lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey), VerifyOptions{Now: docTime})
			b.ReportAllocs()
			c0, i, n := cputime.Process(), 0, 0
			for b.Loop() {
				if path == "pair" {
					e0, e1 := v.PresignedURLPair("GET", urls[i%len(urls)], nil, "GET", urls[(i+1)%len(urls)], nil)
					if e0 != nil || e1 != nil {
						b.Fatal(e0, e1)
					}
					i, n = i+2, n+2
					continue
				}
				if err := v.PresignedURL("GET", urls[i%len(urls)], nil, ""); err != nil {
					b.Fatal(err)
				}
				i, n = i+1, n+1
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/URL")
			b.ReportMetric(float64(cputime.Process()-c0)/float64(n), "cpu-ns/URL")
		})
	}
}
