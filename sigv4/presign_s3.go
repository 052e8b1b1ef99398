package sigv4

import (
	"errors"
	"strconv"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// S3Presign describes one presigned S3 URL: the hot path of a batch run.
type S3Presign struct {
	// Method is the HTTP method the URL is for; empty means GET.
	Method string
	// Scheme is "https" (default when empty) or "http".
	Scheme string
	// Host is host[:port] as the client will send it: the virtual-hosted
	// name that already includes the bucket (bucket.s3.us-east-1.amazonaws.com),
	// or the endpoint of a path-style request. It must be a host that
	// VerifyPresignedURL accepts: a DNS name of labels of 1–63 bytes (253 in
	// all), an IPv4 address or a bracketed IPv6 literal, with an optional
	// port 1–65535; anything else is an error naming the host field.
	Host string
	// Bucket, when set, is written as the first path segment (path-style
	// addressing). Leave it empty for virtual-hosted URLs.
	Bucket string
	// Key is the object key, raw UTF-8, encoded exactly once: "a b/c+d"
	// becomes "/a%20b/c%2Bd". A key starting with '/' keeps it ("//x").
	Key string
	// Query holds extra parameters to sign into the URL (versionId,
	// response-content-disposition, ...), unescaped.
	Query []QueryParam
	// Expires is X-Amz-Expires in seconds, 1…604800.
	Expires int64
}

// AppendPresignS3 appends a presigned S3 URL for p to dst. It signs only the
// host header and uses UNSIGNED-PAYLOAD, as S3 presigns do. The canonical
// path and the URL's path are the same encoded bytes, so they cannot
// disagree. In steady state it allocates nothing: the canonical request is
// built in the Signer's scratch space and the URL appended to dst.
//
// The signer must apply S3 rules (service "s3", or Options.Rules = RulesS3).
func (s *Signer) AppendPresignS3(dst []byte, p *S3Presign) ([]byte, error) {
	cr, dst, err := s.appendPresignS3Parts(s.cr[:0], dst, p)
	s.cr = cr
	if err != nil {
		return dst, err
	}
	return s.appendSignature(dst), nil
}

// presignFrame holds the bytes that S3 presigns for one scheme and host
// share, so that a run of rows of one bucket (a manifest's usual shape)
// writes its canonical request after the key, and its URL around it, in
// one copy each, not assembled from pieces per row: for rows without
// parameters of their own and one expiry, the whole canonical query is in
// those copies (the tails). A row whose scheme and host match the frame's
// passed AppendPresignS3's checks of them already.
//
// The frame is made when two rows in a row have the same scheme and host,
// and its tails when two rows in a row have the same expiry, so that rows
// which alternate between buckets or each have an expiry of their own do
// not pay for bytes no other row would use: they take the general path,
// which assembles the pieces.
type presignFrame struct {
	// The scheme (may be empty) and host as the rows gave them, a copy
	// so that no caller text stays alive; pending is the last row's when
	// it did not match.
	key, pending                []byte
	schemeEnd, pendingSchemeEnd int
	// head is the canonical request after the query ("\nhost:<host>\n\n
	// host\nUNSIGNED-PAYLOAD"), then the URL up to the path
	// ("https://<host>").
	head    []byte
	hostEnd int
	checked int64 // the last row's expiry, which checkExpires passed
	// For rows without parameters of their own, with X-Amz-Expires =
	// expires (0 until built): the canonical request after the path
	// ("\n<query>\nhost:...") and the URL after it ("?<query>&
	// X-Amz-Signature=").
	expires int64
	crTail  []byte
	urlTail []byte
}

// frameMatches reports whether p has the scheme and host in key, which
// holds them from schemeEnd on (an empty key, no row).
func frameMatches(key []byte, schemeEnd int, p *S3Presign) bool {
	return len(key) > 0 && string(key[schemeEnd:]) == p.Host && string(key[:schemeEnd]) == p.Scheme
}

// frameOf checks p's expiry, host and scheme, as appendPresignS3Parts
// documents, and returns the frame for its scheme and host, or nil when
// the row takes the general path.
func (s *Signer) frameOf(p *S3Presign) (*presignFrame, error) {
	f := &s.frame
	if frameMatches(f.key, f.schemeEnd, p) {
		prev := f.checked
		if p.Expires != prev {
			if err := s.checkExpires(p.Expires); err != nil {
				return nil, err
			}
			f.checked = p.Expires
		} else if len(p.Query) == 0 && p.Expires != f.expires {
			s.buildTails(p.Expires)
		}
		return f, nil
	}
	if err := s.checkPresignFields(p); err != nil {
		return nil, err
	}
	f.checked = p.Expires
	if frameMatches(f.pending, f.pendingSchemeEnd, p) {
		s.buildFrame()
		return f, nil
	}
	f.pending = append(append(f.pending[:0], p.Scheme...), p.Host...)
	f.pendingSchemeEnd = len(p.Scheme)
	return nil, nil
}

// buildFrame makes the frame of the pending scheme and host (checked).
func (s *Signer) buildFrame() {
	f := &s.frame
	f.key, f.pending = f.pending, f.key[:0]
	f.schemeEnd, f.pendingSchemeEnd = f.pendingSchemeEnd, 0
	host := string(f.key[f.schemeEnd:])
	f.head = appendHostTail(f.head[:0], host)
	f.hostEnd = len(f.head)
	f.head = appendURLHead(f.head, string(f.key[:f.schemeEnd]), host)
	f.expires = 0
}

// buildTails makes the frame's tails for expires.
func (s *Signer) buildTails(expires int64) {
	f := &s.frame
	f.expires = expires
	f.crTail = append(f.crTail[:0], '\n')
	f.crTail = s.appendFixedQuery(f.crTail, expires)
	f.urlTail = append(f.urlTail[:0], '?')
	f.urlTail = append(f.urlTail, f.crTail[1:]...)
	f.urlTail = append(f.urlTail, "&X-Amz-Signature="...)
	f.crTail = append(f.crTail, f.head[:f.hostEnd]...)
}

// appendHostTail appends what follows the query in the canonical request
// of an S3 presign for host.
func appendHostTail(cr []byte, host string) []byte {
	cr = append(cr, "\nhost:"...)
	cr = append(cr, host...)
	return append(cr, "\n\nhost\n"+UnsignedPayload...)
}

// appendURLHead appends a presigned URL up to its path: scheme ("" is
// https), "://" and host.
func appendURLHead(dst []byte, scheme, host string) []byte {
	if scheme == "" {
		scheme = "https"
	}
	dst = append(dst, scheme...)
	dst = append(dst, "://"...)
	return append(dst, host...)
}

// checkPresignFields checks what a presign's frame is made of: the rules,
// the expiry, the host and the scheme, in that order.
func (s *Signer) checkPresignFields(p *S3Presign) error {
	if !s.s3 {
		return sigcore.FieldErr("service", sigcore.WithDetail(sigerr.ErrInvalidValue, "AppendPresignS3 needs S3 rules"))
	}
	if err := s.checkExpires(p.Expires); err != nil {
		return err
	}
	if p.Host == "" {
		return sigcore.FieldErr("host", sigerr.ErrMissingField)
	}
	if err := s.checkHost(p.Host); err != nil {
		return err
	}
	if p.Scheme != "" && p.Scheme != "https" && p.Scheme != "http" {
		return sigcore.FieldErr("scheme", sigcore.WithDetail(sigerr.ErrInvalidValue, "want https or http"))
	}
	return nil
}

// appendPresignS3Parts is AppendPresignS3 without the signature: it checks
// p, appends its canonical request to cr and its URL up to and including
// "&X-Amz-Signature=" to dst. On an error it returns cr and dst as they
// were. AppendPresignS3 and AppendPresignS3PairOf are built from it.
//
// A row of a run (see presignFrame) without parameters of its own is its
// method and escaped key before the frame's canonical-request tail, and, in
// dst, the frame's URL head, the path and the frame's URL tail.
func (s *Signer) appendPresignS3Parts(cr, dst []byte, p *S3Presign) ([]byte, []byte, error) {
	f, err := s.frameOf(p)
	if err != nil {
		return cr, dst, err
	}
	method := p.Method
	if method == "" {
		method = "GET"
	}
	start := len(cr)
	cr = append(cr, method...)
	cr = append(cr, "\n/"...)
	pStart := len(cr) - 1
	// The key and the bucket are checked for UTF-8 as they are escaped, the
	// key's error first, as if checked before anything was written.
	var bucketErr error
	if p.Bucket != "" {
		cr, bucketErr = sigcore.AppendURIEscapeUTF8(cr, p.Bucket, false)
		cr = append(cr, '/')
	}
	var keyErr error
	if cr, keyErr = sigcore.AppendURIEscapeUTF8(cr, p.Key, true); keyErr != nil {
		return cr[:start], dst, sigcore.FieldErr("key", keyErr)
	}
	if bucketErr != nil {
		return cr[:start], dst, sigcore.FieldErr("bucket", bucketErr)
	}
	pEnd := len(cr)

	if f != nil && len(p.Query) == 0 && p.Expires == f.expires {
		cr = append(cr, f.crTail...)
		dst = append(dst, f.head[f.hostEnd:]...)
		dst = append(dst, cr[pStart:pEnd]...)
		return cr, append(dst, f.urlTail...), nil
	}
	cr = append(cr, '\n')
	qStart := len(cr)
	if len(p.Query) == 0 {
		cr = s.appendFixedQuery(cr, p.Expires)
	} else if cr, err = s.appendRowQuery(cr, p.Query, p.Expires); err != nil {
		return cr[:start], dst, err
	}
	qEnd := len(cr)
	if f != nil {
		cr = append(cr, f.head[:f.hostEnd]...)
		dst = append(dst, f.head[f.hostEnd:]...)
	} else {
		cr = appendHostTail(cr, p.Host)
		dst = appendURLHead(dst, p.Scheme, p.Host)
	}
	dst = append(dst, cr[pStart:pEnd]...)
	dst = append(dst, '?')
	dst = append(dst, cr[qStart:qEnd]...)
	return cr, append(dst, "&X-Amz-Signature="...), nil
}

// appendRowQuery appends the canonical query of an S3 presign whose row has
// parameters of its own, q, after checking them (reserved names, UTF-8): by
// the plan of an earlier row with the same names (queryplan.go), else
// sorted, merged with the fixed pairs and learnt as a plan.
func (s *Signer) appendRowQuery(cr []byte, q []QueryParam, expires int64) ([]byte, error) {
	if pl := s.findPlan(q); pl != nil {
		return s.appendPlannedQuery(cr, pl, q, expires)
	}
	if expires != s.fixedExpires || s.fixed == nil {
		s.buildFixed(expires)
	}
	s.qb, s.spans = s.qb[:0], s.spans[:0]
	for i := range q {
		p := &q[i]
		if s.reserved(p.Key) {
			return cr, sigcore.FieldErr("query", sigcore.WithDetail(ErrReservedParam, p.Key))
		}
		if err := s.appendPairUTF8(p.Key, p.Value); err != nil {
			return cr, sigcore.FieldErr("query", err)
		}
	}
	if len(q) > maxPlanParams {
		return s.appendMergedQuery(cr), nil
	}
	start := len(cr)
	var rec mergeRec
	cr = s.mergeQuery(cr, &rec)
	s.learnPlan(q, cr[start:], &rec)
	return cr, nil
}

// checkHost refuses a host that verification would call malformed (see
// S3Presign.Host), remembering the last hosts it passed (sigcore.HostMemo,
// copies: no caller text stays alive) so that rows that take turns among a
// few buckets check each host once.
func (s *Signer) checkHost(host string) error {
	if err := s.hosts.CheckHost(host); err != nil {
		return sigcore.FieldErr("host", errors.Unwrap(err))
	}
	return nil
}

// buildFixed prepares, for rows with parameters of their own, the X-Amz-*
// pairs every presign of this signer shares, encoded, sorted and joined with
// '&' in s.fixed with their spans, so a row only sorts its own parameters and
// merges, copying each run of fixed pairs between two of its own in one
// piece. Rows without parameters skip this and append the fixed query
// directly (appendFixedQuery).
//
// Manifests often give every row its own expiry, so the pairs are built once
// as a template (X-Amz-Expires=0, buildTemplate) and a new expiry only
// rewrites its digits and shifts the spans after them.
func (s *Signer) buildFixed(expires int64) {
	s.fixed = s.appendFixedQuery(s.fixed[:0], expires)
	shift := len(s.fixed) - len(s.fixedTmpl)
	s.fixedSpans = append(s.fixedSpans[:0], s.tmplSpans...)
	s.fixedSpans[s.expiresSpan].end += shift
	for i := s.expiresSpan + 1; i < len(s.fixedSpans); i++ {
		sp := &s.fixedSpans[i]
		sp.start, sp.eq, sp.end = sp.start+shift, sp.eq+shift, sp.end+shift
	}
	s.fixedExpires = expires
}

// appendFixedQuery appends the fixed pairs, joined, with X-Amz-Expires set
// to expires: the template's bytes around the expiry's digits.
func (s *Signer) appendFixedQuery(dst []byte, expires int64) []byte {
	if s.fixedTmpl == nil {
		s.buildTemplate()
	}
	e := s.tmplSpans[s.expiresSpan] // its value is the "0" at [e.eq+1:e.end]
	dst = append(dst, s.fixedTmpl[:e.eq+1]...)
	dst = strconv.AppendInt(dst, expires, 10)
	return append(dst, s.fixedTmpl[e.end:]...)
}

// buildTemplate builds the fixed pairs once with X-Amz-Expires=0.
func (s *Signer) buildTemplate() {
	s.qb, s.spans = s.qb[:0], s.spans[:0]
	s.addPresignParams("host", 0)
	sortPairs(s.qb, s.spans)
	for i, sp := range s.spans {
		if i > 0 {
			s.fixedTmpl = append(s.fixedTmpl, '&')
		}
		off := len(s.fixedTmpl) - sp.start
		if string(s.qb[sp.start:sp.eq]) == "X-Amz-Expires" {
			s.expiresSpan = i
		}
		s.fixedTmpl = append(s.fixedTmpl, s.qb[sp.start:sp.end]...)
		s.tmplSpans = append(s.tmplSpans, pairSpan{start: sp.start + off, eq: sp.eq + off, end: sp.end + off})
	}
}

// appendMergedQuery writes the canonical query: the row's pairs (in s.qb,
// sorted here) merged with the prepared fixed pairs.
func (s *Signer) appendMergedQuery(dst []byte) []byte { return s.mergeQuery(dst, nil) }

// mergeQuery is appendMergedQuery, noting in rec (when not nil, for at most
// maxPlanParams row pairs) where the values and the expiry were written,
// as offsets from the start of the query.
func (s *Signer) mergeQuery(dst []byte, rec *mergeRec) []byte {
	sortPairs(s.qb, s.spans)
	origin := len(dst)
	us, fs := s.spans, s.fixedSpans
	i, j := 0, 0
	for i < len(us) || j < len(fs) {
		if i+j > 0 {
			dst = append(dst, '&')
		}
		if j == len(fs) || (i < len(us) && pairLessAcross(s.qb, us[i], s.fixed, fs[j])) {
			if rec != nil {
				base := len(dst) - origin - us[i].start
				rec.value[i], rec.valueEnd[i] = base+us[i].eq+1, base+us[i].end
			}
			dst = append(dst, s.qb[us[i].start:us[i].end]...)
			i++
			continue
		}
		// A run of fixed pairs up to the next row pair, '&'s included.
		k := j + 1
		for k < len(fs) && (i == len(us) || !pairLessAcross(s.qb, us[i], s.fixed, fs[k])) {
			k++
		}
		if rec != nil && j <= s.expiresSpan && s.expiresSpan < k {
			base, e := len(dst)-origin-fs[j].start, fs[s.expiresSpan]
			rec.expires, rec.expiresEnd = base+e.eq+1, base+e.end
		}
		dst = append(dst, s.fixed[fs[j].start:fs[k-1].end]...)
		j = k
	}
	return dst
}
