package sigcore

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
)

func TestSplitURLAcceptsRequestTargetsAndHosts(t *testing.T) {
	cases := []struct {
		in   string
		want URL
	}{
		{"https://b.s3.us-east-1.amazonaws.com/k?X-Amz-Date=1", URL{"https", "b.s3.us-east-1.amazonaws.com", "/k", "X-Amz-Date=1", false}},
		{"HTTP://127.0.0.1:7070/b/a%20b?versionId=1&acl", URL{"http", "127.0.0.1:7070", "/b/a%20b", "versionId=1&acl", false}},
		{"https://h", URL{"https", "h", "", "", false}},
		{"https://h?", URL{"https", "h", "", "", true}},
		{"https://h?x=1?y=/", URL{"https", "h", "", "x=1?y=/", false}},
		{"https://[::1]:8080//a//b", URL{"https", "[::1]:8080", "//a//b", "", false}},
		{"https://[::ffff:10.0.0.1]/", URL{"https", "[::ffff:10.0.0.1]", "/", "", false}},
		{"https://H.Example:1/-._~!$&'()*+,;=:@%2f", URL{"https", "H.Example:1", "/-._~!$&'()*+,;=:@%2f", "", false}},
		{"https://my_minio-1:65535/", URL{"https", "my_minio-1:65535", "/", "", false}},
		{"https://" + strings.Repeat("a", 63) + ".b/", URL{"https", strings.Repeat("a", 63) + ".b", "/", "", false}},
		{"https://" + strings.Repeat("a.", 126) + "a/", URL{"https", strings.Repeat("a.", 126) + "a", "/", "", false}},
		{"https://0.0.0.0/", URL{"https", "0.0.0.0", "/", "", false}},
		{"https://1a.2/", URL{"https", "1a.2", "/", "", false}},
	}
	for _, tc := range cases {
		got, err := SplitURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("SplitURL(%.60q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if re := got.String(); !strings.EqualFold(re[:len(got.Scheme)], tc.in[:len(got.Scheme)]) || re[len(got.Scheme):] != tc.in[len(got.Scheme):] {
			t.Errorf("String() = %q, want %q", re, tc.in)
		}
	}
}

