package sigcore

import "testing"

func TestConstantTimeEqualStringAgreesWithBytes(t *testing.T) {
	for _, c := range [][2]string{{"", ""}, {"a", "a"}, {"a", "b"}, {"abc", "abd"}, {"abc", "ab"}, {"xbc", "abc"}} {
		want := c[0] == c[1]
		if ConstantTimeEqualString(c[0], c[1]) != want || ConstantTimeEqual([]byte(c[0]), []byte(c[1])) != want {
			t.Errorf("equal(%q, %q) != %v", c[0], c[1], want)
		}
	}
}
