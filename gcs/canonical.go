package gcs

import (
	"bytes"
	"errors"
	"slices"
	"strconv"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// The canonical request, as Google's V4 signing defines it and its
// conformance suite pins it:
//
//	METHOD
//	/path, each byte but A-Z a-z 0-9 - . _ ~ and '/' written %XX (upper-case hex)
//	query: every pair (the X-Goog-* ones included, X-Goog-Signature excluded),
//	       key and value %XX-encoded ('/' too, space as %20, never '+'),
//	       sorted by encoded key, then encoded value, joined with '&'
//	name:value\n for each signed header, names lower-cased and sorted, values
//	       trimmed and each run of spaces and tabs made one space
//	(empty line)
//	signed header names joined with ';'
//	UNSIGNED-PAYLOAD, or the value of a signed x-goog-content-sha256 header
//
// The host header is the URL's host without its port (the conformance suite
// signs "host:localhost" for http://localhost:8080/...).

// pairSpan locates one encoded query pair "key=value" in canon.qb:
// the key is qb[start:eq], the value qb[eq+1:end].
type pairSpan struct{ start, eq, end int }

// hdrSpan locates one canonical header in canon.hb: the lower-cased name is
// hb[start:colon], the canonical value hb[colon:end].
type hdrSpan struct{ start, colon, end int }

// canon is the scratch space one canonical request is built in; signers and
// verifiers each keep one so that steady-state signing allocates nothing.
type canon struct {
	cr  []byte // the canonical request
	sts []byte // the string to sign
	qb  []byte // encoded query pairs, back to back
	qs  []pairSpan
	hb  []byte // canonical header names and values, back to back
	hs  []hdrSpan
}

// resetQuery forgets the previous request's query pairs.
func (c *canon) resetQuery() { c.qb, c.qs = c.qb[:0], c.qs[:0] }

// addPair adds a query pair given unescaped.
func (c *canon) addPair(key, value string) {
	start := len(c.qb)
	c.qb = sigcore.AppendURIEscape(c.qb, key, false)
	eq := len(c.qb)
	c.qb = append(c.qb, '=')
	c.qb = sigcore.AppendURIEscape(c.qb, value, false)
	c.qs = append(c.qs, pairSpan{start, eq, len(c.qb)})
}

// addEncodedPair adds a pair whose key and value are already encoded.
func (c *canon) addEncodedPair(key, value string) {
	start := len(c.qb)
	c.qb = append(c.qb, key...)
	eq := len(c.qb)
	c.qb = append(c.qb, '=')
	c.qb = append(c.qb, value...)
	c.qs = append(c.qs, pairSpan{start, eq, len(c.qb)})
}

// appendQuery sorts the pairs by encoded key, then encoded value, and
// appends them joined with '&'.
func (c *canon) appendQuery(dst []byte) []byte {
	qb := c.qb
	slices.SortFunc(c.qs, func(a, b pairSpan) int {
		if k := bytes.Compare(qb[a.start:a.eq], qb[b.start:b.eq]); k != 0 {
			return k
		}
		return bytes.Compare(qb[a.eq:a.end], qb[b.eq:b.end])
	})
	for i, p := range c.qs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, qb[p.start:p.end]...)
	}
	return dst
}

// resetHeaders starts a header set with the host header: the URL's host
// without its port.
func (c *canon) resetHeaders(host string) {
	c.hb, c.hs = append(c.hb[:0], "host"...), c.hs[:0]
	colon := len(c.hb)
	c.hb = append(c.hb, host...)
	c.hs = append(c.hs, hdrSpan{0, colon, len(c.hb)})
}

