package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHostileRowsAreReproducibleAndHostile: the same seed gives the same
// rows, and the rows carry what issue 13's comparison asks for.
func TestHostileRowsAreReproducibleAndHostile(t *testing.T) {
	const n = 3000
	a, b, c := newHostile(13), newHostile(13), newHostile(14)
	var long, overrides, nfd, other int
	reserved := ":/?#[]@!$&'()*+,;= "
	seen := map[rune]bool{}
	regions := map[string]bool{}
	differ := false
	for i := range n {
		ra, rb, rc := a.row(i), b.row(i), c.row(i)
		if ra.Key != rb.Key || ra.Bucket != rb.Bucket || *ra.Expires != *rb.Expires || ra.Method != rb.Method || len(ra.Query) != len(rb.Query) {
			t.Fatalf("row %d: two generators seeded alike differ", i)
		}
		differ = differ || ra.Key != rc.Key
		if !utf8.ValidString(ra.Key) || len(ra.Key) > 1024 || ra.Key == "" {
			t.Fatalf("row %d: key %q: want 1–1,024 bytes of UTF-8", i, ra.Key)
		}
		if len(ra.Key) == 1024 {
			long++
		}
		if ra.Query["response-content-disposition"] != "" && ra.Query["response-content-type"] != "" {
			overrides++
		}
		if strings.Contains(ra.Key, "e\u0301") {
			nfd++
		}
		if ra.Method != "" {
			other++
		}
		regions[ra.Region] = true
		for _, r := range ra.Key {
			if strings.ContainsRune(reserved, r) {
				seen[r] = true
			}
		}
	}
	if !differ {
		t.Error("seeds 13 and 14 give the same keys")
	}
	if len(seen) != len([]rune(reserved)) {
		t.Errorf("keys hold %d of the %d reserved characters", len(seen), len([]rune(reserved)))
	}
	if overrides != n/3 {
		t.Errorf("%d rows with both overrides, want %d", overrides, n/3)
	}
	if long < n/5 || nfd == 0 || other < n/20 || len(regions) != 4 {
		t.Errorf("1 KiB keys %d, NFD keys %d, PUT/HEAD/DELETE %d, regions %d", long, nfd, other, len(regions))
	}
}
