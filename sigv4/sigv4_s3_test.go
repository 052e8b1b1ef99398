package sigv4

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/awssuite"
	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/internal/vectors"
	"github.com/batchsign/batchsign/sigerr"
)

var s3DocVectors = vectors.Path("s3-doc-vectors.md")

var (
	docCreds = Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	docTime  = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
)

// docSection is one numbered section of s3-doc-vectors.md: its canonical
// request, string to sign and signature as published.
type docSection struct {
	canonical, stringToSign, signature, url string
}

func readDocSections(t *testing.T) map[string]docSection {
	t.Helper()
	b, err := os.ReadFile(s3DocVectors)
	if err != nil {
		t.Fatalf("S3 doc vectors: %v", err)
	}
	out := map[string]docSection{}
	sig := regexp.MustCompile("\\*\\*Signature = `([0-9a-f]{64})`\\*\\*")
	for _, sec := range regexp.MustCompile(`(?m)^## `).Split(string(b), -1)[1:] {
		num, _, _ := strings.Cut(sec, ".")
		block := func(after string) string {
			_, rest, ok := strings.Cut(sec, after+"\n```\n")
			if !ok {
				return ""
			}
			body, _, _ := strings.Cut(rest, "\n```")
			return body
		}
		d := docSection{canonical: block("Canonical request:"), stringToSign: block("String to sign:")}
		if m := sig.FindStringSubmatch(sec); m != nil {
			d.signature = m[1]
		}
		d.url = block("Resulting URL (single line; the docs show it with line breaks for readability):")
		out[num] = d
	}
	return out
}

// TestS3DocumentationExamples signs §1–§4 (header auth) of the S3 docs and
// compares with the published canonical requests and signatures.
func TestS3DocumentationExamples(t *testing.T) {
	secs := readDocSections(t)
	const host = "examplebucket.s3.amazonaws.com"
	cases := []struct {
		section string
		req     Request
	}{
		{"1", Request{Method: "GET", Host: host, Path: "/test.txt", Headers: []Header{
			{Name: "Range", Value: "bytes=0-9"},
			{Name: "x-amz-content-sha256", Value: EmptySHA256},
			{Name: "x-amz-date", Value: "20130524T000000Z"},
		}}},
		{"2", Request{Method: "PUT", Host: host, Path: "/test$file.text",
			PayloadHash: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
			Headers: []Header{
				{Name: "Date", Value: "Fri, 24 May 2013 00:00:00 GMT"},
				{Name: "x-amz-storage-class", Value: "REDUCED_REDUNDANCY"},
			}}},
		{"3", Request{Method: "GET", Host: host, Path: "/", Query: "lifecycle"}},
		{"4", Request{Method: "GET", Host: host, Path: "/", Query: "max-keys=2&prefix=J"}},
	}
	for _, tc := range cases {
		t.Run("section"+tc.section, func(t *testing.T) {
			want := secs[tc.section]
			if want.canonical == "" || want.signature == "" {
				t.Fatalf("section %s not found in %s", tc.section, s3DocVectors)
			}
			s, err := NewSigner(docCreds, nil, docTime, Options{Region: "us-east-1", Service: "s3"})
			if err != nil {
				t.Fatal(err)
			}
			c, err := s.Explain(&tc.req, HeaderForm, 0)
			if err != nil {
				t.Fatal(err)
			}
			awssuite.Expect(t, "canonical request", c.CanonicalRequest, want.canonical)
			awssuite.Expect(t, "string to sign", c.StringToSign, want.stringToSign)
			awssuite.Expect(t, "signature", c.Signature, want.signature)
			hs, err := s.SignHeaders(&tc.req)
			if err != nil {
				t.Fatal(err)
			}
			auth := hs[len(hs)-1]
			// The docs print "," between the parts; SDKs (and we) print ", ".
			wantAuth := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=" +
				c.SignedHeaders + ", Signature=" + want.signature
			if auth.Name != "Authorization" || auth.Value != wantAuth {
				t.Errorf("Authorization = %q\nwant %q", auth.Value, wantAuth)
			}
		})
	}
}

