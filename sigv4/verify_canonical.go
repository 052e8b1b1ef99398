package sigv4

import "strconv"

// canonicalizePresignedHost is canonicalize for what most presigned URLs a
// verifier sees are: an S3 presign that signs host alone. Its canonical
// request has one shape, written here straight into s.cr without the
// header table canonicalize builds and sorts: the method, the path, the
// query (the fixed X-Amz-* pairs for expires, merged with the URL's other
// parameters, r.Query read as canonicalize reads it), "host:" and the host,
// "host" and UNSIGNED-PAYLOAD. It writes the same bytes and returns the
// same errors as canonicalize(r, QueryForm, expires) with r's headers
// picked for "host" (which canonicalize ignores), and ok false, having
// done nothing, for any other request. r.Host must be as SplitURL returns
// it: a host of no whitespace, which canonicalValue would leave as it is.
func (s *Signer) canonicalizePresignedHost(r *Request, expires int64) (ok bool, err error) {
	if !s.s3 || r.Method == "" || r.Host == "" || r.PayloadHash != "" || s.variant != nil {
		return false, nil
	}
	if s.fixedTmpl == nil {
		s.buildTemplate() // in s.qb: before the row's pairs go there
	}
	// The query before the path, as canonicalize reads them, so that a
	// request bad in both fails for the same reason.
	s.qb, s.spans = s.qb[:0], s.spans[:0]
	if r.Query != "" {
		if err := s.addRawQuery(r.Query, true, r.withAuth); err != nil {
			return true, err
		}
	}
	cr := append(s.cr[:0], r.Method...)
	cr = append(cr, '\n')
	if cr, err = s.appendCanonicalPath(cr, r.Path); err != nil {
		s.cr = cr[:0]
		return true, err
	}
	cr = append(cr, '\n')
	if len(s.spans) == 0 {
		cr = s.appendFixedQuery(cr, expires)
	} else {
		cr = s.appendTemplateMerged(cr, expires)
	}
	cr = append(cr, "\nhost:"...)
	cr = append(cr, r.Host...) // canonicalValue's: SplitURL's host holds no space
	cr = append(cr, "\n\nhost\n"+UnsignedPayload...)
	s.cr = cr
	s.payload = UnsignedPayload
	return true, nil
}

// appendTemplateMerged is appendMergedQuery for expires without buildFixed:
// the row's pairs (in s.qb) sorted and merged with the fixed pairs'
// template (X-Amz-Expires=0), the expiry's digits written in place of the
// template's as the run of fixed pairs that holds it is copied. A verifier
// sees a new expiry on most rows of a manifest that gives each its own,
// and rebuilding the fixed pairs for each cost more than the merge. The
// order is the same: a row pair never has the key X-Amz-Expires (addRawQuery
// refuses it as reserved, or leaves it out as an authentication
// parameter), so the template's value is never compared.
//
// The template must have been built (buildTemplate) before the row's pairs
// were recorded in s.qb.
func (s *Signer) appendTemplateMerged(dst []byte, expires int64) []byte {
	sortPairs(s.qb, s.spans)
	us, fs, tmpl := s.spans, s.tmplSpans, s.fixedTmpl
	i, j := 0, 0
	for i < len(us) || j < len(fs) {
		if i+j > 0 {
			dst = append(dst, '&')
		}
		if j == len(fs) || (i < len(us) && pairLessAcross(s.qb, us[i], tmpl, fs[j])) {
			dst = append(dst, s.qb[us[i].start:us[i].end]...)
			i++
			continue
		}
		// A run of fixed pairs up to the next row pair, '&'s included.
		k := j + 1
		for k < len(fs) && (i == len(us) || !pairLessAcross(s.qb, us[i], tmpl, fs[k])) {
			k++
		}
		start, end := fs[j].start, fs[k-1].end
		if j <= s.expiresSpan && s.expiresSpan < k {
			e := fs[s.expiresSpan] // its value is the "0" at [e.eq+1:e.end]
			dst = append(dst, tmpl[start:e.eq+1]...)
			dst = strconv.AppendInt(dst, expires, 10)
			start = e.end
		}
		dst = append(dst, tmpl[start:end]...)
		j = k
	}
	return dst
}
