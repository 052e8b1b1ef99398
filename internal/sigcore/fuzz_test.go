package sigcore

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
)

// FuzzSplitURL: SplitURL never panics; a refusal is a *sigerr.FieldError
// naming the url field that quotes no part of the input's authority (its
// user information may be a password); what it accepts
//   - rebuilds to the input from its parts (String), the scheme's case aside;
//   - has a host CheckHost accepts and a request target SplitRequestTarget
//     splits alike;
//   - is accepted by net/url too, with the same scheme, host and raw query,
//     the same path once decoded, and no user information or fragment.
//
// SplitURL is stricter than net/url, which also accepts (and SplitURL
// refuses): user information and fragments; a raw space, '"', '<', '>',
// '\', '^', '`', '{', '|', '}', '[', ']' or non-ASCII byte in the path or
// query; ports out of 1–65535, with leading zeros or empty ("h:"); host
// names with empty or over-long labels, over 253 bytes, or of digits and
// dots that are no IPv4 address; IPv6 zones; schemes other than http(s);
// "http:/h" and other URLs without "//". No URL is accepted by SplitURL and
// refused by net/url.
func FuzzSplitURL(f *testing.F) {
	for _, s := range []string{
		"https://examplebucket.s3.amazonaws.com/test.txt",
		"http://127.0.0.1:7070/b/a%20b?versionId=1&acl",
		"https://[::1]:8080//a//b", "https://h", "https://h?", "https://h?x?y=/", "HTTPS://H/%41+b",
		"https://[::ffff:1.2.3.4]/", "https://h:65535/-._~!$&'()*+,;=:@", "https://a.b-c_d.e/",
		"https://u:p@h/", "https://h/#x", "https://h/%zz", "ftp://h", "https://h:99999/", "https://h:0/",
		"https://a..b/", "https://1.2.3.256/", "https://[fe80::1%25en0]/", "https://h/a b", "https://h/\xff",
		"https://h/a|b", "https://b.s3.us-east-1.amazonaws.com ?0=", "https://h:080/", "https://h\x00/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := SplitURL(s)
		if err != nil {
			var fe *sigerr.FieldError
			if !errors.As(err, &fe) || fe.Field != FieldURL || !(errors.Is(err, ErrURL) || errors.Is(err, sigerr.ErrMalformedEscape)) {
				t.Fatalf("%q: error %v is not a url field error", s, err)
			}
			// User information refuses the URL whatever it holds, in words
			// that do not depend on it; no error is long enough to quote much.
			if scheme, rest, ok := strings.Cut(s, "://"); ok && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) {
				auth := rest
				if end := strings.IndexAny(rest, "/?#"); end >= 0 {
					auth = rest[:end]
				}
				if strings.Contains(auth, "@") && errors.Unwrap(err).Error() != ErrURL.Error()+": "+userinfoRefused {
					t.Fatalf("%q: user information refused as %v", s, err)
				}
			}
			if len(err.Error()) > 160 {
				t.Fatalf("%q: error of %d bytes: %v", s, len(err.Error()), err)
			}
			return
		}
		if re := u.String(); !strings.EqualFold(re[:len(u.Scheme)], s[:len(u.Scheme)]) || re[len(u.Scheme):] != s[len(u.Scheme):] {
			t.Fatalf("parts %+v do not rebuild %q (got %q)", u, s, re)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("%q: scheme %q", s, u.Scheme)
		}
		if err := CheckHost(u.Host); err != nil {
			t.Fatalf("%q: host %q accepted in a URL but not by CheckHost: %v", s, u.Host, err)
		}
		if target := s[len(u.Scheme)+3+len(u.Host):]; target != "" && target[0] == '/' {
			p, q, err := SplitRequestTarget(target)
			if err != nil || p != u.Path || q != u.RawQuery {
				t.Fatalf("%q: request target %q splits as %q %q (%v), the URL as %q %q", s, target, p, q, err, u.Path, u.RawQuery)
			}
		}
		nu, err := url.Parse(s)
		if err != nil {
			t.Fatalf("net/url refuses %q, which SplitURL accepts: %v", s, err)
		}
		if nu.Scheme != u.Scheme || nu.Host != u.Host || nu.RawQuery != u.RawQuery || nu.User != nil || nu.Fragment != "" || nu.Opaque != "" {
			t.Fatalf("%q: SplitURL %+v, net/url scheme %q host %q query %q user %v fragment %q opaque %q",
				s, u, nu.Scheme, nu.Host, nu.RawQuery, nu.User, nu.Fragment, nu.Opaque)
		}
		if dec, err := URIUnescape(u.Path); err != nil || dec != nu.Path {
			t.Fatalf("%q: decoded path %q (%v), net/url %q", s, dec, err, nu.Path)
		}
	})
}