// TestS3DocumentationPresignedGET is §5, the aeeed9bb… URL, through the hot
// path and through the general Request path.
func TestS3DocumentationPresignedGET(t *testing.T) {
	want := readDocSections(t)["5"]
	if want.url == "" {
		t.Fatal("§5 URL not found")
	}
	s, err := NewSigner(docCreds, nil, docTime, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.AppendPresignS3(nil, &S3Presign{Host: "examplebucket.s3.amazonaws.com", Key: "test.txt", Expires: 86400})
	if err != nil {
		t.Fatal(err)
	}
	awssuite.Expect(t, "URL", string(got), want.url)
	awssuite.Expect(t, "canonical request", string(s.cr), want.canonical)

	c, err := s.Explain(&Request{Method: "GET", Host: "examplebucket.s3.amazonaws.com", Path: "/test.txt"}, QueryForm, 86400)
	if err != nil {
		t.Fatal(err)
	}
	awssuite.Expect(t, "canonical request (Request path)", c.CanonicalRequest, want.canonical)
	awssuite.Expect(t, "string to sign", c.StringToSign, want.stringToSign)
	awssuite.Expect(t, "signature", c.Signature, want.signature)
}

func newS3Signer(t testing.TB, token string) *Signer {
	t.Helper()
	c := docCreds
	c.SessionToken = token
	s, err := NewSigner(c, nil, docTime, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPresignS3HotPathMatchesGeneralPath: for hostile keys and query
// overrides, the zero-allocation path and the general canonicaliser agree.
func TestPresignS3HotPathMatchesGeneralPath(t *testing.T) {
	keys := []string{
		"a b", "a+b=c&d?e#f%g", "(x)~;,", "/leading", "a//b/./c/../d", "ünïcödé/日本", "e\u0301", // NFD
		strings.Repeat("k", 1024), "", "UPPER/lower.txt", "tab\there", "*'!@$",
	}
	queries := [][]QueryParam{
		nil,
		{{Key: "versionId", Value: "3/L4kqtJl40Nr8X8gdRQBpUMLUo"}},
		{{Key: "response-content-disposition", Value: `attachment; filename="a b.txt"`}, {Key: "response-content-type", Value: "text/plain; charset=utf-8"}},
		{{Key: "Z", Value: "1"}, {Key: "a", Value: "2"}, {Key: "A-b", Value: ""}, {Key: "a", Value: "1"}},
	}
	for _, token := range []string{"", strings.Repeat("T/+=", 240)} {
		s := newS3Signer(t, token)
		for _, key := range keys {
			for _, q := range queries {
				for _, bucket := range []string{"", "my.bucket"} {
					p := S3Presign{Method: "GET", Host: "s3.example.com:9000", Bucket: bucket, Key: key, Query: q, Expires: 3600}
					got, err := s.AppendPresignS3(nil, &p)
					if err != nil {
						t.Fatalf("key %q: %v", key, err)
					}
					path := "/" + key
					if bucket != "" {
						path = "/" + bucket + "/" + key
					}
					var raw []string
					for _, kv := range q {
						raw = append(raw, sigcore.URIEscape(kv.Key, false)+"="+sigcore.URIEscape(kv.Value, false))
					}
					// The general path reads a wire path: encode the key once.
					req := Request{Method: "GET", Host: p.Host, Path: sigcore.URIEscape(path, true), Query: strings.Join(raw, "&")}
					c, err := s.Explain(&req, QueryForm, 3600)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.HasSuffix(string(got), "&X-Amz-Signature="+c.Signature) {
						t.Fatalf("key %q query %v token %d: hot path and general path disagree\n%s", key, q, len(token), got)
					}
				}
			}
		}
	}
}

func TestPresignS3KeepsDoubleSlashAndDots(t *testing.T) {
	s := newS3Signer(t, "")
	got, err := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.amazonaws.com", Key: "a//b/./c/../d", Expires: 60})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "https://b.s3.amazonaws.com/a//b/./c/../d?") {
		t.Fatalf("S3 path was normalised: %s", got)
	}
	if !strings.Contains(string(s.cr), "\n/a//b/./c/../d\n") {
		t.Fatalf("canonical path normalised:\n%s", s.cr)
	}
}

func TestPresignS3EncodesKeyOnce(t *testing.T) {
	s := newS3Signer(t, "")
	got, _ := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "100% a+b~c", Expires: 60})
	if !strings.HasPrefix(string(got), "https://h/100%25%20a%2Bb~c?") {
		t.Fatalf("got %s", got)
	}
}

