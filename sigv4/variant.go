package sigv4

import (
	"slices"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// Variant is a scheme of the SigV4 family that signs SigV4's canonical
// request under another algorithm name, credential scope and signature.
// SigV4a (package sigv4a: ECDSA P-256, a scope without the region, a signed
// region set) is built on it, so that both schemes share one
// canonicalisation. A Signer made by NewVariantSigner canonicalises exactly
// as a SigV4 Signer does, in both forms and under both rules, S3 presigns
// included, and hands the signature to Sign.
type Variant struct {
	// Algorithm replaces AWS4-HMAC-SHA256 in X-Amz-Algorithm, the
	// Authorization header and the first line of the string to sign.
	Algorithm string
	// Scope is the credential scope that follows "AKID/" in the credential
	// and forms the string to sign's third line.
	Scope string
	// RegionSet, when not empty, is signed as the X-Amz-Region-Set query
	// parameter of presigned URLs and as the X-Amz-Region-Set header in
	// header signing. A caller's X-Amz-Region-Set query parameter is then
	// refused (ErrReservedParam), and its header of that name ignored in
	// header signing, as X-Amz-Date is.
	RegionSet string
	// Sign appends the signature of digest, the SHA-256 of the string to
	// sign, to dst; digest is the Signer's scratch, valid during the call
	// only. Sign may be nil when the signer only canonicalises, as a
	// verifier's does: signatures are then empty.
	Sign func(dst, digest []byte) []byte
}

// NewVariantSigner prepares a Signer for v at instant t. Service and the
// rule options apply as for NewSigner; opts.Region is not used (the
// variant's Scope replaces it), nor is the secret (v.Sign holds the key).
func NewVariantSigner(creds Credentials, t time.Time, opts Options, v Variant) (*Signer, error) {
	switch {
	case creds.AccessKeyID == "":
		return nil, sigcore.FieldErr("access_key_id", sigerr.ErrMissingField)
	case opts.Service == "":
		return nil, sigcore.FieldErr("service", sigerr.ErrMissingField)
	case v.Algorithm == "":
		return nil, sigcore.FieldErr("algorithm", sigerr.ErrMissingField)
	case v.Scope == "":
		return nil, sigcore.FieldErr("scope", sigerr.ErrMissingField)
	}
	s := newSigner(creds, t.UTC(), opts, v.Algorithm, v.Scope)
	s.variant = &v
	if v.RegionSet != "" {
		s.regionSetEsc = sigcore.URIEscape(v.RegionSet, false)
	}
	return s, nil
}

// appendVariantSignature hashes the canonical request in s.cr into the
// string to sign and hands its SHA-256 to the variant's Sign, allocating
// nothing itself.
func (s *Signer) appendVariantSignature(dst []byte) []byte {
	if s.variant.Sign == nil {
		return dst
	}
	sum := sha256block.Sum256(s.cr)
	var sts [256]byte // room for any real prefix: no allocation
	n := len(s.stsPrefix)
	b := slices.Grow(sts[:0], n+64)[:n+64]
	copy(b, s.stsPrefix)
	encodeHex(b[n:], sum[:])
	// The digest goes through s.sumb: handed to a func value from the
	// stack, it would escape and cost an allocation per signature.
	s.sumb = sha256block.Sum256(b)
	return s.variant.Sign(dst, s.sumb[:])
}
