package sigv4

import "github.com/batchsign/batchsign/internal/sha256block"

// PresignedURLPair checks two presigned URLs at once: err0 is what
// PresignedURL(method0, rawURL0, headers0, "") returns and err1 what
// PresignedURL(method1, rawURL1, headers1, "") returns, but the two
// signatures' SHA-256 work (the canonical requests, then both steps of the
// HMAC of the strings to sign) runs two-lane (sha256block.SumWords2), as
// Signer.AppendPresignS3Pair does for presigning: the SHA instructions of
// one URL wait on each other, and the other's fill the gaps. The URLs may
// be of different credentials, regions or signing instants. A URL that
// fails before its signature is recomputed leaves the other to be checked
// alone.
//
// Under a SHA-256 backend other than sha256block (BATCHSIGN_SHA256 = stdlib
// or simd, or FIPS 140 mode) it is the two single calls. In steady state it
// allocates nothing.
func (v *Verifier) PresignedURLPair(method0, rawURL0 string, headers0 []Header, method1, rawURL1 string, headers1 []Header) (err0, err1 error) {
	var c0, c1 presignedCheck
	if err0 = v.readPresigned(&c0, method0, rawURL0, headers0, ""); err0 != nil {
		return err0, v.PresignedURL(method1, rawURL1, headers1, "")
	}
	if !c0.s.useBlock {
		return v.presignedVerdict(&c0, c0.s.appendSignature(v.sig[:0])), v.PresignedURL(method1, rawURL1, headers1, "")
	}
	// The first canonical request moves to the verifier's spare buffer, so
	// that the second may be written by the same Signer.
	cr0 := c0.s.cr
	c0.s.cr, v.spare = v.spare[:0], cr0[:0]
	if err1 = v.readPresigned(&c1, method1, rawURL1, headers1, ""); err1 != nil {
		return v.presignedVerdict(&c0, appendBlockSignatureOf(v.sig[:0], c0.s, cr0)), err1
	}
	h0, h1 := sha256block.SumWords2(sha256block.IV, sha256block.IV, 0, 0, cr0, c1.s.cr)
	signaturePair(c0.s, c1.s, &h0, &h1)
	var sig1 [64]byte
	encodeHexWords(v.sig[:], &h0)
	encodeHexWords(sig1[:], &h1)
	return v.presignedVerdict(&c0, v.sig[:]), v.presignedVerdict(&c1, sig1[:])
}

// appendBlockSignatureOf is s.appendBlockSignature of the canonical request
// cr, which is not in s.cr.
func appendBlockSignatureOf(dst []byte, s *Signer, cr []byte) []byte {
	keep := s.cr
	s.cr = cr
	dst = s.appendBlockSignature(dst)
	s.cr = keep
	return dst
}