func TestPresignS3RejectsBadInput(t *testing.T) {
	s := newS3Signer(t, "")
	cases := []struct {
		name  string
		p     S3Presign
		want  error
		field string
	}{
		{"expires zero", S3Presign{Host: "h", Key: "k", Expires: 0}, ErrExpiresRange, "expires"},
		{"expires over a week", S3Presign{Host: "h", Key: "k", Expires: 604801}, ErrExpiresRange, "expires"},
		{"invalid utf-8 key", S3Presign{Host: "h", Key: "ok\xffbad", Expires: 60}, sigerr.ErrInvalidUTF8, "key"},
		{"invalid utf-8 bucket", S3Presign{Host: "h", Bucket: "b\xff", Key: "k", Expires: 60}, sigerr.ErrInvalidUTF8, "bucket"},
		{"invalid utf-8 key before bucket", S3Presign{Host: "h", Bucket: "b\xff", Key: "k\xff", Expires: 60}, sigerr.ErrInvalidUTF8, "key"},
		{"invalid utf-8 key before query", S3Presign{Host: "h", Key: "k\xff", Expires: 60, Query: []QueryParam{{Key: "X-Amz-Signature", Value: "x"}}}, sigerr.ErrInvalidUTF8, "key"},
		{"invalid utf-8 query name", S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "a\xff", Value: "\xff"}}}, sigerr.ErrInvalidUTF8, "query"},
		{"invalid utf-8 query value", S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "a", Value: "\xe2\x82"}}}, sigerr.ErrInvalidUTF8, "query"},
		{"reserved param", S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "X-Amz-Signature", Value: "x"}}}, ErrReservedParam, "query"},
		{"reserved param any case", S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "x-amz-credential", Value: "x"}}}, ErrReservedParam, "query"},
		{"no host", S3Presign{Key: "k", Expires: 60}, sigerr.ErrMissingField, "host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AppendPresignS3(nil, &tc.p)
			var fe *sigerr.FieldError
			if !errors.Is(err, tc.want) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want %v on field %s", err, tc.want, tc.field)
			}
		})
	}
	var ue *sigcore.InvalidUTF8Error
	_, err := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "ok\xffbad", Expires: 60})
	if !errors.As(err, &ue) || ue.Offset != 2 || err.Error() != "key: invalid UTF-8 at byte 2" {
		t.Fatalf("err = %v", err)
	}
	for _, p := range []S3Presign{
		{Host: "h", Bucket: "b\xc3", Key: "ok\xffbad", Expires: 60},
		{Host: "h", Bucket: "bucket", Key: "ok\xffbad", Expires: 60, Query: []QueryParam{{Key: "v", Value: "\xff"}}},
	} {
		if _, err := s.AppendPresignS3(nil, &p); err == nil || err.Error() != "key: invalid UTF-8 at byte 2" {
			t.Fatalf("%+v: err = %v", p, err)
		}
	}
	if _, err := s.AppendPresignS3(nil, &S3Presign{Host: "h", Bucket: "bü\xe2\x82", Key: "k", Expires: 60}); err == nil || err.Error() != "bucket: invalid UTF-8 at byte 3" {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "ok", Value: "é\xed\xa0\x80"}}}); err == nil || err.Error() != "query: invalid UTF-8 at byte 2" {
		t.Fatalf("err = %v", err)
	}
	// 604800 itself is allowed.
	if _, err := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "k", Expires: MaxExpires}); err != nil {
		t.Fatal(err)
	}
}