// TestSplitURLRefusesWithoutEchoing: every refusal names the url field and
// says why, and none quotes the URL (user information may be a password).
func TestSplitURLRefusesWithoutEchoing(t *testing.T) {
	cases := []struct{ in, why string }{
		{"", "scheme://"},
		{"b.s3.amazonaws.com/k", "scheme://"},
		{"ftp://h/x", "scheme must be http or https"},
		{"https:/h/x", "scheme://"},
		{"https://", "no host"},
		{"https:///x", "no host"},
		{"https://?x", "no host"},
		{"https://:80/", "no host"},
		{"https://SECRETuser:SECRETpw@h/x", "user information"},
		{"https://SECRETpw@h/x", "user information"},
		{"https://@h/x", "user information"},
		{"https://u:SECRET/pw@h/x", "port"},
		{"https://b.s3.us-east-1.amazonaws.com ?X-Amz-Date=1", "space or control character at byte 36"},
		{"https://h/a b", "space or control character at byte 11"},
		{"https://h/a?b=c d", "space or control character at byte 15"},
		{"https://h/a\x00", "space or control character"},
		{"https://h/a\tb", "space or control character"},
		{"https://h/a\r\nb", "space or control character"},
		{"https://h/a\x7f", "space or control character"},
		{"https://h\x01/", "space or control character at byte 9"},
		{"https://h/caf\u00e9", "non-ASCII byte at byte 13"},
		{"https://h/\xff", "non-ASCII byte"},
		{"https://h/?\x80", "non-ASCII byte"},
		{"https://h\xc3\xa9/", "non-ASCII byte"},
		{"https://h/a#frag", "fragment"},
		{"https://h#frag", "fragment"},
		{"https://h/?q#", "fragment"},
		{"https://h/a%2", "malformed percent escape at byte 11"},
		{"https://h/a%", "malformed percent escape"},
		{"https://h/?x=%zz", "malformed percent escape"},
		{"https://h/?x=%a", "malformed percent escape"},
		{`https://h/a"b`, `'"' at byte 11`},
		{"https://h/a<b>", "'<'"},
		{`https://h/a\b`, `'\\'`},
		{"https://h/a^b", "'^'"},
		{"https://h/a`b", "'`'"},
		{"https://h/a{b}", "'{'"},
		{"https://h/a|b", "'|'"},
		{"https://h/a[b]", "'['"},
		{"https://h:0/", "port must be 1–65535"},
		{"https://h:65536/", "port must be 1–65535"},
		{"https://h:99999/", "port must be 1–65535"},
		{"https://h:999999999999/", "port must be 1–65535"},
		{"https://h:080/", "port must be 1–65535"},
		{"https://h:/", "port must be 1–65535"},
		{"https://h:+80/", "port must be 1–65535"},
		{"https://h:-1/", "port must be 1–65535"},
		{"https://h:8a/", "port must be 1–65535"},
		{"https://h: 80/", "space or control character at byte 10"},
		{"https://h:80:80/", "port must be 1–65535"},
		{"https://" + strings.Repeat("a", 300) + "/", "label longer than 63 bytes"},
		{"https://" + strings.Repeat("a", 64) + ".b/", "label longer than 63 bytes"},
		{"https://" + strings.Repeat("abcdefghi.", 12200) + "/", "host name"},
		{"https://" + strings.Repeat("a.", 127) + "a/", "longer than 253 bytes"},
		{"https://a..b/", "empty label in the host name at byte 10"},
		{"https://.a/", "empty label"},
		{"https://a./", "ends with '.'"},
		{"https://h_$/", "'$' at byte 10 is not allowed in a host name"},
		{"https://h~/", "'~'"},
		{"https://h%41/", "'%'"},
		{"https://1.2.3.256/", "IPv4"},
		{"https://01.2.3.4/", "IPv4"},
		{"https://1.2.3/", "IPv4"},
		{"https://1234/", "IPv4"},
		{"https://::1/", "port"},
		{"https://[::1/", "unterminated IPv6 literal"},
		{"https://[zz]/", "invalid IPv6 literal"},
		{"https://[10.0.0.1]/", "invalid IPv6 literal"},
		{"https://[fe80::1%25en0]/", "invalid IPv6 literal"},
		{"https://[::1]x/", "'x' at byte 13"},
		{"https://[::1]:0/", "port"},
		{"https://[::1]:/", "port"},
	}
	for _, tc := range cases {
		_, err := SplitURL(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("SplitURL(%.60q) = %v, want an error saying %q", tc.in, err, tc.why)
			continue
		}
		var fe *sigerr.FieldError
		if !errors.As(err, &fe) || fe.Field != FieldURL {
			t.Errorf("SplitURL(%.60q): %v does not name the url field", tc.in, err)
		}
		if !errors.Is(err, ErrURL) && !errors.Is(err, sigerr.ErrMalformedEscape) {
			t.Errorf("SplitURL(%.60q): %v is neither ErrURL nor ErrMalformedEscape", tc.in, err)
		}
		if strings.Contains(err.Error(), "SECRET") || len(err.Error()) > 200 {
			t.Errorf("SplitURL(%.60q): error quotes the URL: %v", tc.in, err)
		}
		ve := FailURL("sigv4", err)
		if sigerr.ReasonOf(ve) != sigerr.ErrMalformed || !strings.HasPrefix(ve.Error(), "sigv4: malformed: url: ") || strings.Contains(ve.Error(), "url: url:") {
			t.Errorf("FailURL: %v", ve)
		}
	}
}

func TestSplitRequestTargetSharesTheRules(t *testing.T) {
	if p, q, err := SplitRequestTarget("/a%20b?x=1?y"); err != nil || p != "/a%20b" || q != "x=1?y" {
		t.Errorf("got %q %q %v", p, q, err)
	}
	for _, bad := range []string{"", "a", "*", "http://h/", "/a b", "/a#b", "/\xff", "/%zz"} {
		if _, _, err := SplitRequestTarget(bad); err == nil {
			t.Errorf("SplitRequestTarget(%q) accepted", bad)
		}
	}
}

