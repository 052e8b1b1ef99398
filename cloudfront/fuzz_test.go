package cloudfront

import (
	"strings"
	"testing"
	"time"
)

// FuzzSignedURL: for any text, CheckURL and the Verifier never panic;
// whatever CheckURL accepts signs, as a canned URL and under a custom policy
// with its folder as the resource, and both verify; a URL that verifies
// under a resource pattern is one the pattern matches.
func FuzzSignedURL(f *testing.F) {
	s := testSigner(f)
	now := time.Unix(1900000000, 0)
	v := testVerifier(f, now)
	for _, seed := range []string{
		"https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium",
		"https://d.example.com/a%20b/%E2%82%AC?x=1&y",
		"http://[::1]:8080/a*b?c",
		"https://d.example.com/a?Expires=1&Signature=x&Key-Pair-Id=K2JCJMDEHXQW5F",
		"https://d.example.com/a?Policy=eyJ9&Signature=x&Key-Pair-Id=K2JCJMDEHXQW5F",
		"https://d.example.com/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		_ = v.SignedURL(raw)
		_ = v.Verify(&Request{URL: raw, Cookies: Cookies{Policy: "eyJ9", Signature: "x", KeyPairID: "K2JCJMDEHXQW5F"}})
		if err := CheckURL(raw); err != nil {
			return
		}
		canned, err := s.SignedURL(raw, &Policy{Expires: now.Add(time.Hour)})
		if err != nil {
			t.Fatalf("CheckURL accepts %q, SignedURL refuses it: %v", raw, err)
		}
		if !strings.HasPrefix(canned, raw) {
			t.Fatalf("%q not kept as written: %q", raw, canned)
		}
		if err := v.SignedURL(canned); err != nil {
			t.Fatalf("canned %q: %v", canned, err)
		}
		path, _, _ := strings.Cut(raw, "?")
		if strings.Contains(path, "*") {
			return
		}
		p := &Policy{Expires: now.Add(time.Hour), Resource: path[:strings.LastIndexByte(path, '/')+1] + "*"}
		custom, err := s.SignedURL(raw, p)
		if err != nil {
			t.Fatalf("custom %q: %v", raw, err)
		}
		if err := v.SignedURL(custom); err != nil {
			t.Fatalf("custom %q: %v", custom, err)
		}
	})
}

// FuzzMatchResource: the matcher never panics, a pattern without
// wildcards matches only itself, and "*" matches everything.
func FuzzMatchResource(f *testing.F) {
	f.Add("https://d/a/*", "https://d/a/b")
	f.Add("https://d/?/*.jpg", "https://d/x/y/z.jpg")
	f.Add("**?*", "ab")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := matchResource(pattern, s)
		if !strings.ContainsAny(pattern, "*?") && got != (pattern == s) {
			t.Fatalf("match(%q, %q) = %v", pattern, s, got)
		}
		if !matchResource("*", s) || !matchResource(s+"*", s) {
			t.Fatalf("* or prefix* does not match %q", s)
		}
	})
}
