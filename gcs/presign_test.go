package gcs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

func newHMAC(t testing.TB) *Signer {
	t.Helper()
	s, err := NewHMACSigner(testHMACKey(), fuzzAt, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPresignRefusesWhatItCannotSign(t *testing.T) {
	s := newHMAC(t)
	ok := Presign{Bucket: "b", Object: "o", Expires: 60}
	cases := []struct {
		name  string
		edit  func(p *Presign)
		field string
		want  error
	}{
		{"expires 0", func(p *Presign) { p.Expires = 0 }, "expires", ErrExpiresRange},
		{"expires over 7 days", func(p *Presign) { p.Expires = MaxExpires + 1 }, "expires", ErrExpiresRange},
		{"no bucket", func(p *Presign) { p.Bucket = "" }, "bucket", sigerr.ErrMissingField},
		{"upper-case bucket", func(p *Presign) { p.Bucket = "Exports" }, "bucket", sigerr.ErrInvalidValue},
		{"bucket with a slash", func(p *Presign) { p.Bucket = "a/b" }, "bucket", sigerr.ErrInvalidValue},
		{"bucket-bound without a host", func(p *Presign) { p.Style = BucketBoundHostname }, "host", sigerr.ErrMissingField},
		{"host with a path", func(p *Presign) { p.Host = "example.com/x" }, "host", sigerr.ErrInvalidValue},
		{"host with user info", func(p *Presign) { p.Host = "u@example.com" }, "host", sigerr.ErrInvalidValue},
		{"unknown style", func(p *Presign) { p.Style = 9 }, "style", sigerr.ErrInvalidValue},
		{"object not UTF-8", func(p *Presign) { p.Object = "a\xffb" }, "object", sigerr.ErrInvalidUTF8},
		{"object with a line feed", func(p *Presign) { p.Object = "a\nb" }, "object", sigerr.ErrInvalidValue},
		{"object of 1025 bytes", func(p *Presign) { p.Object = strings.Repeat("x", 1025) }, "object", sigerr.ErrInvalidValue},
		{"scheme ftp", func(p *Presign) { p.Scheme = "ftp" }, "scheme", sigerr.ErrInvalidValue},
		{"method lower case", func(p *Presign) { p.Method = "get" }, "method", sigerr.ErrInvalidValue},
		{"reserved query, any case", func(p *Presign) { p.Query = []QueryParam{{Key: "x-goog-signature", Value: "0"}} }, "query", ErrReservedParam},
		{"reserved query X-Goog-Date", func(p *Presign) { p.Query = []QueryParam{{Key: "X-Goog-Date", Value: "0"}} }, "query", ErrReservedParam},
		{"query not UTF-8", func(p *Presign) { p.Query = []QueryParam{{Key: "k", Value: "\xc3"}} }, "query", sigerr.ErrInvalidUTF8},
		{"host header", func(p *Presign) { p.Headers = []Header{{Name: "Host", Value: "x"}} }, "headers", sigerr.ErrInvalidValue},
		{"header twice", func(p *Presign) {
			p.Headers = []Header{{Name: "Content-Type", Value: "a"}, {Name: "content-type", Value: "b"}}
		}, "headers", sigerr.ErrInvalidValue},
		{"header name with ';'", func(p *Presign) { p.Headers = []Header{{Name: "a;b", Value: "x"}} }, "headers", sigerr.ErrInvalidValue},
		{"header name with a space", func(p *Presign) { p.Headers = []Header{{Name: "a b", Value: "x"}} }, "headers", sigerr.ErrInvalidValue},
		{"empty header name", func(p *Presign) { p.Headers = []Header{{Name: "", Value: "x"}} }, "headers", sigerr.ErrMissingField},
		{"header value with CR LF", func(p *Presign) { p.Headers = []Header{{Name: "x-goog-meta-a", Value: "a\r\nb: c"}} }, "headers", sigerr.ErrInvalidValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ok
			c.edit(&p)
			dst := []byte("keep")
			got, err := s.AppendPresign(dst, &p)
			var fe *sigerr.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, c.want) {
				t.Fatalf("error %v, want field %q and %v", err, c.field, c.want)
			}
			if string(got) != "keep" {
				t.Fatalf("dst changed on error: %q", got)
			}
		})
	}
	p := ok
	p.Object = strings.Repeat("x", MaxObjectName)
	if _, err := s.AppendPresign(nil, &p); err != nil {
		t.Fatalf("1024-byte name: %v", err)
	}
	for _, o := range []Options{{Region: "US-EAST1"}, {Region: "a/b"}} {
		if _, err := NewHMACSigner(testHMACKey(), fuzzAt, o); !errors.Is(err, sigerr.ErrInvalidValue) {
			t.Errorf("region %q: %v", o.Region, err)
		}
	}
	if _, err := NewHMACSigner(NewHMACKey("id", ""), fuzzAt, Options{}); !errors.Is(err, sigerr.ErrMissingField) {
		t.Errorf("empty secret: %v", err)
	}
	if _, err := NewHMACSigner(NewHMACKey("", "s"), fuzzAt, Options{}); !errors.Is(err, sigerr.ErrMissingField) {
		t.Errorf("empty access ID: %v", err)
	}
	if _, err := NewHMACSigner(NewHMACKey("a/b", "s"), fuzzAt, Options{}); !errors.Is(err, sigerr.ErrInvalidValue) {
		t.Errorf("access ID with a slash: %v", err)
	}
	if _, err := NewRSASigner(nil, fuzzAt, Options{}); !errors.Is(err, sigerr.ErrMissingField) {
		t.Errorf("nil account: %v", err)
	}
}

