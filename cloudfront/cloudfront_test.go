package cloudfront

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"
	"github.com/batchsign/batchsign/sigerr"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	return vectors.Read(t, "cloudfront/"+name)
}

func testSigner(t testing.TB) *Signer {
	t.Helper()
	k, err := ParsePrivateKeyPEM(readFile(t, "private_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner("K2JCJMDEHXQW5F", k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testVerifier(t testing.TB, now time.Time) *Verifier {
	pub, err := ParsePublicKeyPEM(readFile(t, "public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return NewVerifier(func(id string) (*rsa.PublicKey, bool) { return pub, id == "K2JCJMDEHXQW5F" }, VerifyOptions{Now: now})
}

// docExamples reads testdata/aws-doc-examples.txt (see its README).
func docExamples(t *testing.T) map[string]string {
	m := map[string]string{}
	for line := range strings.Lines(string(readFile(t, "aws-doc-examples.txt"))) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		m[name] = v
	}
	return m
}

// queryValue returns the value of name in rawURL's query.
func queryValue(rawURL, name string) string {
	_, q, _ := strings.Cut(rawURL, "?")
	for part := range strings.SplitSeq(q, "&") {
		if k, v, _ := strings.Cut(part, "="); k == name {
			return v
		}
	}
	return ""
}

func withParam(rawURL, name, value string) string {
	old := name + "=" + queryValue(rawURL, name)
	i := strings.Index(rawURL, "?"+old)
	if i < 0 {
		i = strings.Index(rawURL, "&"+old)
	}
	return rawURL[:i+1] + name + "=" + value + rawURL[i+1+len(old):]
}

// TestCannedURLHasTheDocumentationsShape signs the guide's canned example
// (its URL, expiry and key pair id) and gets its URL, but for the
// signature, which in the guide is not real.
func TestCannedURLHasTheDocumentationsShape(t *testing.T) {
	ex := docExamples(t)["canned-url"]
	base, _, _ := strings.Cut(ex, "&Expires=")
	got, err := testSigner(t).SignedURL(base, &Policy{Expires: time.Unix(1767290400, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if want := withParam(ex, "Signature", queryValue(got, "Signature")); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if err := testVerifier(t, time.Unix(1767290399, 0)).SignedURL(got); err != nil {
		t.Errorf("verify: %v", err)
	}
}

// TestCannedPolicyIsTheDocumentedStatement: the canned policy is the
// guide's statement with its two placeholders filled, byte for byte.
func TestCannedPolicyIsTheDocumentedStatement(t *testing.T) {
	format := docExamples(t)["canned-policy-format"]
	want := strings.NewReplacer("base URL or stream name", "https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium",
		"ending date and time in Unix time format and UTC", "1767290400").Replace(format)
	got := appendPolicyJSON(nil, "https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium", &Policy{Expires: time.Unix(1767290400, 0)})
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if want != `{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]}` {
		t.Errorf("the guide's format changed: %s", want)
	}
}

// TestCustomPolicyIsTheDocumentationsExample: the guide's example custom
// policy, parsed, has the documented values; written by this package it
// is the guide's document without its white space, byte for byte.
func TestCustomPolicyIsTheDocumentationsExample(t *testing.T) {
	ex := docExamples(t)
	doc, err := decodeEncoded(ex["custom-policy-repaired"])
	if err != nil {
		t.Fatal(err)
	}
	st, err := parsePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := statement{resource: "http://dzbesqm7un1m0.cloudfront.net/demo.php", expires: 1296860226, notBefore: 1296860176, sourceIP: "207.171.180.101/32"}
	if st != want {
		t.Fatalf("parsed %+v, want %+v", st, want)
	}
	p := Policy{Resource: st.resource, Expires: time.Unix(st.expires, 0), NotBefore: time.Unix(st.notBefore, 0), SourceIP: st.sourceIP}
	got := appendPolicyJSON(nil, p.Resource, &p)
	compact := strings.NewReplacer(" ", "", "\r", "", "\n", "").Replace(string(doc))
	if string(got) != compact {
		t.Errorf("got  %s\nwant %s", got, compact)
	}
	// The URL's shape: the user's query, then Policy, Signature,
	// Key-Pair-Id.
	base, _, _ := strings.Cut(ex["custom-url"], "&Policy=")
	url, err := testSigner(t).SignedURL(base, &p)
	if err != nil {
		t.Fatal(err)
	}
	shape := withParam(withParam(ex["custom-url"], "Policy", queryValue(url, "Policy")), "Signature", queryValue(url, "Signature"))
	if url != shape {
		t.Errorf("got\n%s\nwant\n%s", url, shape)
	}
}

func TestSignedURLAppendsToTheQuery(t *testing.T) {
	s := testSigner(t)
	exp := &Policy{Expires: time.Unix(2000000000, 0)}
	for _, tc := range []struct{ url, sep string }{
		{"https://d.example.com/a%20b/c.txt", "?"},
		{"https://d.example.com/a/c.txt?versionId=3", "&"},
		{"http://d.example.com:8080/", "?"},
		{"https://d.example.com/%E2%82%AC/x+y!$'()*,;=:@", "?"},
	} {
		got, err := s.SignedURL(tc.url, exp)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if !strings.HasPrefix(got, tc.url+tc.sep+"Expires=2000000000&Signature=") || !strings.HasSuffix(got, "&Key-Pair-Id=K2JCJMDEHXQW5F") {
			t.Errorf("%s: got %s", tc.url, got)
		}
		if strings.ContainsAny(queryValue(got, "Signature"), "+=/") {
			t.Errorf("signature not CloudFront base64: %s", got)
		}
		if err := testVerifier(t, time.Unix(1999999999, 0)).SignedURL(got); err != nil {
			t.Errorf("%s: %v", got, err)
		}
	}
}

func TestSignedURLRefusesWhatItCannotSignAsWritten(t *testing.T) {
	s := testSigner(t)
	for _, tc := range []struct {
		url   string
		p     Policy
		field string
	}{
		{"https://d.example.com/a b", Policy{}, "url"},
		{"https://d.example.com/a#b", Policy{}, "url"},
		{"https://d.example.com/a?", Policy{}, "url"},
		{"https://d.example.com/a?x=1&", Policy{}, "url"},
		{"https://d.example.com/a?Expires=1", Policy{}, "url"},
		{"https://d.example.com/a?Key-Pair-Id=1", Policy{}, "url"},
		{"ftp://d.example.com/a", Policy{}, "url"},
		{"https://user:pw@d.example.com/a", Policy{}, "url"},
		{"https://d.example.com/a", Policy{SourceIP: "10.0.0.1"}, "ip_address"},
		{"https://d.example.com/a", Policy{SourceIP: "ten/8"}, "ip_address"},
		{"https://d.example.com/a", Policy{Resource: "https://d.example.com/\"*"}, "resource"},
		{"https://d.example.com/a", Policy{NotBefore: time.Unix(2000000001, 0)}, "not_before"},
	} {
		p := tc.p
		p.Expires = time.Unix(2000000000, 0)
		_, err := s.SignedURL(tc.url, &p)
		var fe *sigerr.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s %+v: got %v, want an error naming %s", tc.url, tc.p, err, tc.field)
		}
	}
	if _, err := s.SignedURL("https://d.example.com/a", &Policy{}); err == nil {
		t.Error("no expiry: signed")
	}
}

func TestKeysRefused(t *testing.T) {
	pkcs8, err := ParsePrivateKeyPEM(readFile(t, "private_key_pkcs8.pem"))
	if err != nil {
		t.Fatal("PKCS #8:", err)
	}
	if !pkcs8.Equal(testSigner(t).key) {
		t.Error("PKCS #8 and PKCS #1 files hold different keys")
	}
	encPKCS8 := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0}})
	for name, data := range map[string][]byte{
		"encrypted PKCS #1": readFile(t, "encrypted_key.pem"),
		"encrypted PKCS #8": encPKCS8,
		"EC":                readFile(t, "ec_key.pem"),
		"public":            readFile(t, "public_key.pem"),
		"not PEM":           []byte("MIIEpQIBAAKCAQEAxAmk"),
	} {
		_, err := ParsePrivateKeyPEM(data)
		if !errors.Is(err, ErrNotKey) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Contains(err.Error(), "MII") {
			t.Errorf("%s: error quotes the key: %v", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := ParsePrivateKeyPEM(readFile(t, "encrypted_key.pem")); !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted key: %v does not say so", err)
	}
	if _, err := ParsePrivateKeyPEM(readFile(t, "ec_key.pem")); !strings.Contains(err.Error(), "not RSA") && !strings.Contains(err.Error(), "EC PRIVATE KEY") {
		t.Errorf("EC key: %v", err)
	}
	if _, err := NewSigner("", testSigner(t).key); err == nil {
		t.Error("empty key pair id accepted")
	}
}

func TestSignerNeverPrintsItsKey(t *testing.T) {
	s := testSigner(t)
	b, _ := json.Marshal(struct{ S *Signer }{s})
	for _, out := range []string{s.String(), s.GoString(), string(b)} {
		if !strings.Contains(out, "K2JCJMDEHXQW5F") || strings.Contains(out, s.key.D.String()[:20]) {
			t.Errorf("printed %q", out)
		}
	}
}

func TestVerifyReasons(t *testing.T) {
	s := testSigner(t)
	now := time.Unix(1900000000, 0)
	exp := now.Add(time.Hour)
	canned, _ := s.SignedURL("https://d.example.com/exports/42/a.csv", &Policy{Expires: exp})
	custom, _ := s.SignedURL("https://d.example.com/exports/42/a.csv?v=2", &Policy{Expires: exp, Resource: "https://d.example.com/exports/42/*", NotBefore: now.Add(-time.Minute), SourceIP: "192.0.2.0/24"})
	// A prefix policy's parameters serve another URL of the folder.
	params, _ := s.AppendSignature(nil, "", &Policy{Expires: exp, Resource: "https://d.example.com/exports/4?/*"})
	other := "https://d.example.com/exports/42/deeper/b.csv?" + string(params)
	outside := "https://d.example.com/exports/420/b.csv?" + string(params)
	v := testVerifier(t, now)
	for _, tc := range []struct {
		name string
		r    Request
		want sigerr.VerifyReason
	}{
		{"canned", Request{URL: canned}, 0},
		{"custom", Request{URL: custom, SourceIP: netip.MustParseAddr("192.0.2.7")}, 0},
		{"custom, address not known", Request{URL: custom}, 0},
		{"prefix policy", Request{URL: other}, 0},
		{"prefix policy, other folder", Request{URL: outside}, sigerr.ErrWrongScope},
		{"custom, outside the range", Request{URL: custom, SourceIP: netip.MustParseAddr("198.51.100.1")}, sigerr.ErrWrongScope},
		{"canned, other path", Request{URL: strings.Replace(canned, "a.csv", "b.csv", 1)}, sigerr.ErrSignatureMismatch},
		{"canned, later expiry", Request{URL: withParam(canned, "Expires", "1900007200")}, sigerr.ErrSignatureMismatch},
		{"custom, other resource", Request{URL: strings.Replace(custom, "/42/", "/43/", 1)}, sigerr.ErrWrongScope},
		{"unknown key", Request{URL: strings.Replace(canned, "K2JCJMDEHXQW5F", "KOTHER", 1)}, sigerr.ErrUnknownKey},
		{"no signature", Request{URL: "https://d.example.com/a"}, sigerr.ErrMalformed},
		{"bad base64", Request{URL: withParam(canned, "Signature", "!!")}, sigerr.ErrSignatureMismatch},
	} {
		err := v.Verify(&tc.r)
		if got := sigerr.ReasonOf(err); got != tc.want || (err != nil) != (tc.want != 0) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := testVerifier(t, exp).SignedURL(canned); !errors.Is(err, sigerr.ErrExpired) {
		t.Errorf("at the expiry: %v", err)
	}
	if err := testVerifier(t, now.Add(-time.Minute)).SignedURL(custom); !errors.Is(err, sigerr.ErrNotYetValid) {
		t.Errorf("at DateGreaterThan: %v", err)
	}
}

func TestSignedCookies(t *testing.T) {
	s := testSigner(t)
	now := time.Unix(1900000000, 0)
	c, err := s.SignedCookies(&Policy{Expires: now.Add(time.Hour), Resource: "https://d.example.com/exports/42/*"})
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyPairID != "K2JCJMDEHXQW5F" || strings.ContainsAny(c.Policy+c.Signature, "+=/") {
		t.Errorf("cookies %+v", c)
	}
	doc, _ := decodeEncoded(c.Policy)
	if !bytes.HasPrefix(doc, []byte(`{"Statement":[{"Resource":"https://d.example.com/exports/42/*","Condition":{"DateLessThan"`)) {
		t.Errorf("policy %s", doc)
	}
	v := testVerifier(t, now)
	if err := v.Verify(&Request{URL: "https://d.example.com/exports/42/x/y.csv", Cookies: c}); err != nil {
		t.Error(err)
	}
	if err := v.Verify(&Request{URL: "https://d.example.com/exports/43/y.csv", Cookies: c}); !errors.Is(err, sigerr.ErrWrongScope) {
		t.Errorf("other folder: %v", err)
	}
	if _, err := s.SignedCookies(&Policy{Expires: now}); err == nil {
		t.Error("cookies without a resource")
	}
}

func TestMatchResource(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"https://d/a/*", "https://d/a/", true},
		{"https://d/a/*", "https://d/a/b/c?x=1", true},
		{"https://d/a/*", "https://d/ab", false},
		{"https://d/a/?", "https://d/a/b", true},
		{"https://d/a/?", "https://d/a/bc", false},
		{"*", "", true},
		{"https://d/*.jpg", "https://d/x/y.jpg", true},
		{"https://d/*.jpg", "https://d/x/y.jpgz", false},
		{"https://d/*a*b", "https://d/xaxxbxb", true},
		{"https://D/a", "https://d/a", false},
		{"http*://d/a", "https://d/a", true},
		{"*", "*x", true}, // a '*' in the pattern is a wildcard even facing a '*'
		{"*0*", "*0", true},
	} {
		if got := matchResource(tc.pattern, tc.s); got != tc.want {
			t.Errorf("match(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}

func TestAppendSignedURLAllocations(t *testing.T) {
	s := testSigner(t)
	p := &Policy{Expires: time.Unix(2000000000, 0)}
	buf := make([]byte, 0, 1024)
	// The RSA operation allocates (crypto/rsa's big-number scratch); the
	// code around it must add nothing.
	raw := testing.AllocsPerRun(20, func() {
		d := sha1Sum([]byte("x"))
		_, _ = rsaSign(s, d[:])
	})
	got := testing.AllocsPerRun(20, func() { buf, _ = s.AppendSignedURL(buf[:0], "https://d.example.com/a/b.csv", p) })
	if got > raw {
		t.Errorf("AppendSignedURL: %v allocations, the RSA signature alone %v", got, raw)
	}
}
