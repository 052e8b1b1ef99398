package sigcore

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/sigerr"
)

// ErrURL is the reason every URL that SplitURL refuses, but for a malformed
// percent escape (sigerr.ErrMalformedEscape).
const ErrURL = ConstError("invalid URL")

// FieldURL is the field SplitURL's errors name, as manifests name it.
const FieldURL = "url"

// URL is an absolute http or https URL cut into the parts request signing
// uses. Every string is a sub-string of the input (Scheme aside), so
// splitting allocates nothing; Path and RawQuery are as on the wire,
// percent-escapes included.
type URL struct {
	Scheme     string // "http" or "https", lower case whatever the input's case
	Host       string // the authority as written: name, IPv4 or [IPv6], with ":port" if given
	Path       string // "" or beginning with '/'
	RawQuery   string // after the first '?', without it
	ForceQuery bool   // the URL ends in a '?' with nothing after it
}

// String puts u back together: the input SplitURL was given, but for the
// scheme's case.
func (u *URL) String() string {
	s := u.Scheme + "://" + u.Host + u.Path
	if u.RawQuery != "" || u.ForceQuery {
		s += "?" + u.RawQuery
	}
	return s
}

// SplitURL splits an absolute URL the way every batchsign scheme must see
// it, signing and verifying alike, so that what one signs the other can
// verify and what one refuses the other refuses. It accepts exactly
//
//	scheme "://" host [ ":" port ] [ path ] [ "?" query ]
//
// where
//   - scheme is http or https, in any case;
//   - host is a DNS name of letters, digits, '-', '_' and '.', at most 253
//     bytes in labels of 1–63 bytes (no empty label: not "a..b", ".a" or
//     "a."); or an IPv4 address in dotted decimal (a name of digits and
//     dots must be one); or an IPv6 literal in brackets, without a zone;
//   - port is 1–65535 in decimal, without sign, spaces or leading zeros;
//   - path and query hold only the bytes an HTTP/1.1 request target may
//     carry (RFC 9112 origin-form, RFC 3986 pchar): letters, digits, the
//     marks "-._~!$&'()*+,;=:@/", '?' in the query, and '%' followed by two
//     hex digits. A space, a control byte, a byte over 0x7e, '#', '"', '<',
//     '>', '\', '^', '`', '{', '|', '}', '[' or ']' must be percent-encoded:
//     servers need not take them as they are.
//
// User information (user:password@host) is refused, whoever signs or
// verifies: it may hold a password, and it is never sent in a request. A
// fragment is refused too: it is never sent either, so a signature could
// not cover it, and "a#b" more often means a key with '#' written unescaped
// (%23) than a fragment.
//
// Errors are *sigerr.FieldError naming FieldURL, wrapping ErrURL or an
// *EscapeError (sigerr.ErrMalformedEscape) with the byte offset at fault.
// They never quote the URL: its user information, or a key pasted into it
// by mistake, may be secret.
func SplitURL(raw string) (URL, error) { return splitURL(raw, nil) }

// HostMemo remembers the last few hosts (authorities, port included) that
// its SplitURL or CheckHost accepted, so that a verifier judging the URLs of
// a run, or a Signer presigning its rows, which name a handful of hosts,
// checks each host once: a host that is byte for byte one accepted before
// is accepted again without its labels being read. What is refused is never
// remembered, so its SplitURL and CheckHost refuse exactly what SplitURL and
// CheckHost refuse, with the same errors. It keeps copies (no
// caller text stays alive). The zero value is ready to use; it is not safe
// for concurrent use.
type HostMemo struct {
	hosts [hostMemoSlots][maxMemoHost]byte
	lens  [hostMemoSlots]uint16 // 0: an empty slot
	next  int                   // the slot to replace next
}

// hostMemoSlots is how many hosts a HostMemo holds, replaced in turn; a
// manifest's rows rarely name more buckets at once. maxMemoHost bytes hold
// a name of 253 and a port.
const hostMemoSlots, maxMemoHost = 16, 259

// SplitURL is SplitURL(raw), skipping the check of a host m accepted before.
func (m *HostMemo) SplitURL(raw string) (URL, error) { return splitURL(raw, m) }

// CheckHost is CheckHost(hostport), skipping the check of a host m
// accepted before (by this or by SplitURL: both accept the same hosts).
func (m *HostMemo) CheckHost(hostport string) error {
	if m.has(hostport) {
		return nil
	}
	if err := CheckHost(hostport); err != nil {
		return err
	}
	m.add(hostport)
	return nil
}

// has reports whether m holds host.
func (m *HostMemo) has(host string) bool {
	if host == "" {
		return false
	}
	for i, n := range m.lens {
		if int(n) == len(host) && string(m.hosts[i][:n]) == host {
			return true
		}
	}
	return false
}

