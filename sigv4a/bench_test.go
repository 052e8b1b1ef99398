package sigv4a

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/batchsign/batchsign/sigv4"
)

// BenchmarkPresign is the batch hot path, one core: a presigned S3 GET with
// a cached key appended into a reused buffer, SigV4a against SigV4 in the
// same run, and the bare crypto/ecdsa signature that bounds SigV4a. URLs/s
// is per core; compare the sub-benchmarks as ratios.
func BenchmarkPresign(b *testing.B) {
	p := S3Presign{Host: "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", Key: "exports/2026/11/23/part-00042.parquet", Expires: 3600}
	b.Run("sigv4a", func(b *testing.B) {
		key, err := NewKeyCache(0).Get(testCreds.AccessKeyID, testCreds.SecretAccessKey)
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewSigner(testCreds, key, testTime, Options{Service: "s3"})
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]byte, 0, 4096)
		b.ReportAllocs()
		for b.Loop() {
			if dst, err = s.AppendPresignS3(dst[:0], &p); err != nil {
				b.Fatal(err)
			}
		}
		reportURLs(b)
	})
	b.Run("sigv4", func(b *testing.B) {
		key := sigv4.NewKeyCache(0).Get(testCreds.AccessKeyID, testCreds.SecretAccessKey, testTime, "us-east-1", "s3")
		s, err := sigv4.NewSigner(testCreds, key, testTime, sigv4.Options{Region: "us-east-1", Service: "s3"})
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]byte, 0, 4096)
		b.ReportAllocs()
		for b.Loop() {
			if dst, err = s.AppendPresignS3(dst[:0], &p); err != nil {
				b.Fatal(err)
			}
		}
		reportURLs(b)
	})
	b.Run("ecdsa.SignASN1", func(b *testing.B) {
		key, _ := DeriveKey(testCreds.AccessKeyID, testCreds.SecretAccessKey)
		digest := sha256.Sum256([]byte("string to sign"))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ecdsa.SignASN1(rand.Reader, key.priv, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
		reportURLs(b)
	})
}

func reportURLs(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "URLs/s")
}

// BenchmarkVerifyPresignedURL checks one presigned S3 URL with a reused
// Verifier and a cached key: the ECDSA verification dominates.
func BenchmarkVerifyPresignedURL(b *testing.B) {
	s, err := NewSigner(testCreds, nil, testTime, Options{Service: "s3"})
	if err != nil {
		b.Fatal(err)
	}
	u, err := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.amazonaws.com", Key: "exports/part-00042.parquet", Expires: 3600})
	if err != nil {
		b.Fatal(err)
	}
	url := string(u)
	v := NewVerifier(testLookup, VerifyOptions{Now: testTime})
	b.ReportAllocs()
	for b.Loop() {
		if err := v.PresignedURL("GET", url, nil, ""); err != nil {
			b.Fatal(err)
		}
	}
	reportURLs(b)
}

// BenchmarkDeriveKey is the once-per-credential cost a KeyCache saves.
func BenchmarkDeriveKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DeriveKey(testCreds.AccessKeyID, testCreds.SecretAccessKey); err != nil {
			b.Fatal(err)
		}
	}
}
