package sigcore

import "testing"

func TestSplitURLKeepsWireBytes(t *testing.T) {
	cases := []struct {
		raw                       string
		scheme, host, path, query string
		ok                        bool
	}{
		{"https://b.s3.amazonaws.com/a%20b//c?x=1&y=%2F#frag", "https", "b.s3.amazonaws.com", "/a%20b//c", "x=1&y=%2F", true},
		{"http://h:9000", "http", "h:9000", "/", "", true},
		{"https://h?q", "https", "h", "/", "q", true},
		{"https:///path", "https", "", "/path", "", false},
		{"no-scheme/path", "", "", "", "", false},
		{"://h/", "", "", "", "", false},
	}
	for _, c := range cases {
		scheme, host, path, query, ok := SplitURL(c.raw)
		if scheme != c.scheme || host != c.host || path != c.path || query != c.query || ok != c.ok {
			t.Errorf("SplitURL(%q) = %q %q %q %q %v", c.raw, scheme, host, path, query, ok)
		}
	}
}

func TestPickSignedKeepsListedHeaders(t *testing.T) {
	hs := []Header{{"Range", "bytes=0-1"}, {"X-Amz-Date", "d"}, {"Other", "o"}}
	got := PickSigned(hs, "host;range;x-amz-date")
	if len(got) != 2 || got[0].Name != "Range" || got[1].Name != "X-Amz-Date" {
		t.Fatalf("got %v", got)
	}
	if HasListItem("host;range", "ran") || !HasListItem("host;range", "range") || HasListItem("", "") {
		t.Fatal("HasListItem matches partial or empty items")
	}
}
