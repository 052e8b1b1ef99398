package cloudfront

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"testing"
	"time"
)

// The canned URL against the bare RSA operation it cannot avoid, in one
// run: go test -run '^$' -bench 'CannedURL|RawRSA' -count 10 ./cloudfront
// | benchstat. The difference is the code around the signature (policy
// document, SHA-1, base64, the URL), which should stay under 5%.

func BenchmarkCannedURL(b *testing.B) {
	s := testSigner(b)
	p := &Policy{Expires: time.Unix(2000000000, 0)}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = s.AppendSignedURL(buf[:0], "https://d111111abcdef8.cloudfront.net/exports/2026/11/part-00042.csv.gz", p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "URLs/s")
}

// BenchmarkRawRSASHA1 is crypto/rsa's SignPKCS1v15 over a SHA-1 digest with
// the same key: the floor of a CloudFront signature in Go.
func BenchmarkRawRSASHA1(b *testing.B) {
	s := testSigner(b)
	digest := sha1.Sum([]byte(`{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/exports/2026/11/part-00042.csv.gz","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}`))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA1, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "URLs/s")
}

func BenchmarkVerifyCannedURL(b *testing.B) {
	s := testSigner(b)
	u, _ := s.SignedURL("https://d111111abcdef8.cloudfront.net/exports/a.csv", &Policy{Expires: time.Unix(2000000000, 0)})
	v := testVerifier(b, time.Unix(1900000000, 0))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.SignedURL(u); err != nil {
			b.Fatal(err)
		}
	}
}
