package sigv4

import (
	"slices"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// AppendPresignS3Pair presigns two rows at once: it appends the URL of p0 to
// dst0 and that of p1 to dst1, byte for byte what AppendPresignS3(dst0, p0)
// then AppendPresignS3(dst1, p1) would append, with the same errors. The two
// rows' SHA-256 work (the canonical requests, then both steps of the HMAC of
// the strings to sign) runs two-lane (sha256block.SumWords2, Block2): the SHA
// instructions of one row wait on each other, and the other row's fill the
// gaps. A batch with an even share of rows signs them in pairs; the odd one
// goes through AppendPresignS3. Rows of two Signers (two regions or two
// credentials) pair through AppendPresignS3PairOf.
//
// A row that fails leaves its dst as it was, and the other row is still
// signed. Under a SHA-256 backend other than sha256block (BATCHSIGN_SHA256 =
// stdlib or simd, or FIPS 140 mode) it is the two single calls. In steady
// state it allocates nothing.
func (s *Signer) AppendPresignS3Pair(dst0, dst1 []byte, p0, p1 *S3Presign) (out0, out1 []byte, err0, err1 error) {
	return AppendPresignS3PairOf(s, s, dst0, dst1, p0, p1)
}

// AppendPresignS3PairOf is AppendPresignS3Pair for a row p0 of s0 and a row
// p1 of s1, which may be two Signers (a manifest's rows change region every
// few rows): byte for byte s0.AppendPresignS3(dst0, p0) then
// s1.AppendPresignS3(dst1, p1), errors included. It runs two-lane when both
// Signers hash on sha256block and neither is a variant (SigV4a and the
// like), else as the two single calls. Both canonical requests are written
// in s0's scratch and each row's state in its Signer, so, as for any Signer
// call, neither may be in use elsewhere meanwhile.
func AppendPresignS3PairOf(s0, s1 *Signer, dst0, dst1 []byte, p0, p1 *S3Presign) (out0, out1 []byte, err0, err1 error) {
	if !s0.useBlock || s0.variant != nil || !s1.useBlock || s1.variant != nil {
		out0, err0 = s0.AppendPresignS3(dst0, p0)
		out1, err1 = s1.AppendPresignS3(dst1, p1)
		return out0, out1, err0, err1
	}
	// Both canonical requests go into s0.cr, one after the other
	// (appendPresignS3Parts writes only to the buffer it is given).
	cr, out0, err0 := s0.appendPresignS3Parts(s0.cr[:0], dst0, p0)
	if err0 != nil {
		s0.cr = cr[:0]
		out1, err1 = s1.AppendPresignS3(dst1, p1)
		return dst0, out1, err0, err1
	}
	n0 := len(cr)
	cr, out1, err1 = s1.appendPresignS3Parts(cr, dst1, p1)
	s0.cr = cr[:n0]
	if err1 != nil {
		return s0.appendSignature(out0), dst1, nil, err1
	}
	h0, h1 := sha256block.SumWords2(sha256block.IV, sha256block.IV, 0, 0, cr[:n0], cr[n0:])
	signaturePair(s0, s1, &h0, &h1)
	return appendHexWords(out0, &h0), appendHexWords(out1, &h1), nil, nil
}

// signaturePair turns h0 and h1, the hashes of two canonical requests
// signed by s0 and s1 (the same Signer or two), into their signatures'
// words, in place: both HMAC steps two-lane (sha256block.Block2). The
// strings to sign follow the prefix blocks each inner state has absorbed
// (the rest of the prefix, then the hex hash), and the outer messages, each
// padded where it is written (innerMessage, outerMessage). Strings to sign
// of two Signers whose rests differ in blocks take one lane each for the
// inner step.
func signaturePair(s0, s1 *Signer, h0, h1 *[8]uint32) {
	var m0, m1 [innerMax]byte
	n0 := s0.innerMessage(&m0, h0)
	n1 := s1.innerMessage(&m1, h1)
	in0, in1 := s0.blockInner, s1.blockInner
	if n0 == n1 {
		sha256block.Block2(&in0, &in1, m0[:n0], m1[:n1])
	} else {
		sha256block.Block(&in0, m0[:n0])
		sha256block.Block(&in1, m1[:n1])
	}
	outerMessage((*[sha256block.BlockSize]byte)(m0[:]), &in0)
	outerMessage((*[sha256block.BlockSize]byte)(m1[:]), &in1)
	*h0, *h1 = s0.blockOuter, s1.blockOuter
	sha256block.Block2(h0, h1, m0[:sha256block.BlockSize], m1[:sha256block.BlockSize])
}

// appendHexWords appends the 64 hex digits of the digest h.
func appendHexWords(dst []byte, h *[8]uint32) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 64)[:n+64]
	encodeHexWords(dst[n:], h)
	return dst
}
