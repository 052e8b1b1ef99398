package sigv4

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batchsign/batchsign/internal/amzauth"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// pairSpan locates one encoded "key=value" pair inside a scratch buffer.
type pairSpan struct {
	start, eq, end int // key is [start:eq], value is [eq+1:end]
}

// sortPairs orders spans over buf by encoded key, then encoded value, the
// order SigV4's canonical query demands. Insertion sort: queries are short,
// and it allocates nothing.
func sortPairs(buf []byte, spans []pairSpan) {
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && pairLess(buf, spans[j], spans[j-1]); j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
}

func pairLess(buf []byte, a, b pairSpan) bool { return pairLessAcross(buf, a, buf, b) }

// pairLessAcross compares pairs that live in two buffers.
func pairLessAcross(abuf []byte, a pairSpan, bbuf []byte, b pairSpan) bool {
	ka, kb := string(abuf[a.start:a.eq]), string(bbuf[b.start:b.eq])
	if ka != kb {
		return ka < kb
	}
	return string(abuf[a.eq+1:a.end]) < string(bbuf[b.eq+1:b.end])
}

// appendPairUTF8 encodes key=value into s.qb and records its span, or
// returns the error CheckUTF8 gives for the key, else for the value, checked
// as they are encoded.
func (s *Signer) appendPairUTF8(key, value string) error {
	start := len(s.qb)
	var err error
	if s.qb, err = sigcore.AppendURIEscapeUTF8(s.qb, key, false); err != nil {
		return err
	}
	eq := len(s.qb)
	s.qb = append(s.qb, '=')
	if s.qb, err = sigcore.AppendURIEscapeUTF8(s.qb, value, false); err != nil {
		s.qb = s.qb[:start]
		return err
	}
	s.spans = append(s.spans, pairSpan{start, eq, len(s.qb)})
	return nil
}

// appendRawPair records an already-encoded pair.
func (s *Signer) appendRawPair(key, encodedValue string) {
	start := len(s.qb)
	s.qb = append(s.qb, key...)
	eq := len(s.qb)
	s.qb = append(s.qb, '=')
	s.qb = append(s.qb, encodedValue...)
	s.spans = append(s.spans, pairSpan{start, eq, len(s.qb)})
}

// appendSortedQuery writes the sorted pairs joined by '&' to dst.
func (s *Signer) appendSortedQuery(dst []byte) []byte {
	sortPairs(s.qb, s.spans)
	for i, sp := range s.spans {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, s.qb[sp.start:sp.end]...)
	}
	return dst
}

// reserved reports query keys the presigner sets itself: reservedParam's,
// and X-Amz-Region-Set for a variant that signs one.
func (s *Signer) reserved(key string) bool {
	return reservedParam(key) || (s.regionSetEsc != "" && strings.EqualFold(key, "X-Amz-Region-Set"))
}

// reservedParam reports query keys every presigner of the family sets itself.
func reservedParam(key string) bool {
	if len(key) < 6 || !strings.EqualFold(key[:6], "x-amz-") {
		return false
	}
	switch strings.ToLower(key[6:]) {
	case "algorithm", "credential", "date", "expires", "signedheaders", "signature", "security-token":
		return true
	}
	return false
}

// addPresignParams records the X-Amz-* pairs a presigned URL signs.
func (s *Signer) addPresignParams(signedHeaders string, expires int64) {
	s.appendRawPair("X-Amz-Algorithm", s.alg)
	s.appendRawPair("X-Amz-Credential", s.credEsc)
	s.appendRawPair("X-Amz-Date", s.amzDate)
	start := len(s.qb)
	s.qb = append(s.qb, "X-Amz-Expires="...)
	s.qb = strconv.AppendInt(s.qb, expires, 10)
	s.spans = append(s.spans, pairSpan{start, start + len("X-Amz-Expires"), len(s.qb)})
	if s.tokenEsc != "" && !s.opts.TokenAfterSigning {
		s.appendRawPair("X-Amz-Security-Token", s.tokenEsc)
	}
	if s.regionSetEsc != "" {
		s.appendRawPair("X-Amz-Region-Set", s.regionSetEsc)
	}
	start = len(s.qb)
	s.qb = append(s.qb, "X-Amz-SignedHeaders="...)
	s.qb = sigcore.AppendURIEscape(s.qb, signedHeaders, false)
	s.spans = append(s.spans, pairSpan{start, start + len("X-Amz-SignedHeaders"), len(s.qb)})
}

