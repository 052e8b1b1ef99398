package pipeline

import (
	"math/rand/v2"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/batchsign/batchsign/sigerr"
)

// refStr is jsonDecoder.str as it was before plainEnd: a byte at a time,
// the reference the word-at-a-time scan must match (value, error, cursor).
func (d *jsonDecoder) refStr() (string, *sigerr.FieldError) {
	start := d.i + 1
	j := start
	for j < len(d.s) && !strSpecial[d.s[j]] {
		j++
	}
	if j < len(d.s) && d.s[j] == '"' {
		d.i = j + 1
		return d.s[start:j], nil
	}
	buf := append(d.scratch[:0], d.s[start:j]...)
	defer func() { d.scratch = buf[:0] }()
	var valueErr *sigerr.FieldError
	for {
		if j >= len(d.s) {
			d.i = j
			return "", d.syntax("unterminated string")
		}
		c := d.s[j]
		switch {
		case c == '"':
			d.i = j + 1
			if valueErr != nil {
				return "", valueErr
			}
			return string(buf), nil
		case c < 0x20:
			d.i = j
			return "", d.syntax("control character in string")
		case c != '\\':
			buf = append(buf, c)
			j++
			continue
		}
		// An escape.
		if j+1 >= len(d.s) {
			d.i = j
			return "", d.syntax("unterminated string")
		}
		e := d.s[j+1]
		j += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r1, ok := hex4(d.s, j)
			if !ok {
				d.i = j
				return "", d.syntax("malformed \\u escape")
			}
			j += 4
			r := rune(r1)
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if j+6 <= len(d.s) && d.s[j] == '\\' && d.s[j+1] == 'u' {
					var v uint16
					if v, ok2 = hex4(d.s, j+2); ok2 {
						r2 = rune(v)
					}
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					j += 6
				} else if valueErr == nil {
					valueErr = fieldErr("*", detail(sigerr.ErrInvalidUTF8, "\\u escape of a lone UTF-16 surrogate"))
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			d.i = j - 1
			return "", d.syntax("invalid escape")
		}
	}
}

// checkStr: str and refStr agree on line from its start (a '"'): the value,
// the error's text and field, and where the cursor ends.
func checkStr(t *testing.T, line string) {
	t.Helper()
	if line == "" || line[0] != '"' {
		line = `"` + line
	}
	d1 := jsonDecoder{s: line}
	d2 := jsonDecoder{s: line}
	v1, e1 := d1.str()
	v2, e2 := d2.refStr()
	if v1 != v2 || d1.i != d2.i || (e1 == nil) != (e2 == nil) || (e1 != nil && (e1.Error() != e2.Error() || e1.Field != e2.Field)) {
		t.Fatalf("%q: str = %q, %v at %d; reference %q, %v at %d", line, v1, e1, d1.i, v2, e2, d2.i)
	}
}

// TestPlainEndIsTheTable: the eight-byte scan stops where the byte table
// does, for every pair of adjacent bytes at every position of a word.
func TestPlainEndIsTheTable(t *testing.T) {
	for p := 0; p < 7; p++ {
		for a := 0; a < 256; a++ {
			for b := 0; b < 256; b++ {
				w := []byte("aé€xyz~~~")
				w[p], w[p+1] = byte(a), byte(b)
				want := 0
				for want < len(w) && !strSpecial[w[want]] {
					want++
				}
				if got := plainEnd(string(w), 0); got != want {
					t.Fatalf("%q: %d, want %d", w, got, want)
				}
			}
		}
	}
}

// TestStrIsReference: random JSON strings of plain text, UTF-8, escapes
// (good, bad, surrogates), control bytes and cut-off ends.
func TestStrIsReference(t *testing.T) {
	pieces := []string{"a", "key/", "résumé", "日本語", "😀", "\xff", `\"`, `\\`, `\/`, `\n`, `\t`, `\u2028`, `\u00e9`,
		`\ud83d\ude00`, `\ud800`, `\udc00x`, `\u12`, `\x`, "\x01", "\x1f", "\x7f", `"`, `\`, "abcdefghijklmnop"}
	rng := rand.New(rand.NewPCG(13, 2))
	for range 50000 {
		b := []byte{'"'}
		for range rng.IntN(24) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		if rng.IntN(4) > 0 {
			b = append(b, '"')
		}
		checkStr(t, string(b))
	}
}

// FuzzJSONStr: str is refStr.
func FuzzJSONStr(f *testing.F) {
	for _, s := range []string{`"a"`, `"résumé/\u2028\n"`, `"\ud83d\ude00"`, `"\ud800"`, "\"a\x01\"", `"abc`, `"\`} {
		f.Add(s)
	}
	f.Fuzz(checkStr)
}