// add remembers host, which SplitURL accepted, if it fits.
func (m *HostMemo) add(host string) {
	if len(host) == 0 || len(host) > maxMemoHost {
		return
	}
	i := m.next
	m.lens[i] = uint16(copy(m.hosts[i][:], host))
	m.next = (i + 1) % hostMemoSlots
}

// splitURL is SplitURL, with memo (when not nil) remembering hosts.
func splitURL(raw string, memo *HostMemo) (URL, error) {
	var u URL
	scheme, rest, ok := strings.Cut(raw, "://")
	switch {
	case !ok:
		return u, urlError("want scheme://host/path")
	case strings.EqualFold(scheme, "https"):
		u.Scheme = "https"
	case strings.EqualFold(scheme, "http"):
		u.Scheme = "http"
	default:
		return u, urlError("scheme must be http or https")
	}
	off := len(scheme) + len("://")
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	u.Host = rest[:end]
	if memo == nil || !memo.has(u.Host) {
		if strings.IndexByte(u.Host, '@') >= 0 {
			return URL{}, urlError(userinfoRefused)
		}
		if err := checkAuthority(u.Host, off); err != nil {
			return URL{}, err
		}
		if memo != nil {
			memo.add(u.Host)
		}
	}
	target := rest[end:]
	if err := checkTarget(target, off+end); err != nil {
		return URL{}, err
	}
	var hasQuery bool
	u.Path, u.RawQuery, hasQuery = strings.Cut(target, "?")
	u.ForceQuery = hasQuery && u.RawQuery == ""
	return u, nil
}

// SplitRequestTarget splits the request target of an HTTP/1.1 request line
// (origin-form: "/path?query", as sent) into its path and raw query, with
// SplitURL's rules for both.
func SplitRequestTarget(target string) (path, rawQuery string, err error) {
	if target == "" || target[0] != '/' {
		return "", "", urlError("a request target must begin with '/'")
	}
	if err := checkTarget(target, 0); err != nil {
		return "", "", err
	}
	path, rawQuery, _ = strings.Cut(target, "?")
	return path, rawQuery, nil
}

// CheckHost reports whether hostport is a host SplitURL accepts: a name,
// IPv4 address or bracketed IPv6 literal, with an optional port. Signers
// that take a host apart from a URL check it with this, so they sign no
// host that a verifier would refuse.
func CheckHost(hostport string) error {
	if strings.IndexByte(hostport, '@') >= 0 {
		return urlError("user information (user:password@) is not allowed in a host")
	}
	return checkAuthority(hostport, 0)
}

// FailURL turns an error of SplitURL, SplitRequestTarget or CheckHost into
// the verification failure every scheme reports for it: sigerr.ErrMalformed,
// field "url".
func FailURL(scheme string, err error) error {
	detail := err.Error()
	if inner := errors.Unwrap(err); inner != nil {
		detail = inner.Error()
	}
	return Fail(scheme, sigerr.ErrMalformed, FieldURL, detail)
}

func urlError(msg string) error { return FieldErr(FieldURL, WithDetail(ErrURL, msg)) }

// userinfoRefused is the one refusal of user information, whatever it
// holds.
const userinfoRefused = "user information (user:password@) is not allowed in a URL to sign or verify"

// targetByte reports the bytes a request target carries as they are
// (pchar, '/' and '?'); '%' is checked apart, with its two hex digits.
var targetByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = unreserved[c]
	}
	for _, c := range []byte("!$&'()*+,;=:@/?") {
		t[c] = true
	}
	return t
}()

// hostByte reports the bytes of a host name: letters, digits, '-', '.', and
// '_', which DNS allows though host names should not use it (container
// names often do).
var hostByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = unreserved[c] && c != '~'
	}
	return t
}()

// badByte words the refusal of byte c at offset at (of the whole URL). It
// names the byte only by class or, for printable ASCII, by itself: never a
// run of the input.
func badByte(c byte, at int, where string) error {
	pos := " at byte " + strconv.Itoa(at)
	switch {
	case c == ' ' || c < ' ' || c == 0x7f:
		return urlError("space or control character" + pos + " (percent-encode it)")
	case c >= 0x80:
		return urlError("non-ASCII byte" + pos + " (percent-encode it)")
	case c == '#':
		return urlError("'#'" + pos + ": a fragment is never sent to the server (write '#' in a key as %23)")
	}
	return urlError(strconv.QuoteRune(rune(c)) + pos + " is not allowed in " + where + " (percent-encode it)")
}

