package sigv4

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/sigerr"
)

func lookupOf(ak, secret string) SecretLookup {
	return func(id string) (string, bool) {
		if id == ak {
			return secret, true
		}
		return "", false
	}
}

// notOnTheWire are the suite cases whose request line holds bytes no
// HTTP/1.1 request target carries (a raw space, raw UTF-8). AWS's suite signs
// them as written; a verifier that judges URLs as a server receives them
// calls them malformed, as batchsign's signers refuse to sign them. A raw
// query is also verified in the form a client sends (percent-encoded), which
// canonicalises alike.
var notOnTheWire = map[string]bool{
	"get-space-normalized": true, "get-space-unnormalized": true, "get-utf8": true, "get-vanilla-utf8-query": true,
}

// wireEscape percent-encodes the bytes of s a request target cannot carry
// as they are.
func wireEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			b.WriteString("%" + strings.ToUpper(hexString([]byte{c})))
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// TestVerifyOfficialSuite verifies every signed request of the official
// suite, both forms: requests signed by AWS's reference, not by us.
func TestVerifyOfficialSuite(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(suiteRoot, "*"))
	if len(dirs) != 38 {
		t.Fatalf("found %d suite cases", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var ctx suiteContext
			if err := json.Unmarshal([]byte(readSuiteFile(t, dir, "context.json")), &ctx); err != nil {
				t.Fatal(err)
			}
			now, _ := time.Parse(time.RFC3339, ctx.Timestamp)
			opts := VerifyOptions{Now: now.Add(time.Minute), Region: ctx.Region, Service: ctx.Service,
				DisablePathNormalization: !ctx.Normalize, TokenAfterSigning: ctx.OmitSessionToken}
			lookup := lookupOf(ctx.Credentials.AccessKeyID, ctx.Credentials.SecretAccessKey)
			payload := ""
			if ctx.SignBody {
				sum := sha256block.Sum256([]byte(parseRawRequest(t, readSuiteFile(t, dir, "request.txt")).body))
				payload = hexString(sum[:])
			}
			for _, form := range []string{"header", "query"} {
				rr := parseRawRequest(t, readSuiteFile(t, dir, form+"-signed-request.txt"))
				verify := func(url string) error {
					if form == "header" {
						return VerifyRequest(rr.method, url, rr.headers, payload, lookup, opts)
					}
					return VerifyPresignedURL(rr.method, url, rr.headers, payload, lookup, opts)
				}
				err := verify("https://" + rr.host + target(rr.path, rr.query))
				if notOnTheWire[filepath.Base(dir)] {
					var ve *sigerr.VerifyError
					if !errors.As(err, &ve) || ve.Reason != sigerr.ErrMalformed || ve.Field != "url" {
						t.Errorf("%s form: a request target with raw bytes: %v, want malformed url", form, err)
					}
					if wireEscape(rr.path) != rr.path {
						continue // a generic service signs the wire path escaped again: no wire form signs alike
					}
					err = verify("https://" + rr.host + target(rr.path, wireEscape(rr.query)))
				}
				if err != nil {
					t.Errorf("%s form: %v", form, err)
				}
			}
		})
	}
}

func TestVerifyPresignedS3RoundTripAndReasons(t *testing.T) {
	s := newS3Signer(t, "tok/en+=")
	u, err := s.AppendPresignS3(nil, &S3Presign{Host: "bucket.s3.us-east-1.amazonaws.com", Key: "a b/ü+c", Expires: 3600,
		Query: []QueryParam{{Key: "response-content-disposition", Value: `attachment; filename="x y"`}}})
	if err != nil {
		t.Fatal(err)
	}
	url := string(u)
	lookup := lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey)
	at := func(d time.Duration) VerifyOptions {
		return VerifyOptions{Now: docTime.Add(d), Region: "us-east-1", Service: "s3"}
	}
	if err := VerifyPresignedURL("GET", url, nil, "", lookup, at(time.Minute)); err != nil {
		t.Fatalf("own URL does not verify: %v", err)
	}
	cases := []struct {
		name   string
		method string
		url    string
		opts   VerifyOptions
		lookup SecretLookup
		want   sigerr.VerifyReason
	}{
		{"expired", "GET", url, at(3601 * time.Second), lookup, sigerr.ErrExpired},
		{"not yet valid", "GET", url, at(-16 * time.Minute), lookup, sigerr.ErrNotYetValid},
		{"unknown key", "GET", url, at(0), lookupOf("OTHER", "x"), sigerr.ErrUnknownKey},
		{"wrong secret", "GET", url, at(0), lookupOf(docCreds.AccessKeyID, "wrong"), sigerr.ErrSignatureMismatch},
		{"wrong region", "GET", url, VerifyOptions{Now: docTime, Region: "eu-west-1", Service: "s3"}, lookup, sigerr.ErrWrongScope},
		{"wrong service", "GET", url, VerifyOptions{Now: docTime, Service: "sqs"}, lookup, sigerr.ErrWrongScope},
		{"other method", "PUT", url, at(0), lookup, sigerr.ErrSignatureMismatch},
		{"no signature", "GET", strings.Split(url, "&X-Amz-Signature=")[0], at(0), lookup, sigerr.ErrMalformed},
		{"duplicate parameter", "GET", url + "&X-Amz-Date=20130524T000000Z", at(0), lookup, sigerr.ErrMalformed},
		{"not a URL", "GET", "bucket/key", at(0), lookup, sigerr.ErrMalformed},
		{"host not signed", "GET", strings.Replace(url, "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date", 1), at(0), lookup, sigerr.ErrUnsignedHeader},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyPresignedURL(tc.method, tc.url, nil, "", tc.lookup, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), docCreds.SecretAccessKey) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

