package sigv4a

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigerr"
)

// FuzzVerifyPresignedURL feeds the verifier's URL parsing arbitrary text:
// it never panics, and every refusal is a *sigerr.VerifyError with a reason
// and without the secret. Seeds: our own signed URLs and the suite's.
func FuzzVerifyPresignedURL(f *testing.F) {
	s := newS3Signer(f, "tok", "us-*")
	u, err := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.amazonaws.com", Key: "a b/ü", Expires: 600,
		Query: []QueryParam{{Key: "versionId", Value: "1"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(u))
	f.Add("https://example.amazonaws.com/?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Region-Set=us-east-1&X-Amz-Signature=3045022100b3246f8e1442dd58e73292ae1294720c3256ee58f6cea50f3a3f83b4a4b0331a0220329693f7745c9008a5887c0529ceccb0fae4e16d707b712ea66acdbaf963769a")
	f.Add("https://h/?X-Amz-Region-Set=&X-Amz-Region-Set=")
	f.Add("http://h")
	f.Add("")
	v := NewVerifier(testLookup, VerifyOptions{Now: testTime, Region: "us-east-1"})
	f.Fuzz(func(t *testing.T, raw string) {
		err := v.PresignedURL("GET", raw, nil, "")
		if err == nil {
			return // only a URL we signed gets here
		}
		var ve *sigerr.VerifyError
		if !errors.As(err, &ve) || ve.Reason == 0 || ve.Scheme != "sigv4a" {
			t.Fatalf("%q: untyped refusal %v", raw, err)
		}
		if strings.Contains(err.Error(), testCreds.SecretAccessKey) {
			t.Fatalf("%q: error holds the secret", raw)
		}
	})
}

// FuzzPresignVerifyRoundTrip: whatever the presigner accepts, the verifier
// accepts at the signing instant; a changed signature is a signature
// mismatch; and any other byte of the URL changed (at a position the
// fuzzer picks) is refused, unless the change only flips the case of a
// percent escape's hex digit, which spells the same URL.
func FuzzPresignVerifyRoundTrip(f *testing.F) {
	f.Add("a b/c+d", "versionId", "v1", "", "*", uint16(40), byte('x'))
	f.Add("ü/%/~", "response-content-disposition", `attachment; filename="x"`, "tok/+=", "us-*,eu-west-1", uint16(9), byte('%'))
	f.Add("", "", "", "", "", uint16(0), byte('A'))
	lookup := testLookup
	keys := NewKeyCache(0)
	f.Fuzz(func(t *testing.T, key, qk, qv, token, regionSet string, pos uint16, repl byte) {
		c := testCreds
		c.SessionToken = token
		k, _ := keys.Get(c.AccessKeyID, c.SecretAccessKey)
		s, err := NewSigner(c, k, testTime, Options{Service: "s3", RegionSet: regionSet})
		if err != nil {
			return // a region set we refuse to sign
		}
		var q []QueryParam
		if qk != "" {
			q = []QueryParam{{Key: qk, Value: qv}}
		}
		u, err := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.us-east-1.amazonaws.com", Key: key, Query: q, Expires: 600})
		if err != nil {
			return // rejected input (invalid UTF-8, reserved parameter) is not signed
		}
		url := string(u)
		v := NewVerifier(lookup, VerifyOptions{Now: testTime, Keys: keys})
		if err := v.PresignedURL("GET", url, nil, ""); err != nil {
			t.Fatalf("signed URL does not verify: %v\n%s", err, url)
		}

		// The signature's last digit changed.
		last := url[len(url)-1]
		bad := url[:len(url)-1] + string("10"[boolIndex(last == '1')])
		if err := v.PresignedURL("GET", bad, nil, ""); !errors.Is(err, sigerr.ErrSignatureMismatch) {
			t.Fatalf("changed signature: %v\n%s", err, bad)
		}

		i := len("https://") + int(pos)%(len(url)-len("https://"))
		if url[i] == repl || escapeCaseFlip(url, i, repl) {
			return
		}
		bad = url[:i] + string(repl) + url[i+1:]
		if err := v.PresignedURL("GET", bad, nil, ""); err == nil {
			t.Fatalf("byte %d changed to %q still verifies:\n%s\n%s", i, repl, url, bad)
		}
	})
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// escapeCaseFlip reports whether writing repl at url[i] only changes the
// case of a hex digit of a %XX escape: "%2F" and "%2f" are the same byte.
func escapeCaseFlip(url string, i int, repl byte) bool {
	inEscape := (i >= 1 && url[i-1] == '%') || (i >= 2 && url[i-2] == '%')
	return inEscape && isHex(url[i]) && isHex(repl) && strings.EqualFold(url[i:i+1], string(repl))
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// The verifier judges time after the signature: at any instant, an
// unchanged URL is either valid or expired or not yet valid, never forged.
func TestVerifyTimeAfterSignature(t *testing.T) {
	s := newS3Signer(t, "", "")
	u, _ := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "k", Expires: 60})
	for _, now := range []time.Time{testTime.Add(-time.Hour), testTime, testTime.Add(time.Hour)} {
		err := VerifyPresignedURL("GET", string(u), nil, "", testLookup, VerifyOptions{Now: now})
		if r := sigerr.ReasonOf(err); err != nil && r != sigerr.ErrExpired && r != sigerr.ErrNotYetValid {
			t.Errorf("%v: %v", now, err)
		}
	}
}
