package sigv4

import (
	"slices"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// AppendPresignS3Pair presigns two rows at once: it appends the URL of p0 to
// dst0 and that of p1 to dst1, byte for byte what AppendPresignS3(dst0, p0)
// then AppendPresignS3(dst1, p1) would append, with the same errors. The two
// rows' SHA-256 work (the canonical requests, then both steps of the HMAC of
// the strings to sign) runs two-lane (sha256block.SumWords2): the SHA
// instructions of one row wait on each other, and the other row's fill the
// gaps. A batch with an even share of rows signs them in pairs; the odd one
// goes through AppendPresignS3.
//
// A row that fails leaves its dst as it was, and the other row is still
// signed. Under a SHA-256 backend other than sha256block (BATCHSIGN_SHA256 =
// stdlib or simd, or FIPS 140 mode) it is the two single calls. In steady
// state it allocates nothing.
func (s *Signer) AppendPresignS3Pair(dst0, dst1 []byte, p0, p1 *S3Presign) (out0, out1 []byte, err0, err1 error) {
	if !s.useBlock || s.variant != nil {
		out0, err0 = s.AppendPresignS3(dst0, p0)
		out1, err1 = s.AppendPresignS3(dst1, p1)
		return out0, out1, err0, err1
	}
	// Both canonical requests go into s.cr, one after the other.
	cr, out0, err0 := s.appendPresignS3Parts(s.cr[:0], dst0, p0)
	if err0 != nil {
		s.cr = cr[:0]
		out1, err1 = s.AppendPresignS3(dst1, p1)
		return dst0, out1, err0, err1
	}
	n0 := len(cr)
	cr, out1, err1 = s.appendPresignS3Parts(cr, dst1, p1)
	s.cr = cr[:n0]
	if err1 != nil {
		return s.appendSignature(out0), dst1, nil, err1
	}
	h0, h1 := sha256block.SumWords2(sha256block.IV, sha256block.IV, 0, 0, cr[:n0], cr[n0:])

	// The strings to sign, after the prefix blocks the inner state has
	// absorbed: the rest of the prefix, then the hex hash.
	var m0, m1 [2 * sha256block.BlockSize]byte
	n := copy(m0[:], s.stsTail)
	copy(m1[:], s.stsTail)
	encodeHexWords(m0[n:n+64], &h0)
	encodeHexWords(m1[n:n+64], &h1)
	in0, in1 := sha256block.Sum2(s.blockInner, s.blockInner, s.blockInnerLen, s.blockInnerLen, m0[:n+64], m1[:n+64])
	h0, h1 = sha256block.SumWords2(s.blockOuter, s.blockOuter, sha256block.BlockSize, sha256block.BlockSize, in0[:], in1[:])
	return appendHexWords(out0, &h0), appendHexWords(out1, &h1), nil, nil
}

// appendHexWords appends the 64 hex digits of the digest h.
func appendHexWords(dst []byte, h *[8]uint32) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 64)[:n+64]
	encodeHexWords(dst[n:], h)
	return dst
}

// appendPresignS3Parts is AppendPresignS3 without the signature: it checks
// p, appends its canonical request to cr and its URL up to and including
// "&X-Amz-Signature=" to dst. On an error it returns dst unchanged.
//
// It repeats AppendPresignS3's body (presign_s3.go), which cannot yet be
// built from it; the two are held together by
// TestPresignS3PairMatchesSingles. The step that removes the copy: move this
// function into presign_s3.go, and make AppendPresignS3
//
//	cr, dst, err := s.appendPresignS3Parts(s.cr[:0], dst, p)
//	s.cr = cr
//	if err != nil {
//		return dst, err
//	}
//	return s.appendSignature(dst), nil
func (s *Signer) appendPresignS3Parts(cr, dst []byte, p *S3Presign) ([]byte, []byte, error) {
	if !s.s3 {
		return cr, dst, sigcore.FieldErr("service", sigcore.WithDetail(sigerr.ErrInvalidValue, "AppendPresignS3 needs S3 rules"))
	}
	if err := s.checkExpires(p.Expires); err != nil {
		return cr, dst, err
	}
	if p.Host == "" {
		return cr, dst, sigcore.FieldErr("host", sigerr.ErrMissingField)
	}
	if err := s.checkHost(p.Host); err != nil {
		return cr, dst, err
	}
	if p.Scheme != "" && p.Scheme != "https" && p.Scheme != "http" {
		return cr, dst, sigcore.FieldErr("scheme", sigcore.WithDetail(sigerr.ErrInvalidValue, "want https or http"))
	}
	if err := sigcore.CheckUTF8(p.Key); err != nil {
		return cr, dst, sigcore.FieldErr("key", err)
	}
	if err := sigcore.CheckUTF8(p.Bucket); err != nil {
		return cr, dst, sigcore.FieldErr("bucket", err)
	}
	method := p.Method
	if method == "" {
		method = "GET"
	}
	scheme := p.Scheme
	if scheme == "" {
		scheme = "https"
	}

	start := len(cr)
	cr = append(cr, method...)
	cr = append(cr, '\n')
	pStart := len(cr)
	cr = append(cr, '/')
	if p.Bucket != "" {
		cr = sigcore.AppendURIEscape(cr, p.Bucket, false)
		cr = append(cr, '/')
	}
	cr = sigcore.AppendURIEscape(cr, p.Key, true)
	pEnd := len(cr)

	var qStart, qEnd int
	if len(p.Query) == 0 {
		cr = append(cr, '\n')
		qStart = len(cr)
		cr = s.appendFixedQuery(cr, p.Expires)
		qEnd = len(cr)
	} else {
		cr = append(cr, '\n')
		qStart = len(cr)
		var err error
		if cr, err = s.appendRowQuery(cr, p.Query, p.Expires); err != nil {
			return cr[:start], dst, err
		}
		qEnd = len(cr)
	}
	cr = append(cr, "\nhost:"...)
	cr = append(cr, p.Host...)
	cr = append(cr, "\n\nhost\n"+UnsignedPayload...)

	dst = append(dst, scheme...)
	dst = append(dst, "://"...)
	dst = append(dst, p.Host...)
	dst = append(dst, cr[pStart:pEnd]...)
	dst = append(dst, '?')
	dst = append(dst, cr[qStart:qEnd]...)
	dst = append(dst, "&X-Amz-Signature="...)
	return cr, dst, nil
}
