// Package urltest holds what the schemes' tests share about one-byte
// changes to a signed URL: which part of the URL a byte is in, which changes
// leave the same URL (and so may still verify), and which bytes no URL
// batchsign signs or verifies may carry. It is imported by tests only.
package urltest

import (
	"slices"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// Part names the part of absolute URL u that byte i is in: "scheme" (up to
// and including "://"), "authority", "path" or "query" (from the '?').
func Part(u string, i int) string {
	sep := strings.Index(u, "://")
	if sep < 0 || i < sep+3 {
		return "scheme"
	}
	rest := u[sep+3:]
	j := i - sep - 3
	end := strings.IndexAny(rest, "/?")
	switch q := strings.IndexByte(rest, '?'); {
	case end < 0 || j < end:
		return "authority"
	case q < 0 || j < q:
		return "path"
	}
	return "query"
}

// Equivalent reports whether replacing u[i] by c gives the same URL under
// RFC 3986 §6.2.2.1, which a verifier may therefore accept: a change of case
// of a letter of the scheme, or of a hex digit of a percent-escape ("%2F" and
// "%2f"). No other one-byte change leaves the same URL.
func Equivalent(u string, i int, c byte) bool {
	if !sameLetterOtherCase(u[i], c) {
		return false
	}
	if Part(u, i) == "scheme" {
		return i < strings.Index(u, "://")
	}
	if !isHex(c) {
		return false
	}
	// Is u[i] one of the two digits of an escape? Escapes are read from
	// the left, as a decoder reads them.
	for k := 0; k < len(u) && k <= i; k++ {
		if u[k] == '%' && k+2 < len(u) && isHex(u[k+1]) && isHex(u[k+2]) {
			if i == k+1 || i == k+2 {
				return true
			}
			k += 2
		}
	}
	return false
}

// NeverInURL reports the bytes that no URL batchsign signs or verifies
// carries as they are, anywhere (they must be percent-encoded): space,
// controls, DEL, bytes over 0x7f, '#', and '"' '<' '>' '\' '^' '`' '{' '|'
// '}'. A verifier must call a URL holding one malformed.
func NeverInURL(c byte) bool {
	return c <= ' ' || c >= 0x7f || strings.IndexByte("#\"<>\\^`{|}", c) >= 0
}

func sameLetterOtherCase(a, b byte) bool {
	return a != b && a|0x20 == b|0x20 && 'a' <= a|0x20 && a|0x20 <= 'z'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}

// SameParams reports whether two URLs differ only in how their query
// spells the same parameters: "k=" and "k" are one empty-valued parameter,
// and an empty part ("&&") is none, for S3 and Cloud Storage as for every
// server that reads a query as key=value pairs. It is the same request, so
// the same signature, and a verifier may accept both.
func SameParams(a, b string) bool {
	ua, err1 := sigcore.SplitURL(a)
	ub, err2 := sigcore.SplitURL(b)
	if err1 != nil || err2 != nil || ua.Scheme != ub.Scheme || ua.Host != ub.Host || ua.Path != ub.Path {
		return false
	}
	pa, err1 := sigcore.AppendQueryParams(nil, ua.RawQuery)
	pb, err2 := sigcore.AppendQueryParams(nil, ub.RawQuery)
	return err1 == nil && err2 == nil && slices.Equal(pa, pb)
}
