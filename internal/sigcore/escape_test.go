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
