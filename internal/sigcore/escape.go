package sigcore

import (
	"github.com/batchsign/batchsign/sigerr"

	"encoding/binary"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const upperHex = "0123456789ABCDEF"

// unreserved reports the bytes SigV4 leaves as they are: A-Z a-z 0-9 - . _ ~.
// Every other byte is percent-encoded with upper-case hex.
var unreserved = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'], t['.'], t['_'], t['~'] = true, true, true, true
	return t
}()

// AppendURIEscape appends s to dst with every byte outside A-Z a-z 0-9 - . _ ~
// written as %XX (upper-case hex), the encoding SigV4 uses for query keys and
// values and for path segments. When keepSlash is true, '/' is copied as is
// (object paths); otherwise it becomes %2F. Space is always %20, never '+'.
//
// AppendURIEscape does not validate UTF-8; callers that must reject invalid
// UTF-8 (S3 object keys) use AppendURIEscapeUTF8, which checks as it escapes.
func AppendURIEscape(dst []byte, s string, keepSlash bool) []byte {
	dst, _ = appendEscape(dst, s, keepSlash)
	return dst
}

// AppendURIEscapeUTF8 is AppendURIEscape for text that must be valid UTF-8
// (S3 object keys, query parameters): it appends the escaped form of s, or,
// when s is not valid UTF-8, returns dst unchanged and the error CheckUTF8
// gives, in one pass over s instead of a check and then an escape.
func AppendURIEscapeUTF8(dst []byte, s string, keepSlash bool) ([]byte, error) {
	n := len(dst)
	dst, valid := appendEscape(dst, s, keepSlash)
	if !valid {
		return dst[:n], CheckUTF8(s)
	}
	return dst, nil
}

// escapeWords holds, for each byte, what escaping writes for it in the low
// bytes of a little-endian word (the byte itself, or "%XX" in upper-case
// hex) and how many bytes that is in bits 32 and up: one load and one
// four-byte store per byte, whatever the byte. escapeWordsSlash is the same
// with '/' kept.
var escapeWords, escapeWordsSlash = escapeTable(&unreserved), escapeTable(&unreservedOrSlash)

func escapeTable(keep *[256]bool) (t [256]uint64) {
	for c := range t {
		if keep[c] {
			t[c] = uint64(c) | 1<<32
		} else {
			t[c] = '%' | uint64(upperHex[c>>4])<<8 | uint64(upperHex[c&15])<<16 | 3<<32
		}
	}
	return t
}

// appendEscape is AppendURIEscape, also reporting whether s is valid UTF-8
// (utf8.ValidString), from the same pass.
//
// Hostile keys interleave short runs of unreserved bytes (two bytes is
// typical) with escapes and multi-byte characters, where any branch on the
// kind of byte is mispredicted at every change. So the loop has none: it
// grows dst for the worst case (every byte escaped) and, per byte,
// stores the byte's escapeWords entry (the fourth byte of a store is
// overwritten by the next or cut off) and steps the UTF-8 automaton
// utf8DFA, whose step is one shift.
func appendEscape(dst []byte, s string, keepSlash bool) ([]byte, bool) {
	tab := &escapeWords
	if keepSlash {
		tab = &escapeWordsSlash
	}
	n := len(dst)
	out := dst[:cap(dst)]
	var st uint64 // utf8Accept
	slash := uint64(0)
	if keepSlash {
		slash = 0x8080808080808080
	}
	for i := 0; i < len(s); {
		// Room for the rest of s as it is and for the worst case (every
		// byte escaped) of at most escapeGrow bytes of it: a long key that
		// needs no escapes grows dst once, to about its size, not three
		// times it.
		if len(out)-n < escapeRoom {
			if want := len(s) - i + 2*min(len(s)-i, escapeGrow) + 1; len(out)-n < want {
				out = slices.Grow(out[:n], want)
				out = out[:cap(out)]
			}
		}
		if w := uint64(0); i+8 <= len(s) {
			if w = load64(s, i); allUnreserved(w, slash) {
				// Eight bytes as they are (plain object keys are mostly
				// such words): one store, and the automaton's step on ASCII.
				binary.LittleEndian.PutUint64(out[n:], w)
				n += 8
				i += 8
				st = utf8DFA['a'] >> (st & 63)
				if r := len(s) - i; r > 0 && r < 8 {
					// The rest ("…parquet") is shorter than a word: the
					// last word of s overlaps this one, so if it is all
					// unreserved it is stored over this one's last 8-r
					// bytes (the same bytes) and the rest.
					if w = load64(s, len(s)-8); allUnreserved(w, slash) {
						binary.LittleEndian.PutUint64(out[n-(8-r):], w)
						n += r
						break
					}
				}
				continue
			}
		}
		// Text with escapes goes byte by byte for a while before the next
		// try: a failed try costs more than a byte.
		for end := min(i+escapeStride, len(s)); i < end; i++ {
			c := s[i]
			e := tab[c]
			binary.LittleEndian.PutUint32(out[n:], uint32(e))
			n += int(e >> 32)
			st = utf8DFA[c] >> (st & 63)
		}
	}
	return out[:n], st&63 == utf8Accept
}

