package sigv4

import (
	"strings"
	"testing"
)

// checkPresignedHostMatches: canonicalizePresignedHost writes what
// canonicalize writes for the same request signed for host alone, or fails
// with the same error, for both readings of the query (withAuth or not).
func checkPresignedHostMatches(t *testing.T, fast, slow *Signer, method, host, path, query string, expires int64) {
	t.Helper()
	for _, withAuth := range []bool{false, true} {
		r := Request{Method: method, Host: host, Path: path, Query: query, withAuth: withAuth}
		ok, ferr := fast.canonicalizePresignedHost(&r, expires)
		if !ok {
			t.Fatalf("%q %q %q: fast path declined an S3 request", host, path, query)
		}
		signed, serr := slow.canonicalize(&r, QueryForm, expires)
		if (ferr == nil) != (serr == nil) || (ferr != nil && ferr.Error() != serr.Error()) {
			t.Fatalf("%q %q %q withAuth=%v: fast error %v, canonicalize %v", host, path, query, withAuth, ferr, serr)
		}
		if ferr != nil {
			continue
		}
		if signed != "host" {
			t.Fatalf("canonicalize signed %q", signed)
		}
		if string(fast.cr) != string(slow.cr) {
			t.Fatalf("%q %q %q withAuth=%v, expires %d:\nfast %q\nslow %q", host, path, query, withAuth, expires, fast.cr, slow.cr)
		}
	}
}

func TestCanonicalizePresignedHostMatchesCanonicalize(t *testing.T) {
	fast, slow := newS3Signer(t, "tok/en="), newS3Signer(t, "tok/en=")
	queries := []string{
		"", "versionId=v1", "a=1&b=2", "response-content-disposition=attachment%3B%20filename%3D%22x%22",
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&x=1", "Z=1&A=2&X-Amz-Date=20130524T000000Z",
		"X-Amz-Credential=a&X-Amz-Date=b&X-Amz-Expires=3&X-Amz-SignedHeaders=host&X-Amz-Signature=f&X-Amz-Security-Token=t",
		"X-Amz-Expires=9", "x-amz-expires=9", "X-Amz-Expiresz=1", "X-Amz-E=1", "X-Amz-Zzz=1", "X-Amz-=1",
		"a%zz=1", "a=%zz", "a=%4", "a+b=c+d", "a=b=c", "=v", "k", "&&k=v&&", "%58-Amz-Date=x",
		"ünï=日本", "a=\xff",
	}
	paths := []string{"", "/", "/a b", "/a%20b/c%2Bd", "//x/./y/../z", "/%zz", "/\xff", "/%E6%97%A5"}
	for _, q := range queries {
		for _, p := range paths {
			for _, exp := range []int64{1, 3600, 9, 604800, 86399} {
				checkPresignedHostMatches(t, fast, slow, "GET", "examplebucket.s3.amazonaws.com", p, q, exp)
			}
		}
	}
}

func TestCanonicalizePresignedHostDeclines(t *testing.T) {
	s, err := NewSigner(docCreds, nil, docTime, Options{Region: "us-east-1", Service: "iam"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Request{
		{Method: "GET", Host: "iam.amazonaws.com", Path: "/"},
	} {
		if ok, _ := s.canonicalizePresignedHost(&r, 60); ok {
			t.Errorf("generic rules: fast path taken")
		}
	}
	s3 := newS3Signer(t, "")
	for _, r := range []Request{
		{Host: "b.s3.amazonaws.com"},
		{Method: "GET"},
		{Method: "GET", Host: "b.s3.amazonaws.com", PayloadHash: strings.Repeat("0", 64)},
	} {
		if ok, _ := s3.canonicalizePresignedHost(&r, 60); ok {
			t.Errorf("%+v: fast path taken", r)
		}
	}
}

// FuzzCanonicalizePresignedHost: for any path, query and expiry the fast
// path agrees with canonicalize.
func FuzzCanonicalizePresignedHost(f *testing.F) {
	f.Add("/a b/c", "versionId=v1&response-content-type=text%2Fplain", int64(3600))
	f.Add("", "X-Amz-Date=x&z=1&X-Amz-Signature=s&a=2", int64(1))
	f.Add("/%zz", "a=%zz", int64(604800))
	fast, slow := newS3Signer(f, "tok/en="), newS3Signer(f, "tok/en=")
	f.Fuzz(func(t *testing.T, path, query string, expires int64) {
		checkPresignedHostMatches(t, fast, slow, "GET", "b.s3.amazonaws.com", path, query, expires)
	})
}