// TestVerifyDetectsEveryByteChange: changing any one byte of the URL after
// the scheme (path, query names and values, date, expiry, credential,
// signature) must not verify. This is the round-trip property.
func TestVerifyDetectsEveryByteChange(t *testing.T) {
	for _, token := range []string{"", "session-token"} {
		s := newS3Signer(t, token)
		u, _ := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.us-east-1.amazonaws.com", Key: "dir/file (1).txt", Expires: 900,
			Query: []QueryParam{{Key: "versionId", Value: "v1"}}})
		url := string(u)
		opts := VerifyOptions{Now: docTime}
		lookup := lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey)
		if err := VerifyPresignedURL("GET", url, nil, "", lookup, opts); err != nil {
			t.Fatal(err)
		}
		start := len("https://")
		for i := start; i < len(url); i++ {
			for _, repl := range []byte{'A', '0', '%', '/'} {
				if url[i] == repl {
					continue
				}
				bad := url[:i] + string(repl) + url[i+1:]
				if err := VerifyPresignedURL("GET", bad, nil, "", lookup, opts); err == nil {
					t.Fatalf("byte %d changed to %q still verifies: %s", i, repl, bad)
				}
			}
		}
	}
}

func TestVerifyRequestHeaderForm(t *testing.T) {
	s := newS3Signer(t, "")
	const body = "Welcome to Amazon S3."
	sum := sha256block.Sum256([]byte(body))
	payload := hexString(sum[:])
	r := Request{Method: "PUT", Host: "examplebucket.s3.amazonaws.com", Path: "/test$file.text", PayloadHash: payload,
		Headers: []Header{{Name: "x-amz-storage-class", Value: "REDUCED_REDUNDANCY"}}}
	added, err := s.SignHeaders(&r)
	if err != nil {
		t.Fatal(err)
	}
	headers := append(append([]Header{}, r.Headers...), added...)
	url := "https://examplebucket.s3.amazonaws.com/test$file.text"
	lookup := lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey)
	opts := VerifyOptions{Now: docTime.Add(10 * time.Minute)}
	if err := VerifyRequest("PUT", url, headers, payload, lookup, opts); err != nil {
		t.Fatalf("own request does not verify: %v", err)
	}
	otherBody := sha256block.Sum256([]byte("tampered"))
	cases := []struct {
		name    string
		headers []Header
		payload string
		opts    VerifyOptions
		want    sigerr.VerifyReason
	}{
		{"clock skew", headers, payload, VerifyOptions{Now: docTime.Add(16 * time.Minute)}, sigerr.ErrClockSkew},
		{"clock skew before", headers, payload, VerifyOptions{Now: docTime.Add(-16 * time.Minute)}, sigerr.ErrClockSkew},
		{"body changed", headers, hexString(otherBody[:]), opts, sigerr.ErrContentHashMismatch},
		{"header value changed", replaceHeader(headers, "x-amz-storage-class", "STANDARD"), payload, opts, sigerr.ErrSignatureMismatch},
		{"unsigned x-amz header added", append(append([]Header{}, headers...), Header{Name: "x-amz-acl", Value: "public-read"}), payload, opts, sigerr.ErrUnsignedHeader},
		{"no authorization", headers[:len(headers)-1], payload, opts, sigerr.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyRequest("PUT", url, tc.headers, tc.payload, lookup, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func replaceHeader(hs []Header, name, value string) []Header {
	out := append([]Header{}, hs...)
	for i := range out {
		if strings.EqualFold(out[i].Name, name) {
			out[i].Value = value
		}
	}
	return out
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestVerifierReusesSignersSafely: one Verifier judges URLs of different
// keys, tokens and instants in any order with the same answers as fresh
// verification, and prints no secret.
func TestVerifierReusesSignersSafely(t *testing.T) {
	lookup := func(id string) (string, bool) {
		switch id {
		case docCreds.AccessKeyID:
			return docCreds.SecretAccessKey, true
		case "AKIDOTHER":
			return "other-secret", true
		}
		return "", false
	}
	var urls []string
	for i, c := range []Credentials{docCreds, {AccessKeyID: "AKIDOTHER", SecretAccessKey: "other-secret", SessionToken: "tok"}} {
		for j, at := range []time.Time{docTime, docTime.Add(time.Minute)} {
			s, err := NewSigner(c, nil, at, Options{Region: "us-east-1", Service: "s3"})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: strings.Repeat("k", i+j+1), Expires: 600})
			urls = append(urls, string(u))
		}
	}
	v := NewVerifier(lookup, VerifyOptions{Now: docTime.Add(2 * time.Minute)})
	for round := 0; round < 3; round++ {
		for i, u := range urls {
			if err := v.PresignedURL("GET", u, nil, ""); err != nil {
				t.Fatalf("round %d url %d: %v", round, i, err)
			}
			if err := v.PresignedURL("GET", tamperLast(u), nil, ""); !errors.Is(err, sigerr.ErrSignatureMismatch) {
				t.Fatalf("round %d url %d tampered: %v", round, i, err)
			}
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		if out := sprintf(verb, v); strings.Contains(out, "other-secret") || strings.Contains(out, docCreds.SecretAccessKey) {
			t.Fatalf("%s leaks: %s", verb, out)
		}
	}
}

func tamperLast(u string) string {
	if u[len(u)-1] == '0' {
		return u[:len(u)-1] + "1"
	}
	return u[:len(u)-1] + "0"
}