// canonHeader is one header after canonicalisation.
type canonHeader struct {
	name  string // lower-case
	value string // trimmed, inner whitespace runs folded to one space
}

// ignoredHeader reports headers SigV4 signers leave out because they change
// between the signer and the server.
func ignoredHeader(lower string) bool {
	switch lower {
	case "authorization", "user-agent", "x-amzn-trace-id", "expect", "host":
		return true
	}
	return false
}

// canonicalValue trims v and folds every run of whitespace (spaces, tabs,
// and line folds of multi-line values) into one space.
func canonicalValue(v string) string {
	clean := true
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\t' || c == '\n' || c == '\r' || (c == ' ' && (i == 0 || i == len(v)-1 || v[i+1] == ' ')) {
			clean = false
			break
		}
	}
	if clean {
		return v
	}
	return strings.Join(strings.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), " ")
}

// canonicalize writes the canonical request for r into s.cr and returns the
// signed-headers list. Both forms share it; the query form adds the X-Amz-*
// parameters to the canonical query and signs only what the URL carries.
func (s *Signer) canonicalize(r *Request, form Form, expires int64) (string, error) {
	if r.Method == "" {
		return "", sigcore.FieldErr("method", sigerr.ErrMissingField)
	}
	if r.Host == "" {
		return "", sigcore.FieldErr("host", sigerr.ErrMissingField)
	}

	// Headers: lower-case names, folded values, sorted by name with
	// repeated names joined by ',' in the order given.
	// A caller's x-amz-content-sha256 header names the payload hash; the
	// signer sets x-amz-date and the token header itself in header form.
	hs := append(s.hs[:0], canonHeader{"host", canonicalValue(r.Host)})
	userPayload := ""
	for _, h := range r.Headers {
		name := strings.ToLower(strings.TrimSpace(h.Name))
		if name == "" || ignoredHeader(name) {
			continue
		}
		if strings.ContainsAny(name, " \t\r\n:") {
			return "", sigcore.FieldErr("headers", sigcore.WithDetail(sigerr.ErrInvalidValue, "header name "+strconv.Quote(h.Name)))
		}
		v := canonicalValue(h.Value)
		if form == HeaderForm && (name == "x-amz-date" || name == "x-amz-security-token" ||
			(name == "x-amz-region-set" && s.regionSetEsc != "")) {
			continue
		}
		if name == "x-amz-content-sha256" {
			userPayload = v
			if form == HeaderForm && s.contentHeader() {
				continue // added below with the payload hash
			}
		}
		hs = append(hs, canonHeader{name, v})
	}
	s.payload = s.payloadHash(r, form)
	if userPayload != "" {
		if r.PayloadHash != "" && r.PayloadHash != userPayload {
			return "", sigcore.FieldErr("content_sha256", sigcore.WithDetail(sigerr.ErrInvalidValue, "x-amz-content-sha256 header differs from the payload hash"))
		}
		s.payload = userPayload
	}
	if form == HeaderForm {
		hs = append(hs, canonHeader{"x-amz-date", s.amzDate})
		if s.regionSetEsc != "" {
			hs = append(hs, canonHeader{"x-amz-region-set", s.variant.RegionSet})
		}
		if s.creds.SessionToken != "" && !s.opts.TokenAfterSigning {
			hs = append(hs, canonHeader{"x-amz-security-token", s.creds.SessionToken})
		}
		if s.contentHeader() {
			hs = append(hs, canonHeader{"x-amz-content-sha256", s.payload})
		}
	}
	slices.SortStableFunc(hs, func(a, b canonHeader) int { return strings.Compare(a.name, b.name) })

	s.hs = hs
	signed := s.signed[:0]
	for i, h := range hs {
		if i > 0 && hs[i-1].name == h.name {
			continue
		}
		if len(signed) > 0 {
			signed = append(signed, ';')
		}
		signed = append(signed, h.name...)
	}
	s.signed = signed

	// Query. A query-form request that signs host alone carries the X-Amz-*
	// pairs of every S3 presign of this signer: its own pairs are sorted
	// alone and merged with the prepared ones (buildFixed, made first: it
	// uses s.qb), as AppendPresignS3 does.
	merge := form == QueryForm && string(signed) == "host"
	if merge && (expires != s.fixedExpires || s.fixed == nil) {
		s.buildFixed(expires)
	}
	s.qb, s.spans = s.qb[:0], s.spans[:0]
	if err := s.addRawQuery(r.Query, form == QueryForm, r.withAuth); err != nil {
		return "", err
	}
	if form == QueryForm && !merge {
		s.addPresignParams(string(signed), expires)
	}

	// Path.
	var err error
	s.path, err = s.appendCanonicalPath(s.path[:0], r.Path)
	if err != nil {
		return "", err
	}

	cr := s.cr[:0]
	cr = append(cr, r.Method...)
	cr = append(cr, '\n')
	cr = append(cr, s.path...)
	cr = append(cr, '\n')
	if merge {
		cr = s.appendMergedQuery(cr)
	} else {
		cr = s.appendSortedQuery(cr)
	}
	cr = append(cr, '\n')
	for i, h := range hs {
		if i > 0 && hs[i-1].name == h.name {
			cr = append(cr, ',')
			cr = append(cr, h.value...)
			continue
		}
		if i > 0 {
			cr = append(cr, '\n')
		}
		cr = append(cr, h.name...)
		cr = append(cr, ':')
		cr = append(cr, h.value...)
	}
	cr = append(cr, "\n\n"...)
	cr = append(cr, signed...)
	cr = append(cr, '\n')
	cr = append(cr, s.payload...)
	s.cr = cr
	clear(hs) // keep no caller text alive
	return signedString(signed), nil
}

