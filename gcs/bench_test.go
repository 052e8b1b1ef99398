package gcs

import (
	"crypto"
	"crypto/rsa"
	"encoding/hex"
	"runtime"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/cputime"
	"github.com/batchsign/batchsign/internal/sha256block"
)

// benchPresign is a typical batch row: a GET for an export, path style.
var benchPresign = Presign{Bucket: "exports", Object: "2026/11/23/part-00042.parquet", Expires: 3600}

// loopOnCPU runs f in b.Loop and reports, from the thread's CPU time, the
// CPU nanoseconds per URL and URLs per CPU-second: the per-core rate, which
// other processes on a shared machine do not distort as they do ns/op.
func loopOnCPU(b *testing.B, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	c0 := cputime.Thread()
	for b.Loop() {
		f()
	}
	cpu := cputime.Thread() - c0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "URLs/s/core")
}

// BenchmarkPresign compares, in one run, a GOOG4-RSA-SHA256 URL with the
// raw RSA operation it is built around (rsa.SignPKCS1v15 of a SHA-256
// digest with the same 2048-bit key), everything an RSA URL does but that
// operation, and a GOOG4-HMAC-SHA256 URL. URLs/s/core and cpu-ns/op come
// from the benchmark thread's CPU time (Linux), so they hold on a busy
// machine where ns/op does not.
//
//	go test ./gcs -run '^$' -bench Presign -cpu 1 -count 6 -benchtime 2s
func BenchmarkPresign(b *testing.B) {
	acct := suiteAccount(b)
	b.Run("RSA", func(b *testing.B) {
		s, err := NewRSASigner(acct, fuzzAt, Options{})
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]byte, 0, 1024)
		loopOnCPU(b, func() {
			if dst, err = s.AppendPresign(dst[:0], &benchPresign); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("RawSignPKCS1v15", func(b *testing.B) {
		digest := sha256block.Sum256([]byte("GOOG4-RSA-SHA256\n20261123T100000Z\n20261123/auto/storage/goog4_request\n00e2fb794ea93d7adb703edaebdd509821fcc7d4f1a79ac5c8d2b394df109320"))
		loopOnCPU(b, func() {
			if _, err := rsa.SignPKCS1v15(nil, acct.key, crypto.SHA256, digest[:]); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("RSAWithoutTheRSAOperation", func(b *testing.B) {
		// What AppendPresign does around rsa.SignPKCS1v15: checks,
		// canonical request, string to sign, both hashes, the URL and the
		// hex of a 256-byte signature.
		s, err := NewRSASigner(acct, fuzzAt, Options{})
		if err != nil {
			b.Fatal(err)
		}
		sig := make([]byte, 256)
		dst := make([]byte, 0, 1024)
		loopOnCPU(b, func() {
			u, err := s.build(&benchPresign)
			if err != nil {
				b.Fatal(err)
			}
			cr := s.c.cr
			dst = append(dst[:0], u.scheme...)
			dst = append(dst, "://"...)
			dst = append(dst, u.host...)
			dst = append(dst, cr[u.pathStart:u.pathEnd]...)
			dst = append(dst, '?')
			dst = append(dst, cr[u.queryStart:u.queryEnd]...)
			dst = append(dst, "&X-Goog-Signature="...)
			digest := sha256block.Sum256(u.sts)
			sig[0] = digest[0]
			dst = hex.AppendEncode(dst, sig)
		})
	})
	b.Run("HMAC", func(b *testing.B) {
		s := newHMAC(b)
		dst := make([]byte, 0, 1024)
		loopOnCPU(b, func() {
			var err error
			if dst, err = s.AppendPresign(dst[:0], &benchPresign); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkRSAOverhead times, alternately in the same loop and in the
// thread's CPU time, one RSA URL and one raw rsa.SignPKCS1v15, so that both
// see the same machine state, and reports what the URL costs beyond the
// RSA operation as a share of it (the goal: under 5%).
//
//	go test ./gcs -run '^$' -bench RSAOverhead -cpu 1 -count 6
func BenchmarkRSAOverhead(b *testing.B) {
	acct := suiteAccount(b)
	s, err := NewRSASigner(acct, fuzzAt, Options{})
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256block.Sum256([]byte("GOOG4-RSA-SHA256\n20261123T100000Z\n20261123/auto/storage/goog4_request\n00e2fb794ea93d7adb703edaebdd509821fcc7d4f1a79ac5c8d2b394df109320"))
	dst := make([]byte, 0, 1024)
	var url, raw time.Duration
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		t0 := cputime.Thread()
		if dst, err = s.AppendPresign(dst[:0], &benchPresign); err != nil {
			b.Fatal(err)
		}
		t1 := cputime.Thread()
		if _, err := rsa.SignPKCS1v15(nil, acct.key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
		t2 := cputime.Thread()
		url += t1 - t0
		raw += t2 - t1
	}
	n := float64(b.N)
	b.ReportMetric(float64(url.Nanoseconds())/n, "url-cpu-ns/op")
	b.ReportMetric(float64(raw.Nanoseconds())/n, "raw-cpu-ns/op")
	b.ReportMetric(100*float64(url-raw)/float64(raw), "overhead-%")
}

// BenchmarkVerify checks one URL of each algorithm (RSA verification is
// the public-key operation, far cheaper than signing).
func BenchmarkVerify(b *testing.B) {
	acct := suiteAccount(b)
	rs, _ := NewRSASigner(acct, fuzzAt, Options{})
	for _, s := range []*Signer{rs, newHMAC(b)} {
		b.Run(s.Algorithm(), func(b *testing.B) {
			u, err := s.PresignURL(&benchPresign)
			if err != nil {
				b.Fatal(err)
			}
			v := NewVerifier(suiteKeys(acct, testHMACKey(), testSecret), VerifyOptions{Now: fuzzAt})
			loopOnCPU(b, func() {
				if err := v.PresignedURL("GET", u, nil); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