// escapeStride is how many bytes appendEscape takes one at a time after a
// word that was not all unreserved; escapeRoom is the most one step of its
// loop writes (a word, or escapeStride escapes and a store's fourth byte),
// and escapeGrow the most bytes of s it makes room for at once.
const (
	escapeStride = 32
	escapeRoom   = 3*escapeStride + 1
	escapeGrow   = 2048
)

// load64 is the little-endian word of s at i (one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// allUnreserved reports whether every byte of w is one escaping keeps:
// A-Z a-z 0-9 - . _ ~, and '/' when slash is highs (0: '/' is escaped),
// eight bytes at once. On bytes below 0x80, adding 0x80-lo sets a byte's
// high bit exactly when it is ≥ lo, and adding 0x7F-hi exactly when it is
// > hi, with no carry into the next byte; bytes from 0x80 up fail on their
// own high bit.
func allUnreserved(w, slash uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := w &^ highs
	y := x | 0x20*ones // A-Z folded onto a-z
	u, t, sl := x^('_'*ones), x^('~'*ones), x^('/'*ones)
	ok := (x+(0x80-'-')*ones)&^(x+(0x7F-'9')*ones)&^(^(sl+0x7F*ones)&^slash) | // - . / 0-9
		(y+(0x80-'a')*ones)&^(y+(0x7F-'z')*ones) | ^(u + 0x7F*ones) | ^(t + 0x7F*ones)
	return ok&^w&highs == highs
}

// utf8DFA is a shift-based automaton (Per Vognsen's form of Björn
// Höhrmann's) that accepts exactly the valid UTF-8 of
// utf8.ValidString: shortest forms, no surrogates, nothing above U+10FFFF.
// A state is a bit offset; utf8DFA[c] holds, at each state's offset, the
// six-bit offset of the state after byte c. The rejecting state leads to
// itself on every byte.
var utf8DFA = func() (t [256]uint64) {
	const (
		accept = utf8Accept
		reject = 6 * iota
		cont1  // one continuation byte (80..BF) to go
		cont2  // two
		cont3  // three
		afterE0
		afterED
		afterF0
		afterF4
	)
	set := func(from uint64, lo, hi int, to uint64) {
		for c := lo; c <= hi; c++ {
			t[c] = t[c]&^(63<<from) | to<<from
		}
	}
	for _, st := range []uint64{accept, reject, cont1, cont2, cont3, afterE0, afterED, afterF0, afterF4} {
		set(st, 0, 255, reject)
	}
	set(accept, 0x00, 0x7F, accept)
	set(accept, 0xC2, 0xDF, cont1)
	set(accept, 0xE0, 0xE0, afterE0)
	set(accept, 0xE1, 0xEC, cont2)
	set(accept, 0xED, 0xED, afterED)
	set(accept, 0xEE, 0xEF, cont2)
	set(accept, 0xF0, 0xF0, afterF0)
	set(accept, 0xF1, 0xF3, cont3)
	set(accept, 0xF4, 0xF4, afterF4)
	set(cont1, 0x80, 0xBF, accept)
	set(cont2, 0x80, 0xBF, cont1)
	set(cont3, 0x80, 0xBF, cont2)
	set(afterE0, 0xA0, 0xBF, cont1)
	set(afterED, 0x80, 0x9F, cont1)
	set(afterF0, 0x90, 0xBF, cont2)
	set(afterF4, 0x80, 0x8F, cont2)
	return t
}()

// utf8Accept is utf8DFA's starting and accepting state.
const utf8Accept = 0

// unreservedOrSlash is unreserved plus '/', for paths that keep their slashes.
var unreservedOrSlash = func() [256]bool {
	t := unreserved
	t['/'] = true
	return t
}()