// signedString is the signed-headers list as a string; "host" alone, what
// every presign without other headers signs, without a copy.
func signedString(signed []byte) string {
	if string(signed) == "host" {
		return "host"
	}
	return string(signed)
}

// addRawQuery decodes a wire query and records its pairs, re-encoded the
// canonical way. '+' is a literal plus, as in SigV4's own encoding.
// It reads q as sigcore.AppendQueryParams does, in one pass: values go
// from the wire to their canonical form without a decoded copy, and a name
// is decoded (a copy only when it holds an escape) for the reserved check.
// A malformed escape anywhere wins over a reserved name, as when the whole
// query is decoded first.
//
// With withAuth, the parameters amzauth.SigV4.ParsePresigned reads are
// left out: what remains is the rest it returns.
func (s *Signer) addRawQuery(q string, presign, withAuth bool) error {
	var reservedErr error
	for q != "" {
		var part string
		part, q, _ = strings.Cut(q, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := sigcore.URIUnescape(k)
		if err != nil {
			return sigcore.FieldErr("query", err)
		}
		if withAuth && amzauth.SigV4.IsParam(key) {
			continue
		}
		if presign && reservedErr == nil && s.reserved(key) {
			reservedErr = sigcore.FieldErr("query", sigcore.WithDetail(ErrReservedParam, key))
		}
		start := len(s.qb)
		s.qb = sigcore.AppendURIEscape(s.qb, key, false)
		eq := len(s.qb)
		s.qb = append(s.qb, '=')
		if s.qb, err = sigcore.AppendURIReescape(s.qb, v, false); err != nil {
			return sigcore.FieldErr("query", err)
		}
		s.spans = append(s.spans, pairSpan{start, eq, len(s.qb)})
	}
	return reservedErr
}

// appendCanonicalPath appends the canonical URI for a wire path.
func (s *Signer) appendCanonicalPath(dst []byte, p string) ([]byte, error) {
	if p == "" {
		p = "/"
	}
	if s.s3 {
		// S3: the key is encoded once. Decode what the wire carries and
		// encode it with the strict encoder; never normalise.
		// The decoded key is only checked (in scratch space, reused); the
		// canonical bytes come from the wire text in one pass.
		var err error
		if s.dec, err = sigcore.AppendURIUnescape(s.dec[:0], p); err != nil {
			return dst, sigcore.FieldErr("path", err)
		}
		if !utf8.Valid(s.dec) {
			return dst, sigcore.FieldErr("key", sigcore.CheckUTF8(string(s.dec)))
		}
		return sigcore.AppendURIReescape(dst, p, true)
	}
	if !s.opts.DisablePathNormalization {
		p = normalizePath(p)
	}
	return sigcore.AppendURIEscape(dst, p, true), nil
}

// normalizePath removes empty and "." segments and resolves ".." the way
// RFC 3986 does, keeping a trailing slash: "//a//b/./c/.." becomes "/a/b/".
func normalizePath(p string) string {
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, seg := range segs {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	n := "/" + strings.Join(out, "/")
	last := segs[len(segs)-1]
	if len(out) > 0 && (last == "" || last == "." || last == "..") && strings.HasSuffix(p, "/") {
		n += "/"
	}
	return n
}
