package urltest

import "testing"

func TestPart(t *testing.T) {
	const u = "https://h:1/p/q?a=/?b"
	want := "ssssssss" + "aaa" + "pppp" + "qqqqqq"
	for i := range u {
		got := Part(u, i)
		if got[0] != want[i] {
			t.Errorf("Part(%q, %d) = %s", u, i, got)
		}
	}
	if Part("https://h?x", 9) != "query" || Part("https://h", 8) != "authority" {
		t.Error("URL without a path")
	}
}

func TestEquivalent(t *testing.T) {
	const u = "https://h/%2Fa%e9?x=%3d%%41"
	yes := map[[2]int]bool{{0, 'H'}: true, {4, 'S'}: true, {12, 'f'}: true, {15, 'E'}: true, {22, 'D'}: true}
	for k, want := range yes {
		if got := Equivalent(u, k[0], byte(k[1])); got != want {
			t.Errorf("Equivalent(%q, %d, %q) = %v", u, k[0], rune(k[1]), got)
		}
	}
	for i := range u {
		for c := 0; c < 256; c++ {
			if Equivalent(u, i, byte(c)) && !yes[[2]int{i, c}] && !(i < 5) {
				t.Errorf("Equivalent(%q, %d, %q) unexpectedly true", u, i, rune(c))
			}
		}
	}
	// "%%41": the first '%' is no escape, so "41" belongs to the second;
	// '4' and '1' have no other case.
	if Equivalent(u, 8, 'H') || Equivalent(u, 13, 'A') || Equivalent(u, 25, '4') {
		t.Error("host or plain path letter taken as equivalent")
	}
}

func TestNeverInURL(t *testing.T) {
	for _, c := range []byte(" \x00\x1f\x7f\x80\xff#\"<>\\^`{|}") {
		if !NeverInURL(c) {
			t.Errorf("NeverInURL(%q) = false", c)
		}
	}
	for _, c := range []byte("aZ09-._~!$&'()*+,;=:@/?%[]") {
		if NeverInURL(c) {
			t.Errorf("NeverInURL(%q) = true", c)
		}
	}
}

func TestSameParams(t *testing.T) {
	const u = "https://h/p?0=&a=b"
	for bad, want := range map[string]bool{
		"https://h/p?0&&a=b":   true,  // '=' to '&': "0" and an empty part
		"https://h/p?0=&a=c":   false, // another value
		"https://h/q?0=&a=b":   false, // another path
		"https://h/p?0=&a%3Db": false, // another parameter
	} {
		if got := SameParams(u, bad); got != want {
			t.Errorf("SameParams(%q, %q) = %v", u, bad, got)
		}
	}
}