func TestPresignRejectsURLOutlivingCredentials(t *testing.T) {
	c := docCreds
	c.SessionToken = "tok"
	c.Expires = docTime.Add(time.Hour)
	s, err := NewSigner(c, nil, docTime, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "k", Expires: 3600}); err != nil {
		t.Fatalf("a URL ending with the credentials is fine: %v", err)
	}
	_, err = s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "k", Expires: 3601})
	if !errors.Is(err, ErrOutlivesCredentials) {
		t.Fatalf("err = %v", err)
	}
}

// TestPresignS3SignsSessionToken: the token is inside the canonical query
// (sorted between X-Amz-Expires and X-Amz-SignedHeaders) and in the URL.
func TestPresignS3SignsSessionToken(t *testing.T) {
	s := newS3Signer(t, "a/b+c=")
	got, err := s.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "k", Expires: 60})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(s.cr), "&X-Amz-Expires=60&X-Amz-Security-Token=a%2Fb%2Bc%3D&X-Amz-SignedHeaders=host\n") {
		t.Fatalf("token not signed:\n%s", s.cr)
	}
	if !strings.Contains(string(got), "X-Amz-Security-Token=a%2Fb%2Bc%3D&") {
		t.Fatalf("token not in URL: %s", got)
	}
}

func TestSignerRejectsMismatchedKey(t *testing.T) {
	k := DeriveKey(docCreds.SecretAccessKey, docTime.AddDate(0, 0, -1), "us-east-1", "s3")
	if _, err := NewSigner(docCreds, k, docTime, Options{Region: "us-east-1", Service: "s3"}); !errors.Is(err, sigerr.ErrInvalidValue) {
		t.Fatalf("yesterday's key accepted: %v", err)
	}
}