// addHeader adds one header to sign, lower-casing its name and
// canonicalising its value. Names may hold any visible ASCII byte but ':'
// and ';' (the conformance suite signs "header/name/with/slash"; ';'
// separates X-Goog-SignedHeaders); values may not
// hold control characters other than tab, which could not be sent.
func (c *canon) addHeader(name, value string) error {
	if name == "" {
		return sigcore.FieldErr("headers", sigcore.WithDetail(sigerr.ErrMissingField, "empty header name"))
	}
	start := len(c.hb)
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b <= ' ' || b >= 0x7f || b == ':' || b == ';' {
			c.hb = c.hb[:start]
			return sigcore.FieldErr("headers", sigcore.WithDetail(sigerr.ErrInvalidValue,
				"header name "+sigcore.QuoteForError(name)+" has byte "+strconv.QuoteRune(rune(b))+" at "+strconv.Itoa(i)))
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		c.hb = append(c.hb, b)
	}
	colon := len(c.hb)
	if string(c.hb[start:colon]) == "host" {
		c.hb = c.hb[:start]
		return sigcore.FieldErr("headers", sigcore.WithDetail(sigerr.ErrInvalidValue, "host is signed from the URL's host; do not give it as a header"))
	}
	if err := sigcore.CheckUTF8(value); err != nil {
		c.hb = c.hb[:start]
		return sigcore.FieldErr("headers", err)
	}
	// Trim, and make each run of spaces and tabs one space.
	space := false
	for i := 0; i < len(value); i++ {
		b := value[i]
		switch {
		case b == ' ' || b == '\t':
			space = true
			continue
		case b < ' ' || b == 0x7f:
			c.hb = c.hb[:start]
			return sigcore.FieldErr("headers", sigcore.WithDetail(sigerr.ErrInvalidValue,
				"header "+sigcore.QuoteForError(name)+": control character at byte "+strconv.Itoa(i)))
		}
		if space && len(c.hb) > colon {
			c.hb = append(c.hb, ' ')
		}
		space = false
		c.hb = append(c.hb, b)
	}
	c.hs = append(c.hs, hdrSpan{start, colon, len(c.hb)})
	return nil
}

// sortHeaders sorts the headers by name and refuses a name given twice
// (Host, Content-Type and content-type are one header).
func (c *canon) sortHeaders() error {
	hb := c.hb
	slices.SortFunc(c.hs, func(a, b hdrSpan) int { return bytes.Compare(hb[a.start:a.colon], hb[b.start:b.colon]) })
	for i := 1; i < len(c.hs); i++ {
		a, b := c.hs[i-1], c.hs[i]
		if bytes.Equal(hb[a.start:a.colon], hb[b.start:b.colon]) {
			return sigcore.FieldErr("headers", sigcore.WithDetail(sigerr.ErrInvalidValue,
				"header "+strconv.Quote(string(hb[b.start:b.colon]))+" given twice; join its values with a comma"))
		}
	}
	return nil
}

// headerValue returns the canonical value of a header by lower-case name.
func (c *canon) headerValue(name string) ([]byte, bool) {
	for _, h := range c.hs {
		if string(c.hb[h.start:h.colon]) == name {
			return c.hb[h.colon:h.end], true
		}
	}
	return nil, false
}

// appendCanonicalHeaders appends "name:value\n" for each sorted header.
func (c *canon) appendCanonicalHeaders(dst []byte) []byte {
	for _, h := range c.hs {
		dst = append(dst, c.hb[h.start:h.colon]...)
		dst = append(dst, ':')
		dst = append(dst, c.hb[h.colon:h.end]...)
		dst = append(dst, '\n')
	}
	return dst
}

// appendSignedHeaders appends the sorted names joined with ';'.
func (c *canon) appendSignedHeaders(dst []byte) []byte {
	for i, h := range c.hs {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, c.hb[h.start:h.colon]...)
	}
	return dst
}

// appendSignedHeadersEscaped is appendSignedHeaders as a query value
// (';' as %3B, '/' as %2F, ...).
func (c *canon) appendSignedHeadersEscaped(dst []byte) []byte {
	for i, h := range c.hs {
		if i > 0 {
			dst = append(dst, "%3B"...)
		}
		dst = sigcore.AppendURIEscape(dst, string(c.hb[h.start:h.colon]), false)
	}
	return dst
}