// TestPresignHostileObjectNames: every byte a name may hold is encoded
// once, slashes (leading, doubled, dot segments) are kept as they are, NFC
// and NFD spellings stay distinct, a 1 KiB name signs, and each URL's path
// decodes back to the name and verifies.
func TestPresignHostileObjectNames(t *testing.T) {
	s := newHMAC(t)
	v := NewVerifier(suiteKeys(suiteAccount(t), testHMACKey(), testSecret), VerifyOptions{Now: fuzzAt})
	var reserved strings.Builder
	for b := 0x20; b < 0x7f; b++ {
		reserved.WriteByte(byte(b))
	}
	names := []string{
		reserved.String(), "/lead", "a//b/./c/../d/", "tab\there", "caf\u00e9", "cafe\u0301", "\U0001F600 emoji",
		"%41 stays %41", "+plus+", "?#[]@!$&'()*,;=:", strings.Repeat("x/", 512),
	}
	paths := map[string]string{}
	for _, name := range names {
		for _, style := range []URLStyle{PathStyle, VirtualHostedStyle, BucketBoundHostname} {
			p := &Presign{Bucket: "b", Object: name, Expires: 60, Style: style}
			if style == BucketBoundHostname {
				p.Host = "cdn.example.com"
			}
			u, err := s.PresignURL(p)
			if err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			rest := u[strings.Index(u, "://")+3:]
			path := rest[strings.IndexByte(rest, '/'):strings.IndexByte(rest, '?')]
			if style == PathStyle {
				path = strings.TrimPrefix(path, "/b")
			}
			for i := 0; i < len(path); i++ {
				if c := path[i]; c != '/' && c != '%' && !sigcore.IsUnreserved(c) {
					t.Fatalf("%q: path %q holds %q unescaped", name, path, c)
				}
			}
			dec, err := sigcore.URIUnescape(path)
			if err != nil || dec != "/"+name {
				t.Fatalf("%q: path %q decodes to %q (%v)", name, path, dec, err)
			}
			if err := v.PresignedURL("GET", u, nil); err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			if style == PathStyle {
				paths[path] = name
			}
		}
	}
	if len(paths) != len(names) {
		t.Fatalf("%d distinct paths for %d names (NFC and NFD must differ)", len(paths), len(names))
	}
}

// TestPresignPortIsNotSigned: the URL keeps the port; the signed host
// header does not, as Google's suite requires ("host:localhost" for
// http://localhost:8080); an IPv6 literal keeps its brackets.
func TestPresignPortIsNotSigned(t *testing.T) {
	s := newHMAC(t)
	for _, c := range []struct{ host, url, header string }{
		{"localhost:8080", "http://localhost:8080/b/o?", "host:localhost\n"},
		{"[::1]:4443", "http://[::1]:4443/b/o?", "host:[::1]\n"},
		{"[::1]", "http://[::1]/b/o?", "host:[::1]\n"},
		{"storage.googleapis.com:443", "http://storage.googleapis.com:443/b/o?", "host:storage.googleapis.com\n"},
	} {
		p := &Presign{Scheme: "http", Host: c.host, Bucket: "b", Object: "o", Expires: 60}
		u, err := s.PresignURL(p)
		if err != nil {
			t.Fatal(err)
		}
		ex, _ := s.Explain(p)
		if !strings.HasPrefix(u, c.url) || !strings.Contains(ex.CanonicalRequest, "\n"+c.header) {
			t.Errorf("%s: %s\n%s", c.host, u, ex.CanonicalRequest)
		}
	}
	// Virtual-hosted: the bucket goes in front, the port stays at the end.
	p := &Presign{Host: "storage.example.com:8443", Bucket: "b", Object: "o", Expires: 60, Style: VirtualHostedStyle}
	u, _ := s.PresignURL(p)
	ex, _ := s.Explain(p)
	if !strings.HasPrefix(u, "https://b.storage.example.com:8443/o?") || !strings.Contains(ex.CanonicalRequest, "\nhost:b.storage.example.com\n") {
		t.Errorf("virtual-hosted: %s\n%s", u, ex.CanonicalRequest)
	}
}

