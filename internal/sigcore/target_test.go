package sigcore

import (
	"strings"
	"testing"
)

// checkTargetByByte is checkTarget as it was written first, a byte at a
// time: the reference the word-at-a-time checkTarget must agree with.
func checkTargetByByte(s string, base int) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if targetByte[c] {
			continue
		}
		if c != '%' {
			return badByte(c, base+i, "a request target")
		}
		if i+2 >= len(s) || !hexByte[s[i+1]] || !hexByte[s[i+2]] {
			return FieldErr(FieldURL, &EscapeError{Offset: base + i})
		}
		i += 2
	}
	return nil
}

// checkTargetAgrees: checkTarget and checkTargetByByte give the same
// verdict, in the same words (the offset included).
func checkTargetAgrees(t *testing.T, s string) {
	t.Helper()
	got, want := checkTarget(s, 7), checkTargetByByte(s, 7)
	if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
		t.Fatalf("checkTarget(%q) = %v, byte by byte %v", s, got, want)
	}
}

// TestCheckTargetIsByteByByte puts every byte value, and every escape
// shape, at every offset of runs around the eight-byte step.
func TestCheckTargetIsByteByByte(t *testing.T) {
	for n := 0; n <= 26; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				b[at] = byte(c)
				checkTargetAgrees(t, string(b))
			}
			for _, esc := range []string{"%", "%4", "%41", "%4g", "%g4", "%%41", "%2F%2f", "%41%"} {
				b := []byte(strings.Repeat("/", n))
				s := string(b[:at]) + esc + string(b[at:])
				checkTargetAgrees(t, s)
				checkTargetAgrees(t, s[:n])
			}
		}
	}
}

func FuzzCheckTarget(f *testing.F) {
	for _, s := range []string{"/a/b?x=1&y=%2F", "/exports/2026/part-00042.parquet?X-Amz-Credential=AKID%2F2013", "/%zz", "/a b", "/é", "/1234567%"} {
		f.Add(s)
	}
	f.Fuzz(checkTargetAgrees)
}

// BenchmarkCheckTarget is the request-target check of a presigned URL
// with an override, the bytes SplitURL reads after the host.
func BenchmarkCheckTarget(b *testing.B) {
	const s = "/exports/2026/11/23/part-00042.parquet?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&response-content-disposition=attachment%3B%20filename%3D%22part-00042.parquet%22&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if err := checkTarget(s, 0); err != nil {
			b.Fatal(err)
		}
	}
}
