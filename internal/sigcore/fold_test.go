package sigcore

import (
	"strings"
	"testing"
)

func TestFoldASCII(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		equal bool
	}{
		{"X-Goog-Date", "x-goog-date", true},
		{"", "", true},
		{"abc", "abd", false},
		{"abc", "ab", false},
		{"\u212a", "k", false}, // the Kelvin sign folds in Unicode only
		{"@[`{", "@[`{", true},
		{"@", "`", false}, // neighbours of the letters stay apart
		{"[", "{", false},
	} {
		if got := EqualFoldASCII(c.a, c.b); got != c.equal {
			t.Errorf("EqualFoldASCII(%q, %q) = %v", c.a, c.b, got)
		}
		if got := CompareFoldASCII(c.a, c.b) == 0; got != c.equal {
			t.Errorf("CompareFoldASCII(%q, %q) = %d", c.a, c.b, CompareFoldASCII(c.a, c.b))
		}
		if want := strings.Compare(strings.ToLower(c.a), strings.ToLower(c.b)); c.a != "\u212a" && sign(CompareFoldASCII(c.a, c.b)) != want {
			t.Errorf("CompareFoldASCII(%q, %q) = %d, want the sign %d", c.a, c.b, CompareFoldASCII(c.a, c.b), want)
		}
	}
	if !HasPrefixFoldASCII("X-Amz-Meta", "x-amz-") || HasPrefixFoldASCII("x-am", "x-amz-") || HasPrefixFoldASCII("x-amy-a", "x-amz-") {
		t.Error("HasPrefixFoldASCII")
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