// payload is the last line of the canonical request: the value of a signed
// x-goog-content-sha256 header, else UNSIGNED-PAYLOAD.
func (c *canon) payload() []byte {
	if v, ok := c.headerValue("x-goog-content-sha256"); ok {
		return v
	}
	return []byte(UnsignedPayload)
}

// hostname returns host without a trailing :port; an IPv6 literal keeps
// its brackets ("[::1]:8080" gives "[::1]").
func hostname(host string) string {
	for i := len(host) - 1; i >= 0; i-- {
		switch b := host[i]; {
		case b == ':':
			return host[:i]
		case b < '0' || b > '9':
			return host
		}
	}
	return host
}

// checkHost refuses a host that would change the URL's meaning: empty, or
// holding a byte that ends the authority or is not allowed in it.
func checkHost(field, host string) error {
	if host == "" {
		return sigcore.FieldErr(field, sigerr.ErrMissingField)
	}
	for i := 0; i < len(host); i++ {
		switch b := host[i]; {
		case b <= ' ' || b >= 0x7f, b == '/', b == '?', b == '#', b == '@', b == '\\', b == '%':
			return sigcore.FieldErr(field, sigcore.WithDetail(sigerr.ErrInvalidValue,
				sigcore.QuoteForError(host)+" has byte "+strconv.QuoteRune(rune(b))+" at "+strconv.Itoa(i)))
		}
	}
	// What verification accepts (sigcore.SplitURL), so nothing is signed
	// that a verifier would call malformed.
	if err := sigcore.CheckHost(host); err != nil {
		return sigcore.FieldErr(field, errors.Unwrap(err))
	}
	return nil
}

// checkBucket enforces the characters Cloud Storage allows in bucket names
// (a-z 0-9 - _ .), so that a bucket is the same bytes in a path, a host
// name and a policy. Length and the dot rules are left to the server.
func checkBucket(bucket string) error {
	if bucket == "" {
		return sigcore.FieldErr("bucket", sigerr.ErrMissingField)
	}
	for i := 0; i < len(bucket); i++ {
		switch b := bucket[i]; {
		case 'a' <= b && b <= 'z', '0' <= b && b <= '9', b == '-', b == '_', b == '.':
		default:
			return sigcore.FieldErr("bucket", sigcore.WithDetail(sigerr.ErrInvalidValue,
				sigcore.QuoteForError(bucket)+": byte "+strconv.QuoteRune(rune(b))+" at "+strconv.Itoa(i)+" (bucket names are a-z 0-9 - _ .)"))
		}
	}
	return nil
}

// MaxObjectName is the longest object name Cloud Storage accepts, in bytes
// of UTF-8.
const MaxObjectName = 1024

// checkObject enforces Cloud Storage's object-name rules that a URL can
// express: valid UTF-8, at most 1024 bytes, no carriage return or line
// feed. Every other byte is allowed and encoded.
func checkObject(field, name string) error {
	if err := sigcore.CheckUTF8(name); err != nil {
		return sigcore.FieldErr(field, err)
	}
	if len(name) > MaxObjectName {
		return sigcore.FieldErr(field, sigcore.WithDetail(sigerr.ErrInvalidValue, strconv.Itoa(len(name))+" bytes, over Cloud Storage's 1024"))
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '\r' || name[i] == '\n' {
			return sigcore.FieldErr(field, sigcore.WithDetail(sigerr.ErrInvalidValue, "carriage return or line feed at byte "+strconv.Itoa(i)))
		}
	}
	return nil
}

// checkMethod accepts an upper-case token (GET, PUT, POST, DELETE, HEAD, ...).
func checkMethod(m string) error {
	if m == "" {
		return sigcore.FieldErr("method", sigerr.ErrMissingField)
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return sigcore.FieldErr("method", sigcore.WithDetail(sigerr.ErrInvalidValue, sigcore.QuoteForError(m)+" is not an upper-case method"))
		}
	}
	return nil
}
