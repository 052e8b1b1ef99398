package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"
	"github.com/batchsign/batchsign/sigerr"
)

// postDoc is testdata/s3-post-example.md: the S3 documentation's
// browser-upload example.
type postDoc struct {
	policy, signature string
	form              []PostField // the example form's fields, action first
}

func loadPostDoc(t *testing.T) postDoc {
	t.Helper()
	md := string(vectors.Read(t, "s3-post-example.md"))
	block := func(tag string) string {
		m := regexp.MustCompile("(?s)```" + tag + "\n(.*?)\n```").FindStringSubmatch(md)
		if m == nil {
			t.Fatalf("s3-post-example.md: no %s block", tag)
		}
		return m[1]
	}
	d := postDoc{policy: block("policy-base64"), signature: block("signature")}
	for _, line := range strings.Split(block("form"), "\n") {
		name, value, _ := strings.Cut(line, "=")
		d.form = append(d.form, PostField{Name: name, Value: value})
	}
	return d
}

// TestS3DocumentationPostPolicy signs the documentation's own base64 policy
// (CRLF line endings inside) and gets its signature, 8afdbf40…699e.
func TestS3DocumentationPostPolicy(t *testing.T) {
	d := loadPostDoc(t)
	raw, err := base64.StdEncoding.DecodeString(d.policy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\r\n")) || bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) {
		t.Fatal("the documentation's policy should have CRLF line endings, and only those")
	}
	at := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	s, err := NewSigner(docCreds, nil, at, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.AppendPostSignature(nil, d.policy)); got != d.signature {
		t.Fatalf("signature %s, want %s", got, d.signature)
	}
	// The same policy with LF endings is another string to sign.
	lf := base64.StdEncoding.EncodeToString(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")))
	if got := string(s.AppendPostSignature([]byte("x"), lf)); got[1:] == d.signature || got[0] != 'x' {
		t.Fatalf("LF policy: %s", got)
	}
}

// docPostPolicy is the documentation example's upload slot as a PostPolicy.
func docPostPolicy() *PostPolicy {
	return &PostPolicy{
		URL:       "http://sigv4examplebucket.s3.amazonaws.com/",
		Bucket:    "sigv4examplebucket",
		KeyPrefix: "user/user1/",
		Expires:   36 * 3600, // 2015-12-30T12:00:00Z
		Fields: []PostField{
			{Name: "acl", Value: "public-read"},
			{Name: "success_action_redirect", Value: "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
			{Name: "x-amz-meta-uuid", Value: "14365123651274"},
			{Name: "x-amz-server-side-encryption", Value: "AES256"},
		},
		Conditions: []PostCondition{StartsWith("Content-Type", "image/"), StartsWith("$x-amz-meta-tag", "")},
	}
}

// TestSignPostPolicyMatchesDocumentationExample builds the documentation's
// upload slot: the policy has the same expiration and the same conditions
// as the page's (our document has no spaces nor CRLFs, and another order),
// the signature is the HMAC of its base64 under the day's key, computed
// here with crypto/hmac, and the form has the page's fields.
func TestSignPostPolicyMatchesDocumentationExample(t *testing.T) {
	d := loadPostDoc(t)
	at := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	s, err := NewSigner(docCreds, nil, at, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	form, err := s.SignPostPolicy(docPostPolicy())
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, f := range form.Fields {
		fields[strings.ToLower(f.Name)] = f.Value
	}

	type policy struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	parse := func(b64 string) (p policy, conds []string) {
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("%v in %s", err, raw)
		}
		for _, c := range p.Conditions {
			var v any
			if err := json.Unmarshal(c, &v); err != nil {
				t.Fatal(err)
			}
			norm, _ := json.Marshal(v)
			conds = append(conds, string(norm))
		}
		slices.Sort(conds)
		return p, conds
	}
	want, wantConds := parse(d.policy)
	got, gotConds := parse(fields["policy"])
	if got.Expiration != want.Expiration {
		t.Errorf("expiration %s, want %s", got.Expiration, want.Expiration)
	}
	if !slices.Equal(gotConds, wantConds) {
		t.Errorf("conditions\n got %q\nwant %q", gotConds, wantConds)
	}

	k := []byte("AWS4" + docCreds.SecretAccessKey)
	for _, m := range []string{"20151229", "us-east-1", "s3", "aws4_request"} {
		h := hmac.New(sha256.New, k)
		h.Write([]byte(m))
		k = h.Sum(nil)
	}
	h := hmac.New(sha256.New, k)
	h.Write([]byte(fields["policy"]))
	if sig := hex.EncodeToString(h.Sum(nil)); fields["x-amz-signature"] != sig {
		t.Errorf("x-amz-signature %s, want %s", fields["x-amz-signature"], sig)
	}

	if d.form[0].Name != "action" || form.URL != d.form[0].Value {
		t.Errorf("URL %s, want %s", form.URL, d.form[0].Value)
	}
	for _, f := range d.form[1:] {
		v, ok := fields[strings.ToLower(f.Name)]
		switch strings.ToLower(f.Name) {
		case "content-type", "x-amz-meta-tag": // starts-with: the browser fills them in
			if ok {
				t.Errorf("form has %s, which the browser chooses", f.Name)
			}
		default:
			if v != f.Value {
				t.Errorf("field %s = %q, want %q", f.Name, v, f.Value)
			}
		}
	}
	names := make([]string, len(form.Fields))
	for i, f := range form.Fields {
		names[i] = f.Name
	}
	wantNames := []string{"key", "acl", "success_action_redirect", "x-amz-meta-uuid", "x-amz-server-side-encryption",
		"x-amz-algorithm", "x-amz-credential", "x-amz-date", "policy", "x-amz-signature"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("field order %q, want %q", names, wantNames)
	}
}

// TestSignPostPolicySignsSessionToken: temporary credentials put their
// token in the form and in the policy.
func TestSignPostPolicySignsSessionToken(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	c := docCreds
	c.SessionToken, c.Expires = "FwoGZXIvYXdzEBY//token+with/special=", at.Add(2*time.Hour)
	s, err := NewSigner(c, nil, at, Options{Region: "eu-west-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	form, err := s.SignPostPolicy(&PostPolicy{URL: "https://b.s3.eu-west-1.amazonaws.com/", Bucket: "b", Key: "k", Expires: 3600})
	if err != nil {
		t.Fatal(err)
	}
	var tok, pol string
	for _, f := range form.Fields {
		switch f.Name {
		case "x-amz-security-token":
			tok = f.Value
		case "policy":
			pol = f.Value
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(pol)
	if tok != c.SessionToken || !bytes.Contains(raw, []byte(`{"x-amz-security-token":"`+c.SessionToken+`"}`)) {
		t.Fatalf("token %q, policy %s", tok, raw)
	}
	want := `{"expiration":"2026-11-23T13:00:00.000Z","conditions":[{"bucket":"b"},{"key":"k"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},` +
		`{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20261123/eu-west-1/s3/aws4_request"},{"x-amz-date":"20261123T120000Z"},` +
		`{"x-amz-security-token":"FwoGZXIvYXdzEBY//token+with/special="}]}`
	if string(raw) != want {
		t.Fatalf("policy\n%s\nwant\n%s", raw, want)
	}
	if _, err := s.SignPostPolicy(&PostPolicy{URL: "https://b.s3.eu-west-1.amazonaws.com/", Bucket: "b", Key: "k", Expires: 3 * 3600}); !errors.Is(err, ErrOutlivesCredentials) {
		t.Fatalf("a policy outliving the credentials: %v", err)
	}
}

// TestSignPostPolicyRejectsBadInput names the field at fault.
func TestSignPostPolicyRejectsBadInput(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s, err := NewSigner(docCreds, nil, at, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	ok := func() *PostPolicy {
		return &PostPolicy{URL: "https://b.s3.amazonaws.com/", Bucket: "b", KeyPrefix: "u/", Expires: 60}
	}
	for _, c := range []struct {
		name  string
		edit  func(*PostPolicy)
		field string
		is    error
	}{
		{"no key", func(p *PostPolicy) { p.KeyPrefix = "" }, "key", sigerr.ErrMissingField},
		{"key and prefix", func(p *PostPolicy) { p.Key = "k" }, "key_prefix", sigerr.ErrInvalidValue},
		{"no bucket", func(p *PostPolicy) { p.Bucket = "" }, "bucket", sigerr.ErrMissingField},
		{"bad key", func(p *PostPolicy) { p.KeyPrefix = "a\xff" }, "key_prefix", sigerr.ErrInvalidUTF8},
		{"expiry 0", func(p *PostPolicy) { p.Expires = 0 }, "expires", ErrExpiresRange},
		{"expiry 8 days", func(p *PostPolicy) { p.Expires = 8 * 86400 }, "expires", ErrExpiresRange},
		{"bad url", func(p *PostPolicy) { p.URL = "ftp://x/" }, "url", nil},
		{"reserved field", func(p *PostPolicy) { p.Fields = []PostField{{Name: "X-Amz-Signature", Value: "x"}} }, "fields", sigerr.ErrInvalidValue},
		{"twice", func(p *PostPolicy) {
			p.Fields = []PostField{{Name: "acl", Value: "private"}, {Name: "ACL", Value: "public-read"}}
		}, "fields", sigerr.ErrInvalidValue},
		{"empty name", func(p *PostPolicy) { p.Fields = []PostField{{Name: "", Value: "x"}} }, "fields", sigerr.ErrMissingField},
		{"bad range", func(p *PostPolicy) { p.Conditions = []PostCondition{ContentLengthRange(10, 1)} }, "content_length_range", sigerr.ErrInvalidValue},
		{"zero condition", func(p *PostPolicy) { p.Conditions = []PostCondition{{}} }, "conditions", sigerr.ErrInvalidValue},
	} {
		p := ok()
		c.edit(p)
		form, err := s.SignPostPolicy(p)
		var fe *sigerr.FieldError
		if form != nil || !errors.As(err, &fe) || fe.Field != c.field || (c.is != nil && !errors.Is(err, c.is)) {
			t.Errorf("%s: form %v, error %v; want field %s, %v", c.name, form, err, c.field, c.is)
		}
	}
	// A StartsWith("key", "") condition is an explicit "any key".
	p := ok()
	p.KeyPrefix, p.Conditions = "", []PostCondition{StartsWith("key", "")}
	if _, err := s.SignPostPolicy(p); err != nil {
		t.Fatal(err)
	}
}

// TestPostPolicyEscapesJSON: quotes, backslashes and control characters in
// values stay one JSON string; UTF-8 passes as it is.
func TestPostPolicyEscapesJSON(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s, err := NewSigner(docCreds, nil, at, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	key := "a\"b\\c\td\x00é/\u2028"
	form, err := s.SignPostPolicy(&PostPolicy{URL: "https://b.s3.amazonaws.com/", Bucket: "b", Key: key, Expires: 60,
		Fields: []PostField{{Name: "x-amz-meta-q", Value: `"}],"x":["`}}})
	if err != nil {
		t.Fatal(err)
	}
	var pol string
	for _, f := range form.Fields {
		if f.Name == "policy" {
			pol = f.Value
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(pol)
	var doc struct{ Conditions []any }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if got := doc.Conditions[1].(map[string]any)["key"]; got != key {
		t.Fatalf("key %q, want %q", got, key)
	}
	if got := doc.Conditions[2].(map[string]any)["x-amz-meta-q"]; got != `"}],"x":["` {
		t.Fatalf("field %q", got)
	}
}

// TestSignPostPolicyAllocations bounds the allocations of one form: the
// policy document, its base64, the form and its signature text.
func TestSignPostPolicyAllocations(t *testing.T) {
	at := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	s, err := NewSigner(docCreds, nil, at, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	p := docPostPolicy()
	n := testing.AllocsPerRun(100, func() {
		if _, err := s.SignPostPolicy(p); err != nil {
			t.Fatal(err)
		}
	})
	if n > 12 {
		t.Fatalf("%.0f allocations per form, want at most 12", n)
	}
}
