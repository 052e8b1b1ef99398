package sigcore

import (
	"github.com/batchsign/batchsign/sigerr"

	"errors"
	"reflect"
	"testing"
)

func TestAppendQueryParams(t *testing.T) {
	cases := []struct {
		raw  string
		want []QueryParam
	}{
		{"", nil},
		{"a=1&&b", []QueryParam{{"a", "1"}, {"b", ""}}},
		{"x+y=a%2Fb&%E1%88%B4=%20", []QueryParam{{"x+y", "a/b"}, {"ሴ", " "}}},
		{"k=v=w", []QueryParam{{"k", "v=w"}}},
	}
	for _, tc := range cases {
		got, err := AppendQueryParams(nil, tc.raw)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %q, %v; want %q", tc.raw, got, err, tc.want)
		}
	}
	if _, err := AppendQueryParams(nil, "a=%zz"); !errors.Is(err, sigerr.ErrMalformedEscape) {
		t.Errorf("bad escape: %v", err)
	}
}

func TestURIUnescapeWithoutEscapesDoesNotAllocate(t *testing.T) {
	s := "plain-key/with.no~escapes"
	if n := testing.AllocsPerRun(100, func() {
		if got, _ := URIUnescape(s); got != s {
			t.Fatal(got)
		}
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// TestAppendURIReescapeIsEscapeOfUnescape: the one-pass re-encoding gives
// AppendURIEscape of AppendURIUnescape, and its error, for every input.
func TestAppendURIReescapeIsEscapeOfUnescape(t *testing.T) {
	for _, s := range []string{"", "a b", "%41%7e%7E%2f%2F/x", "%zz", "ab%4", "%", "a%2", "ü%C3%BC+&=", "%00%ff%FF", "/a//b/%2e%2E/"} {
		checkReescape(t, s)
	}
}

func checkReescape(t *testing.T, s string) {
	t.Helper()
	for _, keepSlash := range []bool{false, true} {
		got, err := AppendURIReescape([]byte("pre"), s, keepSlash)
		dec, wantErr := AppendURIUnescape(nil, s)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("%q: error %v, want %v", s, err, wantErr)
		}
		if err == nil && string(got) != "pre"+string(AppendURIEscape(nil, string(dec), keepSlash)) {
			t.Fatalf("%q keepSlash %v: %q", s, keepSlash, got)
		}
	}
}

// FuzzAppendURIReescape: AppendURIReescape is AppendURIEscape of
// AppendURIUnescape, errors included.
func FuzzAppendURIReescape(f *testing.F) {
	for _, s := range []string{"", "a%20b", "%zz", "%C3%BC/%2f", "x%"} {
		f.Add(s)
	}
	f.Fuzz(checkReescape)
}
