package outfile

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTempNamesFitTheNameLimit: whatever the destination's length, its
// temporary names fit the file system's limit, keep the start of the name
// readable, never split a UTF-8 sequence, and stay apart for names that
// differ only at the end.
func TestTempNamesFitTheNameLimit(t *testing.T) {
	for _, nmax := range []int{255, 143} {
		keys := map[string]bool{}
		for n := 1; n <= nmax; n++ {
			for _, base := range []string{strings.Repeat("a", n), strings.Repeat("é", n/2) + strings.Repeat("z", n%2)} {
				tmp := "." + nameKey(base, nmax) + ".4194304.deadbeef" + tempSuffix
				if len(tmp) > nmax || len(tmp) > 100 {
					t.Fatalf("nmax %d: %d-byte name: %d-byte temporary name %s", nmax, len(base), len(tmp), tmp)
				}
				if !utf8.ValidString(tmp) || !strings.HasPrefix(tmp, "."+clip(base, 20)) {
					t.Fatalf("temporary name %q for %q", tmp, base)
				}
				if keys[nameKey(base, nmax)] {
					t.Fatalf("nmax %d: two names share the key %s", nmax, nameKey(base, nmax))
				}
				keys[nameKey(base, nmax)] = true
			}
		}
	}
	if k := nameKey("urls.ndjson", 255); k != "urls.ndjson" {
		t.Errorf("short name's key = %q", k)
	}
}

func TestBesideFitsTheNameLimit(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"urls.csv", "urls.rejects.ndjson"},
		{"out/urls", "out/urls.rejects.ndjson"},
		{"a.b/urls.parquet", "a.b/urls.rejects.ndjson"},
		{strings.Repeat("a", 245) + ".ndjson", strings.Repeat("a", 240) + ".rejects.ndjson"},
	} {
		if got := Beside(tc.path, ".rejects.ndjson"); got != tc.want {
			t.Errorf("Beside(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
