package gcs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/internal/urltest"
	"github.com/batchsign/batchsign/internal/vectors"
	"github.com/batchsign/batchsign/sigerr"
)

var fuzzAt = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// FuzzVerifyURL feeds the verifier's URL parsing anything: it never panics,
// and every failure is a *sigerr.VerifyError with a reason, never a bare
// error or a nil for a URL it could not read.
func FuzzVerifyURL(f *testing.F) {
	var suite suiteFile
	_ = json.Unmarshal(vectors.Read(f, "gcs-conformance/v4_signatures.json"), &suite)
	for _, c := range suite.SigningV4Tests {
		f.Add(c.Method, c.ExpectedURL, "X-Goog-Resumable", "start")
	}
	for _, u := range []string{
		"", "https://", "https://h", "https://h/?", "https://h/b/o?X-Goog-Algorithm=GOOG4-HMAC-SHA256",
		"http://[::1]:8080/b/o?x-goog-signature=00&X-GOOG-ALGORITHM=GOOG4-RSA-SHA256",
		"https://h/%?&%%=%", "https://h/b/o?X-Goog-Credential=a/b/c/d/goog4_request&X-Goog-SignedHeaders=host;;;",
		"https://h/b/o?X-Goog-Expires=+10&X-Goog-Date=20261123T100000Z#frag",
	} {
		f.Add("GET", u, "", "")
	}
	acct := suiteAccount(f)
	keys := suiteKeys(acct, testHMACKey(), testSecret)
	v := NewVerifier(keys, VerifyOptions{Now: fuzzAt})
	f.Fuzz(func(t *testing.T, method, url, hname, hvalue string) {
		err := v.PresignedURL(method, url, []Header{{Name: hname, Value: hvalue}})
		if err != nil && sigerr.ReasonOf(err) == 0 {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}

// FuzzPresignVerifyRoundTrip: whatever the HMAC signer accepts, the
// verifier accepts at the signing instant, and changing one byte of the
// URL (at a position the fuzzer picks) is refused, unless the change is
// only a letter's case where the URL's meaning ignores it (hex digits of an
// escape or of the signature, the scheme).
func FuzzPresignVerifyRoundTrip(f *testing.F) {
	f.Add("a b/c+d", "versionId", "v1", "Content-Type", "text/plain", uint8(0), uint16(40), byte('x'))
	f.Add("ü/%/~//x", "response-content-disposition", `attachment; filename="x"`, "x-goog-meta-a", "  b\t c ", uint8(1), uint16(9), byte('%'))
	f.Add("", "", "", "", "", uint8(2), uint16(0), byte('A'))
	f.Add("e\u0301", "prefix", "/foo", "X-Goog-Content-SHA256", "2cf24dba", uint8(1), uint16(300), byte('&'))
	keys := suiteKeys(suiteAccount(f), testHMACKey(), testSecret)
	s, err := NewHMACSigner(testHMACKey(), fuzzAt, Options{})
	if err != nil {
		f.Fatal(err)
	}
	v := NewVerifier(keys, VerifyOptions{Now: fuzzAt})
	f.Fuzz(func(t *testing.T, object, qk, qv, hname, hvalue string, style uint8, pos uint16, repl byte) {
		p := &Presign{Method: "PUT", Bucket: "b-1", Object: object, Expires: 600, Style: URLStyle(style % 3), Host: "h.example:8443"}
		if qk != "" {
			p.Query = []QueryParam{{Key: qk, Value: qv}}
		}
		var hs []Header
		if hname != "" {
			p.Headers = []Header{{Name: hname, Value: hvalue}}
			hs = p.Headers
		}
		u, err := s.AppendPresign(nil, p)
		if err != nil {
			if sigerr.ReasonOf(err) != 0 {
				t.Fatalf("signing error carries a verify reason: %v", err)
			}
			return // refused input (invalid UTF-8, reserved name, control character) is not signed
		}
		url := string(u)
		if err := v.PresignedURL("PUT", url, hs); err != nil {
			t.Fatalf("signed URL does not verify: %v\n%s", err, url)
		}
		i := int(pos) % len(url)
		if lower(url[i]) == lower(repl) {
			return
		}
		bad := url[:i] + string(repl) + url[i+1:]
		if portOnly(url, bad) || urltest.SameParams(url, bad) {
			return
		}
		if err := v.PresignedURL("PUT", bad, hs); err == nil {
			t.Fatalf("byte %d changed to %q still verifies:\n%s\n%s", i, repl, url, bad)
		}
	})
}

// portOnly reports whether two URLs differ in the port alone.
func portOnly(a, b string) bool {
	ua, err1 := sigcore.SplitURL(a)
	ub, err2 := sigcore.SplitURL(b)
	return err1 == nil && err2 == nil && ua.Host != ub.Host && hostname(ua.Host) == hostname(ub.Host) &&
		ua.Path == ub.Path && ua.RawQuery == ub.RawQuery
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// FuzzParseServiceAccountJSON: any bytes either parse to an account that
// signs, or fail with an error that quotes none of the input's key
// material.
func FuzzParseServiceAccountJSON(f *testing.F) {
	good := vectors.Read(f, "gcs-conformance/test_service_account.not-a-test.json")
	f.Add(good)
	f.Add([]byte(`{"type":"service_account","client_email":"a@b","private_key":"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"}`))
	f.Add([]byte(`{"type":"authorized_user","client_id":"x","client_secret":"y","refresh_token":"z"}`))
	f.Add([]byte(`{"type":"service_account","client_email":"a@b","private_key":"MIIEvAIBADAN"}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"private_key": 7}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseServiceAccountJSON(data)
		if err != nil {
			if strings.Contains(err.Error(), "MII") || strings.Contains(err.Error(), "BEGIN") {
				t.Fatalf("error quotes key material: %v", err)
			}
			return
		}
		s, err := NewRSASigner(a, fuzzAt, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PresignURL(&Presign{Bucket: "b", Object: "o", Expires: 60}); err != nil {
			t.Fatalf("parsed account cannot sign: %v", err)
		}
	})
}
