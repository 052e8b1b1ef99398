package sigcore

import (
	"github.com/batchsign/batchsign/sigerr"

	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
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

// refEscape is AppendURIEscape as it was written before appendEscape: a
// table test per byte, runs copied at once; the reference the fast path
// must match byte for byte.
func refEscape(dst []byte, s string, keepSlash bool) []byte {
	keep := &unreserved
	if keepSlash {
		keep = &unreservedOrSlash
	}
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep[c] {
			continue
		}
		dst = append(dst, s[run:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		run = i + 1
	}
	return append(dst, s[run:]...)
}

// checkEscape: AppendURIEscape is refEscape, and AppendURIEscapeUTF8 is
// CheckUTF8 then refEscape (dst untouched and CheckUTF8's error when s is
// not valid UTF-8), for both slash modes.
func checkEscape(t *testing.T, s string) {
	t.Helper()
	for _, keepSlash := range []bool{false, true} {
		want := string(refEscape([]byte("pre"), s, keepSlash))
		if got := AppendURIEscape([]byte("pre"), s, keepSlash); string(got) != want {
			t.Fatalf("AppendURIEscape(%q, %v) = %q, want %q", s, keepSlash, got, want)
		}
		got, err := AppendURIEscapeUTF8([]byte("pre"), s, keepSlash)
		wantErr := CheckUTF8(s)
		if wantErr != nil {
			want = "pre"
		}
		if string(got) != want || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("AppendURIEscapeUTF8(%q, %v) = %q, %v; want %q, %v", s, keepSlash, got, err, want, wantErr)
		}
		if err != nil && !errors.Is(err, sigerr.ErrInvalidUTF8) {
			t.Fatalf("%q: %v is not ErrInvalidUTF8", s, err)
		}
	}
}

// TestAppendURIEscapeIsReference: every string of up to two bytes, every
// string of three and four bytes over the bytes where UTF-8's rules change,
// and random strings mixing ASCII, valid and broken UTF-8.
func TestAppendURIEscapeIsReference(t *testing.T) {
	for a := 0; a < 256; a++ {
		checkEscape(t, string([]byte{byte(a)}))
		for b := 0; b < 256; b++ {
			checkEscape(t, string([]byte{byte(a), byte(b)}))
		}
	}
	edges := []byte{0, '/', 'a', '~', '%', 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF}
	var buf [4]byte
	for _, a := range edges {
		for _, b := range edges {
			for _, c := range edges {
				buf[0], buf[1], buf[2] = a, b, c
				checkEscape(t, string(buf[:3]))
				for _, d := range edges {
					buf[3] = d
					checkEscape(t, string(buf[:4]))
				}
			}
		}
	}
	for _, s := range []string{"\xc3abcdefgh", "\xe6\x97abcdefgh", "abcdefg\xc3abcdefgh", "abcdefgh\xc3", "abcdefghabcdefghabcdefghabcdefghabcdefgh\xff", "a/b/c/d/e/f/g/h/", "[abcdefg", "abcdefg`", "@ABCDEFG", "ABCDEFG{", ",-./0123", "456789:;"} {
		checkEscape(t, s)
	}
	rng := rand.New(rand.NewPCG(13, 1))
	pieces := []string{"a", "Z", "0", "-", ".", "_", "~", "/", " ", "%", "+", "?", "é", "ü", "日本", "😀", "\U0010FFFF", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x00",
		"abcdefgh", "0123456789-._~/AZ", "exports/2026/report", "\xe6\x97"} // whole words of unreserved bytes, after a sequence cut short
	for range 20000 {
		var b []byte
		for range rng.IntN(40) + rng.IntN(2)*rng.IntN(800) { // some past escapeGrow
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		checkEscape(t, string(b))
	}
}

// TestAppendURIEscapeDoesNotAllocate: with room in dst, neither form
// allocates.
func TestAppendURIEscapeDoesNotAllocate(t *testing.T) {
	// A long key that needs no escapes grows dst to about its size.
	long := strings.Repeat("exports/2026/", 1<<16)
	if got := AppendURIEscape(nil, long, true); string(got) != long || cap(got) > len(long)+len(long)/2 {
		t.Fatalf("len %d cap %d for %d bytes", len(got), cap(got), len(long))
	}

	s := "résumé/a b+c/日本語/~x"
	dst := make([]byte, 0, 4*len(s))
	if n := testing.AllocsPerRun(100, func() {
		dst = AppendURIEscape(dst[:0], s, true)
		dst, _ = AppendURIEscapeUTF8(dst[:0], s, false)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// TestAppendURIEscapeLastWord: strings of 8 to 40 bytes, unreserved but for
// one byte (reserved, '/', a lead or continuation byte, invalid) at every
// position, so that the last word, which overlaps bytes already escaped,
// holds that byte, sits just before it or after it.
func TestAppendURIEscapeLastWord(t *testing.T) {
	for n := 8; n <= 40; n++ {
		for pos := range n {
			for _, c := range []byte{' ', '/', '%', '~', 0xc3, 0xa9, 0xff, 0x7f} {
				b := []byte(strings.Repeat("aZ0-._~9", 5)[:n])
				b[pos] = c
				checkEscape(t, string(b))
				if pos+1 < n && c == 0xc3 {
					b[pos+1] = 0xa9 // é, valid
					checkEscape(t, string(b))
				}
			}
		}
	}
}

// FuzzAppendURIEscape: AppendURIEscape is refEscape; AppendURIEscapeUTF8 is
// CheckUTF8 then refEscape.
func FuzzAppendURIEscape(f *testing.F) {
	for _, s := range []string{"", "a b/c+d", "résumé/日本語", "\xff", "a\xe2\x82", "\xed\xa0\x80", "😀~"} {
		f.Add(s)
	}
	f.Fuzz(checkEscape)
}

// escapeBenchKeys are object keys of the kinds a manifest holds: plain
// ASCII, and hostile (reserved characters, unicode, short runs between).
var escapeBenchKeys = map[string]string{
	"ASCII":   "exports/2026/11/23/customer-0001234/report-final_v2.csv",
	"Hostile": "résumé/README/+%2B+`)^q?x=1#frag 􏿿/Ångström///한글\n+'/+%2B+.hiddencafé/report (final).pdf/€///ß/Z/+a+b\u200b$ %2fsnake_caseßрусский",
}

// BenchmarkAppendURIEscape is the S3 key path: CheckUTF8 then
// AppendURIEscape as the signer did (CheckThenEscape, the reference
// escape), against the one pass (EscapeUTF8).
func BenchmarkAppendURIEscape(b *testing.B) {
	for _, name := range []string{"ASCII", "Hostile"} {
		s := escapeBenchKeys[name]
		dst := make([]byte, 0, 4*len(s))
		b.Run(name+"/CheckThenEscape", func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				if CheckUTF8(s) == nil {
					dst = refEscape(dst[:0], s, true)
				}
			}
		})
		b.Run(name+"/EscapeUTF8", func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				dst, _ = AppendURIEscapeUTF8(dst[:0], s, true)
			}
		})
	}
}

// TestAllUnreservedIsTheTable: the eight-byte test agrees with the byte
// table for every pair of adjacent bytes at every position (a carry or
// borrow between bytes would show there), with and without '/'.
func TestAllUnreservedIsTheTable(t *testing.T) {
	for _, keepSlash := range []bool{false, true} {
		keep, slash := &unreserved, uint64(0)
		if keepSlash {
			keep, slash = &unreservedOrSlash, 0x8080808080808080
		}
		for p := 0; p < 7; p++ {
			for a := 0; a < 256; a++ {
				for b := 0; b < 256; b++ {
					w := []byte("aZ0-._~9")
					w[p], w[p+1] = byte(a), byte(b)
					want := keep[a] && keep[b]
					if got := allUnreserved(binary.LittleEndian.Uint64(w), slash); got != want {
						t.Fatalf("%q keepSlash %v: %v, want %v", w, keepSlash, got, want)
					}
				}
			}
		}
	}
}
