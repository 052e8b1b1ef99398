package cloudfront

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"runtime"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/cputime"
)

// The canned URL against the bare RSA operation it cannot avoid, in one
// run, in the benchmark thread's CPU time (Linux), which other processes
// on a shared machine do not distort as they do ns/op:
//
//	go test ./cloudfront -run '^$' -bench 'CannedURL|RawRSA|Overhead' -cpu 1 -count 6

const benchURL = "https://d111111abcdef8.cloudfront.net/exports/2026/11/part-00042.csv.gz"

var benchDigest = sha1.Sum([]byte(`{"Statement":[{"Resource":"` + benchURL + `","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}`))

// loopOnCPU runs f in b.Loop and reports the CPU nanoseconds per URL and
// URLs per CPU-second: the per-core rate.
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

// BenchmarkCannedURL is one canned-policy signed URL.
func BenchmarkCannedURL(b *testing.B) {
	s := testSigner(b)
	p := &Policy{Expires: time.Unix(2000000000, 0)}
	buf := make([]byte, 0, 1024)
	var err error
	loopOnCPU(b, func() {
		if buf, err = s.AppendSignedURL(buf[:0], benchURL, p); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRawRSASHA1 is crypto/rsa's SignPKCS1v15 over a SHA-1 digest with
// the same key: the floor of a CloudFront signature in Go.
func BenchmarkRawRSASHA1(b *testing.B) {
	s := testSigner(b)
	loopOnCPU(b, func() {
		if _, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA1, benchDigest[:]); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkRSAOverhead times, alternately in one loop, a canned URL and a
// raw signature, so both see the same machine state, and reports what the
// URL costs beyond the RSA operation as a share of it (the goal: < 5%).
func BenchmarkRSAOverhead(b *testing.B) {
	s := testSigner(b)
	p := &Policy{Expires: time.Unix(2000000000, 0)}
	buf := make([]byte, 0, 1024)
	var url, raw time.Duration
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		t0 := cputime.Thread()
		var err error
		if buf, err = s.AppendSignedURL(buf[:0], benchURL, p); err != nil {
			b.Fatal(err)
		}
		t1 := cputime.Thread()
		if _, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA1, benchDigest[:]); err != nil {
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

// BenchmarkCannedURLAroundRSA is everything AppendSignedURL does but the
// RSA operation (URL check, policy document, SHA-1, base64 of a signature,
// the parameters): the overhead on its own, a thousandth of the RSA time.
func BenchmarkCannedURLAroundRSA(b *testing.B) {
	p := &Policy{Expires: time.Unix(2000000000, 0)}
	sig := make([]byte, 256)
	buf := make([]byte, 0, 1024)
	loopOnCPU(b, func() {
		if err := CheckURL(benchURL); err != nil {
			b.Fatal(err)
		}
		buf = append(buf[:0], benchURL...)
		buf = append(buf, '?')
		start := len(buf)
		buf = appendPolicyJSON(buf, benchURL, p)
		digest := sha1.Sum(buf[start:])
		sig[0] = digest[0]
		buf = append(buf[:start], ParamExpires+"=2000000000&"+ParamSignature+"="...)
		buf = appendEncoded(buf, sig)
		buf = append(buf, "&"+ParamKeyPairID+"=K2JCJMDEHXQW5F"...)
	})
}

// BenchmarkVerifyCannedURL checks one canned URL (the public-key operation,
// far cheaper than signing).
func BenchmarkVerifyCannedURL(b *testing.B) {
	s := testSigner(b)
	u, _ := s.SignedURL(benchURL, &Policy{Expires: time.Unix(2000000000, 0)})
	v := testVerifier(b, time.Unix(1900000000, 0))
	loopOnCPU(b, func() {
		if err := v.SignedURL(u); err != nil {
			b.Fatal(err)
		}
	})
}
