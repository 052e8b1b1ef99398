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
	dst, bad := appendEscape(dst, s, keepSlash)
	if bad >= 0 {
		return dst[:n], &InvalidUTF8Error{Offset: bad}
	}
	return dst, nil
}

// escapeTab holds "%XX" (upper-case hex) of each byte in the low three
// bytes of a little-endian word, so an escape is one four-byte store.
var escapeTab = func() (t [256]uint32) {
	for c := range t {
		t[c] = '%' | uint32(upperHex[c>>4])<<8 | uint32(upperHex[c&15])<<16
	}
	return t
}()

// appendEscape is AppendURIEscape, also returning the offset of the first
// sequence of s that is not valid UTF-8 (the offset CheckUTF8 reports), or
// -1. Every byte of s from 0x80 up is escaped whether or not its sequence is
// valid, so checking costs only the tests on the bytes already off the
// unreserved path.
//
// Hostile keys interleave short runs of unreserved bytes (two bytes is
// typical) with escapes, so instead of copying runs it grows dst once for
// the worst case (every byte escaped) and stores byte by byte, an escape in
// one four-byte store (escapeTab; the fourth byte is overwritten next or
// cut off).
func appendEscape(dst []byte, s string, keepSlash bool) ([]byte, int) {
	keep := &unreserved
	if keepSlash {
		keep = &unreservedOrSlash
	}
	n := len(dst)
	dst = slices.Grow(dst, 3*len(s)+1)
	out := dst[:cap(dst)]
	bad := -1
	for i := 0; i < len(s); {
		c := s[i]
		if keep[c] {
			out[n] = c
			n++
			i++
			continue
		}
		size := 1
		if c >= utf8.RuneSelf && bad < 0 {
			if size = utf8Size(s, i); size == 0 {
				bad, size = i, 1
			}
		}
		for k := 0; k < size; k++ {
			binary.LittleEndian.PutUint32(out[n:], escapeTab[s[i+k]])
			n += 3
		}
		i += size
	}
	return out[:n], bad
}

// utf8Size returns the length of the valid UTF-8 sequence that starts at
// s[i] (a byte ≥ 0x80), or 0 when it is not one: the rules of
// utf8.DecodeRuneInString (shortest form, no surrogates, at most U+10FFFF).
func utf8Size(s string, i int) int {
	c := s[i]
	switch {
	case c < 0xC2:
		return 0
	case c < 0xE0:
		if i+1 < len(s) && cont(s[i+1]) {
			return 2
		}
	case c < 0xF0:
		lo, hi := byte(0x80), byte(0xBF)
		if c == 0xE0 {
			lo = 0xA0
		} else if c == 0xED {
			hi = 0x9F
		}
		if i+2 < len(s) && lo <= s[i+1] && s[i+1] <= hi && cont(s[i+2]) {
			return 3
		}
	case c < 0xF5:
		lo, hi := byte(0x80), byte(0xBF)
		if c == 0xF0 {
			lo = 0x90
		} else if c == 0xF4 {
			hi = 0x8F
		}
		if i+3 < len(s) && lo <= s[i+1] && s[i+1] <= hi && cont(s[i+2]) && cont(s[i+3]) {
			return 4
		}
	}
	return 0
}

// cont reports whether c is a UTF-8 continuation byte.
func cont(c byte) bool { return c&0xC0 == 0x80 }

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