// TestPresignS3AllocatesNothing is the hot path's contract: zero allocations
// per URL in steady state, with and without a 950-character session token.
func TestPresignS3AllocatesNothing(t *testing.T) {
	for _, token := range []string{"", strings.Repeat("x", 950)} {
		s := newS3Signer(t, token)
		p := S3Presign{Host: "examplebucket.s3.amazonaws.com", Key: "reports/2026/11/report 1.csv",
			Query: []QueryParam{{Key: "response-content-disposition", Value: "attachment"}}, Expires: 3600}
		dst := make([]byte, 0, 4096)
		if _, err := s.AppendPresignS3(dst, &p); err != nil { // warm the scratch buffers
			t.Fatal(err)
		}
		n := testing.AllocsPerRun(200, func() {
			if _, err := s.AppendPresignS3(dst[:0], &p); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("token length %d: %v allocations per presign, want 0", len(token), n)
		}
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRETSECRET", SessionToken: "TOKENTOKEN"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := sprintf(verb, c)
		if strings.Contains(out, "SECRETSECRET") || strings.Contains(out, "TOKENTOKEN") {
			t.Errorf("%s leaks: %s", verb, out)
		}
	}
	s := newS3Signer(t, "TOKENTOKEN")
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		out := sprintf(verb, s)
		if strings.Contains(out, docCreds.SecretAccessKey) || strings.Contains(out, "TOKENTOKEN") {
			t.Errorf("Signer %s leaks: %s", verb, out)
		}
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func TestEncodeHexMatchesStdlib(t *testing.T) {
	src := make([]byte, 256)
	for i := range src {
		src[i] = byte(i)
	}
	dst := make([]byte, 512)
	encodeHex(dst, src)
	if string(dst) != hex.EncodeToString(src) {
		t.Fatalf("encodeHex differs from encoding/hex")
	}
}

func TestCredentialsRedactedInJSONAndSlog(t *testing.T) {
	c := Credentials{AccessKeyID: "AKID", SecretAccessKey: "SECRETSECRET", SessionToken: "TOKENTOKEN"}
	b, err := json.Marshal(struct{ C Credentials }{c})
	if err != nil || strings.Contains(string(b), "SECRETSECRET") || strings.Contains(string(b), "TOKENTOKEN") {
		t.Fatalf("json: %s %v", b, err)
	}
	var buf strings.Builder
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "creds", c)
	if strings.Contains(buf.String(), "SECRETSECRET") {
		t.Fatalf("slog leaks: %s", buf.String())
	}
}

// TestPresignS3EveryBackendEveryPrefixLength signs under every SHA-256
// choice and checks each signature against keycache's reference HMAC of the
// string to sign. Region lengths from 1 to 80 move the string-to-sign prefix
// across every offset in a block, so the block backend's split of that
// prefix into absorbed blocks and a carried tail (and its one- or two-block
// padding) is exercised at every boundary; keys of 0 to 200 bytes do the
// same for the canonical request.
func TestPresignS3EveryBackendEveryPrefixLength(t *testing.T) {
	sha256block.ForEachBackend(func(name string) {
		t.Run(name, func(t *testing.T) {
			for n := 1; n <= 80; n++ {
				region := strings.Repeat("r", n)
				for _, token := range []string{"", "FQoGZXIvYXdzEJr//////////wEaDOKEN=="} {
					c := docCreds
					c.SessionToken = token
					key := DeriveKey(c.SecretAccessKey, docTime, region, "s3")
					s, err := NewSigner(c, key, docTime, Options{Region: region, Service: "s3"})
					if err != nil {
						t.Fatal(err)
					}
					objectKey := strings.Repeat("k", (n*7)%200)
					p := S3Presign{Host: "b.s3.amazonaws.com", Key: objectKey, Expires: 3600}
					url, err := s.AppendPresignS3(nil, &p)
					if err != nil {
						t.Fatal(err)
					}
					ex, err := s.Explain(&Request{Method: "GET", Host: p.Host, Path: "/" + objectKey}, QueryForm, 3600)
					if err != nil {
						t.Fatal(err)
					}
					want := hex.EncodeToString(key.Sum(nil, []byte(ex.StringToSign)))
					if !strings.HasSuffix(string(url), "&X-Amz-Signature="+want) || ex.Signature != want {
						t.Fatalf("region length %d token %q: signature %s (Explain %s), reference %s", n, token, url[strings.LastIndexByte(string(url), '=')+1:], ex.Signature, want)
					}
				}
			}
			TestPresignS3AllocatesNothing(t)
		})
	})
}

func TestEncodeHexWordsMatchesStdlib(t *testing.T) {
	for _, h := range [][8]uint32{
		{},
		{0xffffffff, 0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210, 0x0a0b0c0d, 0x9f9f9f9f, 0xa0a0a0a0},
		{0x00000009, 0x0000000a, 0x90000000, 0xa0000000, 0x12, 0x3456, 0x789abc, 0xdef01234},
	} {
		var b [32]byte
		for i, w := range h {
			b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
		}
		var got [64]byte
		encodeHexWords(got[:], &h)
		if want := hex.EncodeToString(b[:]); string(got[:]) != want {
			t.Errorf("encodeHexWords(%08x) = %s, want %s", h, got, want)
		}
	}
}

// TestPresignS3ReusedSignerMatchesFreshSigner: a Signer keeps per-expiry and
// per-host pieces between presigns; rows that change host, expiry and
// parameters in every order must sign exactly as a fresh Signer does.
func TestPresignS3ReusedSignerMatchesFreshSigner(t *testing.T) {
	reused := newS3Signer(t, "tok")
	hosts := []string{"a.s3.amazonaws.com", "b.s3.amazonaws.com", "a.s3.amazonaws.com:8443"}
	queries := [][]QueryParam{nil, {{Key: "versionId", Value: "v1"}}, nil, {{Key: "a", Value: "1"}, {Key: "z", Value: "2"}}}
	for i := range 48 {
		p := S3Presign{Host: hosts[i%len(hosts)], Key: fmt.Sprintf("k/%d", i), Query: queries[i%len(queries)], Expires: []int64{60, 604800, 7, 3600, 86400}[i/3%5]}
		got, err := reused.AppendPresignS3(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := newS3Signer(t, "tok").AppendPresignS3(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("row %d: reused signer\n%s\nfresh signer\n%s", i, got, want)
		}
	}
}