// URIEscape is AppendURIEscape returning a string, for code off the hot path.
func URIEscape(s string, keepSlash bool) string {
	return string(AppendURIEscape(make([]byte, 0, len(s)+len(s)/2), s, keepSlash))
}

// unhex returns the value of one hex digit and whether it was one.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// AppendURIUnescape appends the percent-decoded form of s to dst. Unlike
// net/url it never turns '+' into a space (SigV4 and S3 never do) and it
// reports a malformed escape instead of guessing.
func AppendURIUnescape(dst []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(s) {
			return dst, &EscapeError{Offset: i}
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return dst, &EscapeError{Offset: i}
		}
		dst = append(dst, hi<<4|lo)
		i += 2
	}
	return dst, nil
}

// AppendURIReescape appends the canonical form of wire text s: s decoded as
// AppendURIUnescape decodes it and encoded as AppendURIEscape encodes it,
// in one pass and without the decoded copy, so a verifier turns the path
// and query it reads into the bytes it hashes at once. A malformed escape
// is the *EscapeError AppendURIUnescape would give (dst is then partial).
func AppendURIReescape(dst []byte, s string, keepSlash bool) ([]byte, error) {
	keep := &unreserved
	if keepSlash {
		keep = &unreservedOrSlash
	}
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' {
			if i+2 >= len(s) {
				return dst, &EscapeError{Offset: i}
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return dst, &EscapeError{Offset: i}
			}
			dst = append(dst, s[run:i]...)
			if c = hi<<4 | lo; keep[c] {
				dst = append(dst, c)
			} else {
				dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
			}
			i += 2
			run = i + 1
			continue
		}
		if keep[c] {
			continue
		}
		dst = append(dst, s[run:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		run = i + 1
	}
	return append(dst, s[run:]...), nil
}

// CheckEscapes returns the *EscapeError AppendURIUnescape would give for s,
// or nil, without decoding anything.
func CheckEscapes(s string) error {
	for i := strings.IndexByte(s, '%'); i >= 0 && i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) {
			return &EscapeError{Offset: i}
		}
		_, ok1 := unhex(s[i+1])
		_, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return &EscapeError{Offset: i}
		}
		i += 2
	}
	return nil
}

// URIUnescape is AppendURIUnescape returning a string.
// Text without a '%' is returned as is, without allocating.
func URIUnescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	b, err := AppendURIUnescape(make([]byte, 0, len(s)), s)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// EscapeError reports a malformed percent escape in text from outside.
type EscapeError struct {
	Offset int // byte offset of the '%'
}

func (e *EscapeError) Error() string {
	return "malformed percent escape at byte " + strconv.Itoa(e.Offset)
}

// Unwrap makes errors.Is(err, sigerr.ErrMalformedEscape) true.
func (e *EscapeError) Unwrap() error { return sigerr.ErrMalformedEscape }

// InvalidUTF8Error reports a string that is not valid UTF-8, with the byte
// offset of the first bad sequence, so a manifest row can name it.
type InvalidUTF8Error struct {
	Offset int
}

func (e *InvalidUTF8Error) Error() string {
	return "invalid UTF-8 at byte " + strconv.Itoa(e.Offset)
}

// Unwrap makes errors.Is(err, sigerr.ErrInvalidUTF8) true.
func (e *InvalidUTF8Error) Unwrap() error { return sigerr.ErrInvalidUTF8 }

// CheckUTF8 returns an *InvalidUTF8Error for the first invalid sequence in s.
func CheckUTF8(s string) error {
	if utf8.ValidString(s) { // word-at-a-time ASCII fast path
		return nil
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return &InvalidUTF8Error{Offset: i}
		}
		i += size
	}
	return nil
}

// AppendQueryParams appends the decoded pairs of a raw query string (no
// leading '?') to dst, in their order. Empty parts are skipped, a part
// without '=' has an empty value, and '+' stays a literal plus, as in SigV4's
// own encoding. Keys and values without escapes are sub-strings of raw.
func AppendQueryParams(dst []QueryParam, raw string) ([]QueryParam, error) {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := URIUnescape(k)
		if err != nil {
			return dst, err
		}
		dv, err := URIUnescape(v)
		if err != nil {
			return dst, err
		}
		dst = append(dst, QueryParam{Key: dk, Value: dv})
	}
	return dst, nil
}

// IsUnreserved reports whether c is one of the bytes URI escaping leaves as it
// is: A-Z a-z 0-9 - . _ ~.
func IsUnreserved(c byte) bool { return unreserved[c] }