// targetClass sorts bytes for checkTarget's eight at a time: 1 for a byte a
// request target carries as it is, 3 for '%', 0 for any other.
var targetClass = func() (t [256]uint8) {
	for c, ok := range targetByte {
		if ok {
			t[c] = 1
		}
	}
	t['%'] = 3
	return t
}()

// checkTarget checks a path-and-query (or "" for none) that starts at
// offset base of the URL. It reads eight bytes at a time: when each is one
// a target carries as it is or '%', only the escapes among them are looked
// at (an escape's digits may be in the next eight), in order, so the first
// bad one is the first fault; else the eight, and the last few, are read a
// byte at a time.
func checkTarget(s string, base int) error {
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		w := s[i : i+8]
		c0, c1, c2, c3 := targetClass[w[0]], targetClass[w[1]], targetClass[w[2]], targetClass[w[3]]
		c4, c5, c6, c7 := targetClass[w[4]], targetClass[w[5]], targetClass[w[6]], targetClass[w[7]]
		if c0&c1&c2&c3&c4&c5&c6&c7 == 0 {
			break
		}
		if (c0|c1|c2|c3|c4|c5|c6|c7)&2 == 0 {
			continue
		}
		for j := i; j < i+8; j++ {
			if s[j] == '%' && (j+2 >= len(s) || !hexByte[s[j+1]] || !hexByte[s[j+2]]) {
				return FieldErr(FieldURL, &EscapeError{Offset: base + j})
			}
		}
	}
	// From i on, byte by byte, an escape read whole: i may be inside one
	// whose '%' the loop above checked, which the digits, never '%', pass.
	for ; i < len(s); i++ {
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

// hexByte reports the hex digits, either case.
var hexByte = func() (t [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEF") {
		t[c] = true
	}
	return t
}()

// checkAuthority checks host[:port] (no user information) starting at
// offset base of the URL.
func checkAuthority(a string, base int) error {
	if a == "" {
		return urlError("no host")
	}
	if a[0] == '[' {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return urlError("unterminated IPv6 literal")
		}
		ip, err := netip.ParseAddr(a[1:end])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return urlError("invalid IPv6 literal (a zone is not allowed)")
		}
		if rest := a[end+1:]; rest != "" {
			if rest[0] != ':' {
				return badByte(rest[0], base+end+1, "a host")
			}
			return checkPort(rest[1:], base+end+2)
		}
		return nil
	}
	name, port, hasPort := strings.Cut(a, ":")
	if hasPort {
		if err := checkPort(port, base+len(name)+1); err != nil {
			return err
		}
	}
	return checkName(name, base)
}

// checkName checks a DNS name or dotted-decimal IPv4 address.
func checkName(name string, base int) error {
	if name == "" {
		return urlError("no host")
	}
	numeric, label := true, 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !hostByte[c] {
			return badByte(c, base+i, "a host name")
		}
		if c != '.' {
			label++
			if label > 63 {
				return urlError("host name label longer than 63 bytes at byte " + strconv.Itoa(base+i))
			}
			numeric = numeric && '0' <= c && c <= '9'
			continue
		}
		if label == 0 {
			return urlError("empty label in the host name at byte " + strconv.Itoa(base+i))
		}
		label = 0
	}
	if label == 0 {
		return urlError("host name ends with '.'")
	}
	if len(name) > 253 {
		return urlError("host name longer than 253 bytes")
	}
	if numeric {
		if ip, err := netip.ParseAddr(name); err != nil || !ip.Is4() {
			return urlError("a host of digits and dots must be an IPv4 address a.b.c.d, each 0–255 without leading zeros")
		}
	}
	return nil
}

// checkPort checks the digits after ':' (at offset base).
func checkPort(p string, base int) error {
	const msg = "port must be 1–65535, in decimal without leading zeros"
	if p == "" || len(p) > 5 || p[0] == '0' {
		return urlError(msg)
	}
	n := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < '0' || c > '9' {
			if c <= ' ' || c >= 0x7f {
				return badByte(c, base+i, "a port")
			}
			return urlError(msg)
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return urlError(msg)
	}
	return nil
}

// HasListItem reports whether a ';'-separated list (SigV4's signed-headers
// list) holds item.
func HasListItem(list, item string) bool {
	for list != "" {
		var x string
		x, list, _ = strings.Cut(list, ";")
		if x == item {
			return true
		}
	}
	return false
}

// PickSigned keeps the headers a signed-headers list names, in their order;
// a verifier recomputes the canonical request from these alone (host comes
// from the URL).
func PickSigned(headers []Header, signed string) []Header {
	var out []Header
	for _, h := range headers {
		if HasListItem(signed, strings.ToLower(strings.TrimSpace(h.Name))) {
			out = append(out, h)
		}
	}
	return out
}