func TestCheckHost(t *testing.T) {
	for _, good := range []string{"h", "b.s3.amazonaws.com", "127.0.0.1:9000", "[::1]", "[::1]:443"} {
		if err := CheckHost(good); err != nil {
			t.Errorf("CheckHost(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"", "u@h", "h/x", "h?x", "h#x", "h:99999", "a..b", "h x"} {
		if err := CheckHost(bad); err == nil {
			t.Errorf("CheckHost(%q) accepted", bad)
		}
	}
}

// TestSplitURLAllocatesNothing: the verify hot path splits every URL.
func TestSplitURLAllocatesNothing(t *testing.T) {
	for _, u := range []string{
		"https://b.s3.us-east-1.amazonaws.com/dir/file%20(1).txt?versionId=v1&X-Amz-Algorithm=AWS4-HMAC-SHA256",
		"http://[2001:db8::1]:9000/b/k", "http://10.0.0.1:9000/b/k",
	} {
		if n := testing.AllocsPerRun(100, func() { _, _ = SplitURL(u) }); n != 0 {
			t.Errorf("SplitURL(%q): %v allocations, want 0", u, n)
		}
	}
}

func BenchmarkSplitURL(b *testing.B) {
	const u = "https://examplebucket.s3.us-east-1.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		if _, err := SplitURL(u); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPickSignedKeepsListedHeaders(t *testing.T) {
	hs := []Header{{Name: "Range", Value: "bytes=0-1"}, {Name: "X-Amz-Date", Value: "d"}, {Name: "Other", Value: "o"}}
	got := PickSigned(hs, "host;range;x-amz-date")
	if len(got) != 2 || got[0].Name != "Range" || got[1].Name != "X-Amz-Date" {
		t.Fatalf("got %v", got)
	}
	if HasListItem("host;range", "ran") || !HasListItem("host;range", "range") || HasListItem("", "") {
		t.Fatal("HasListItem matches partial or empty items")
	}
}

// splitOutcome is what SplitURL returned, as text.
func splitOutcome(u URL, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	return fmt.Sprintf("%#v", u)
}

// TestHostMemoSplitsAsSplitURL: a HostMemo's SplitURL returns what
// SplitURL returns, URL after URL, as hosts are remembered, repeated,
// replaced and refused.
func TestHostMemoSplitsAsSplitURL(t *testing.T) {
	var urls []string
	for i := range 20 { // more hosts than slots, so that slots are replaced
		urls = append(urls, fmt.Sprintf("https://b%d.s3.amazonaws.com/k?x=%d", i%18, i))
	}
	urls = append(urls, "https://b1.s3.amazonaws.com/a b", "https://u@b1.s3.amazonaws.com/", "https://b1.s3.amazonaws.com./",
		"https://b1.s3.amazonaws.com:0/", "https://b1.s3.amazonaws.com:443/", "https://b1.s3.amazonaws.com:443/k",
		"https:///k", "https://", "https://"+strings.Repeat("a", 63)+"."+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 61)+"/",
		"https://"+strings.Repeat("a.", 130)+"/", "http://[::1]:80/k", "http://[::1]:80/k#f", "HTTP://[::1]:80/k?%zz")
	var m HostMemo
	for round := range 3 {
		for _, u := range urls {
			if got, want := splitOutcome(m.SplitURL(u)), splitOutcome(SplitURL(u)); got != want {
				t.Errorf("round %d, %q:\nmemo  %s\nalone %s", round, u, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = m.SplitURL(urls[0]) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// TestHostMemoChecksAsCheckHost: a HostMemo's CheckHost returns what
// CheckHost returns, host after host, as hosts are remembered (by CheckHost
// and by SplitURL on the same memo), repeated, replaced and refused.
func TestHostMemoChecksAsCheckHost(t *testing.T) {
	var hosts []string
	for i := range 20 { // more hosts than slots, so that slots are replaced
		hosts = append(hosts, fmt.Sprintf("b%d.s3.amazonaws.com", i%18))
	}
	hosts = append(hosts, "b1.s3.amazonaws.com/", "u@b1.s3.amazonaws.com", "b1.s3.amazonaws.com.", "b1.s3.amazonaws.com:0",
		"b1.s3.amazonaws.com:443", "", "a b", strings.Repeat("a", 63)+"."+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 61),
		strings.Repeat("a.", 130), "[::1]:80", "[::1%eth0]", "1.2.3.4", "bad\x00host")
	var m HostMemo
	for round := range 3 {
		for _, h := range hosts {
			if got, want := fmt.Sprint(m.CheckHost(h)), fmt.Sprint(CheckHost(h)); got != want {
				t.Errorf("round %d, %q: memo %s, alone %s", round, h, got, want)
			}
			_, _ = m.SplitURL("https://" + h + "/k")
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = m.CheckHost(hosts[0]) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// FuzzHostMemoSplitURL: after any URL, a HostMemo splits any other as
// SplitURL does.
func FuzzHostMemoSplitURL(f *testing.F) {
	f.Add("https://b.s3.amazonaws.com/k", "https://b.s3.amazonaws.com/a b")
	f.Add("https://h:1/", "https://h:1@x/")
	f.Add("https://h/", "https://h")
	var m HostMemo
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, u := range []string{a, b, a} {
			if got, want := splitOutcome(m.SplitURL(u)), splitOutcome(SplitURL(u)); got != want {
				t.Fatalf("%q after %q:\nmemo  %s\nalone %s", u, a, got, want)
			}
		}
	})
}