// TestPresignHeaderCanonicalisation: names lower-cased and sorted, values
// trimmed with each run of spaces and tabs one space, and a signed
// x-goog-content-sha256 as the payload line.
func TestPresignHeaderCanonicalisation(t *testing.T) {
	s := newHMAC(t)
	ex, err := s.Explain(&Presign{Method: "PUT", Bucket: "b", Object: "o", Expires: 60, Headers: []Header{
		{Name: "X-Goog-Meta-Z", Value: " \t a \t\t b  c\t"},
		{Name: "Content-Type", Value: "text/plain"},
		{Name: "x-goog-content-sha256", Value: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
		{Name: "X-Goog-Meta-Tab", Value: "a\tb"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := "content-type:text/plain\nhost:storage.googleapis.com\nx-goog-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n" +
		"x-goog-meta-tab:a b\nx-goog-meta-z:a b c\n\ncontent-type;host;x-goog-content-sha256;x-goog-meta-tab;x-goog-meta-z\n" +
		"44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
	if !strings.HasSuffix(ex.CanonicalRequest, want) {
		t.Fatalf("canonical request:\n%s\nwant suffix\n%s", ex.CanonicalRequest, want)
	}
	if ex.SignedHeaders != "content-type;host;x-goog-content-sha256;x-goog-meta-tab;x-goog-meta-z" {
		t.Fatalf("signed headers %q", ex.SignedHeaders)
	}
}

// TestPresignQueryIsSortedByEncodedName: pairs sort by their encoded name,
// then encoded value, in the canonical request and in the URL alike, and
// the URL's query is the canonical query plus X-Goog-Signature.
func TestPresignQueryIsSortedByEncodedName(t *testing.T) {
	s := newHMAC(t)
	p := &Presign{Bucket: "b", Object: "o", Expires: 60, Query: []QueryParam{
		{Key: "prefix", Value: "b"}, {Key: "a:", Value: "1"}, {Key: "a5", Value: "2"}, {Key: "prefix", Value: "a"}, {Key: "Z", Value: "x y+z"},
	}}
	ex, err := s.Explain(p)
	if err != nil {
		t.Fatal(err)
	}
	q := strings.Split(ex.CanonicalRequest, "\n")[2]
	want := "X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Credential=test-iam-credentials%40dummy-project-id.iam.gserviceaccount.com%2F20261123%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261123T100000Z&X-Goog-Expires=60&X-Goog-SignedHeaders=host&Z=x%20y%2Bz&a%3A=1&a5=2&prefix=a&prefix=b"
	if q != want {
		t.Fatalf("canonical query\n got %s\nwant %s", q, want)
	}
	u, _ := s.PresignURL(p)
	if !strings.HasPrefix(u, "https://storage.googleapis.com/b/o?"+want+"&X-Goog-Signature=") {
		t.Fatalf("URL %s", u)
	}
}

// TestRSASigningIsDeterministic: RSASSA-PKCS1-v1_5 gives the same URL for
// the same input, and signers built at different instants differ.
func TestRSASigningIsDeterministic(t *testing.T) {
	a := suiteAccount(t)
	p := &Presign{Bucket: "b", Object: "o", Expires: 60}
	var urls []string
	for _, at := range []time.Time{fuzzAt, fuzzAt, fuzzAt.Add(time.Second)} {
		s, _ := NewRSASigner(a, at, Options{})
		u, err := s.PresignURL(p)
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, u)
	}
	if urls[0] != urls[1] || urls[1] == urls[2] {
		t.Fatalf("%v", urls)
	}
}

// TestAppendPresignAllocatesNothing: an HMAC signer's steady state
// allocates nothing, with headers and query parameters or without.
func TestAppendPresignAllocatesNothing(t *testing.T) {
	s := newHMAC(t)
	for _, p := range []*Presign{
		{Bucket: "exports", Object: "2026/11/23/part-00042.parquet", Expires: 3600},
		{Method: "PUT", Bucket: "exports", Object: "a b/ü", Expires: 3600, Style: VirtualHostedStyle,
			Headers: []Header{{Name: "Content-Type", Value: "application/octet-stream"}, {Name: "X-Goog-Meta-A", Value: " x  y "}},
			Query:   []QueryParam{{Key: "response-content-disposition", Value: `attachment; filename="a b"`}, {Key: "generation", Value: "7"}}},
	} {
		dst := make([]byte, 0, 2048)
		if _, err := s.AppendPresign(dst, p); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { dst, _ = s.AppendPresign(dst[:0], p) }); n != 0 {
			t.Errorf("%d allocations per URL, want 0", int(n))
		}
	}
}
