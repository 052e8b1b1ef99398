package sigv4a

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// The request and credential types are SigV4's: a row that signs with one
// scheme signs with the other unchanged.
type (
	// Credentials are an AWS access key pair with an optional session
	// token; they print redacted (see sigv4.Credentials).
	Credentials = sigv4.Credentials
	// Request is an HTTP request to sign (see sigv4.Request for every field).
	Request = sigv4.Request
	// S3Presign describes one presigned S3 URL (see sigv4.S3Presign).
	S3Presign = sigv4.S3Presign
	// Header is one HTTP header, in the caller's order and case.
	Header = sigv4.Header
	// QueryParam is one query parameter, unescaped.
	QueryParam = sigv4.QueryParam
	// Canonical is what a signature covers, for tests and debugging.
	Canonical = sigv4.Canonical
	// Rules selects S3's or the generic path rules (see sigv4.Rules).
	Rules = sigv4.Rules
	// Form is where the signature travels: a header or the query.
	Form = sigv4.Form
	// SecretLookup finds the secret of an access key id when verifying.
	SecretLookup = sigv4.SecretLookup
)

// Path rules and signature forms, as in package sigv4.
const (
	RulesAuto    = sigv4.RulesAuto
	RulesGeneric = sigv4.RulesGeneric
	RulesS3      = sigv4.RulesS3

	HeaderForm = sigv4.HeaderForm
	QueryForm  = sigv4.QueryForm
)

const (
	// DefaultRegionSet is the region set of a Signer whose Options leave it
	// empty: every region, what a Multi-Region Access Point needs.
	DefaultRegionSet = "*"
	// MaxExpires is the longest X-Amz-Expires accepted: seven days, as for
	// SigV4.
	MaxExpires = sigv4.MaxExpires
)

// Errors a Signer returns, wrapped in a *sigerr.FieldError naming the field.
// They are SigV4's own values, so errors.Is matches either name.
var (
	// ErrExpiresRange: X-Amz-Expires is outside 1…604800 seconds.
	ErrExpiresRange = sigv4.ErrExpiresRange
	// ErrOutlivesCredentials: the URL would outlive the temporary
	// credentials that sign it.
	ErrOutlivesCredentials = sigv4.ErrOutlivesCredentials
	// ErrReservedParam: a caller's query parameter is one the signer sets
	// (X-Amz-Signature, X-Amz-Region-Set, ...).
	ErrReservedParam = sigv4.ErrReservedParam
)

// Options configure a Signer. Service is required.
type Options struct {
	// RegionSet lists the regions the signature is valid in, separated by
	// commas without spaces ("us-east-1,eu-west-1"); '*' matches any run of
	// characters ("us-*", "*"). Empty means DefaultRegionSet, "*". It is
	// signed as X-Amz-Region-Set, a query parameter of presigned URLs or a
	// header otherwise.
	RegionSet string
	// Service is the service name of the credential scope ("s3").
	Service string
	// Rules selects S3 or generic path rules; RulesAuto decides by Service.
	Rules Rules
	// DisablePathNormalization keeps dot segments and repeated slashes in
	// generic-service paths (S3 never normalises).
	DisablePathNormalization bool
	// TokenAfterSigning adds the session token after signing instead of
	// signing it, for the few services that want it so.
	TokenAfterSigning bool
	// ContentSHA256Header signs an x-amz-content-sha256 header carrying the
	// payload hash in header signing. Always on for S3.
	ContentSHA256Header bool
}

// Signer signs requests with SigV4a for one credential, region set, service
// and signing instant. The canonical request is SigV4's, built by the same
// code (package sigv4's Variant); only the scope, the algorithm, the signed
// region set and the signature differ. A Signer keeps scratch buffers and is
// not safe for concurrent use: give each worker its own, sharing the
// *SigningKey (a KeyCache does).
type Signer struct {
	v4        *sigv4.Signer
	key       *SigningKey
	regionSet string
	err       error // a signing failure inside the sigv4 call, reported after it
	desc      string
}

// NewSigner prepares a Signer for creds at instant t. key must be the
// SigningKey of creds (from a KeyCache or DeriveKey); if nil, NewSigner
// derives it. The instant is an argument, never a clock reading.
func NewSigner(creds Credentials, key *SigningKey, t time.Time, opts Options) (*Signer, error) {
	switch {
	case creds.AccessKeyID == "":
		return nil, sigcore.FieldErr("access_key_id", sigerr.ErrMissingField)
	case creds.SecretAccessKey == "" && key == nil:
		return nil, sigcore.FieldErr("secret_access_key", sigerr.ErrMissingField)
	case opts.Service == "":
		return nil, sigcore.FieldErr("service", sigerr.ErrMissingField)
	}
	if opts.RegionSet == "" {
		opts.RegionSet = DefaultRegionSet
	}
	if err := checkRegionSet(opts.RegionSet); err != nil {
		return nil, sigcore.FieldErr("region_set", err)
	}
	if key == nil {
		var err error
		if key, err = DeriveKey(creds.AccessKeyID, creds.SecretAccessKey); err != nil {
			return nil, err
		}
	}
	if key.accessKeyID != creds.AccessKeyID {
		return nil, sigcore.FieldErr("signing_key", sigcore.WithDetail(sigerr.ErrInvalidValue,
			"key of "+key.accessKeyID+" used for "+creds.AccessKeyID))
	}
	t = t.UTC()
	s := &Signer{key: key, regionSet: opts.RegionSet}
	v4, err := newVariant(creds, t, opts, s.sign)
	if err != nil {
		return nil, err
	}
	s.v4 = v4
	s.desc = "sigv4a.Signer{" + creds.AccessKeyID + "/" + scope(t, opts.Service) + " at " +
		t.Format("20060102T150405Z") + " regions " + opts.RegionSet + " " + sigcore.Redacted + "}"
	return s, nil
}

// newVariant makes the sigv4 signer that builds SigV4a's canonical request;
// sign is nil for a verifier, which needs the canonical form only.
func newVariant(creds Credentials, t time.Time, opts Options, sign func(dst, digest []byte) []byte) (*sigv4.Signer, error) {
	return sigv4.NewVariantSigner(creds, t, sigv4.Options{
		Service:                  opts.Service,
		Rules:                    opts.Rules,
		DisablePathNormalization: opts.DisablePathNormalization,
		TokenAfterSigning:        opts.TokenAfterSigning,
		ContentSHA256Header:      opts.ContentSHA256Header,
	}, sigv4.Variant{
		Algorithm: Algorithm,
		Scope:     scope(t, opts.Service),
		RegionSet: opts.RegionSet,
		Sign:      sign,
	})
}

// scope is SigV4a's credential scope: SigV4's without the region.
func scope(t time.Time, service string) string {
	return t.UTC().Format("20060102") + "/" + service + "/aws4_request"
}

// sign appends the hex DER ECDSA signature of digest. crypto/ecdsa draws
// the nonce from the system's random source mixed with the key and the
// digest, so signatures differ on every call and all of them verify.
func (s *Signer) sign(dst, digest []byte) []byte {
	der, err := ecdsa.SignASN1(rand.Reader, s.key.priv, digest)
	if err != nil {
		s.err = err
		return dst
	}
	return hex.AppendEncode(dst, der)
}

// took returns the error of a signature made during the last call, if any,
// and clears it.
func (s *Signer) took() error {
	err := s.err
	s.err = nil
	if err != nil {
		return sigcore.FieldErr("signature", sigcore.WithDetail(sigerr.ErrInvalidValue, "ECDSA signing failed: "+err.Error()))
	}
	return nil
}

// AppendPresignS3 appends a presigned S3 URL for p to dst: the parameters
// of a SigV4 presign with X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256, a
// credential without the region, X-Amz-Region-Set, and a signature of
// at most 144 hex digits (usually 140–144). It signs only the host header and UNSIGNED-PAYLOAD,
// as S3 presigns do. The Signer must apply S3 rules (service "s3", or
// Options.Rules = RulesS3).
//
// The canonical request is built without allocating, as for SigV4; the
// ECDSA signature (tens of microseconds) is the cost of a call.
func (s *Signer) AppendPresignS3(dst []byte, p *S3Presign) ([]byte, error) {
	n := len(dst)
	dst, err := s.v4.AppendPresignS3(dst, p)
	if err == nil {
		err = s.took()
	}
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// PresignURL returns r presigned for expires seconds as a full URL:
// scheme://host/path?query&X-Amz-Algorithm=…&X-Amz-Region-Set=…&X-Amz-Signature=…,
// the parameters in the order AWS's SDKs write them.
func (s *Signer) PresignURL(scheme string, r *Request, expires int64) (string, error) {
	u, err := s.v4.PresignURL(scheme, r, expires)
	if err == nil {
		err = s.took()
	}
	if err != nil {
		return "", err
	}
	return u, nil
}

// SignHeaders signs r for an Authorization header and returns the headers
// to add, in this order: X-Amz-Security-Token (temporary credentials),
// X-Amz-Date, X-Amz-Region-Set, x-amz-content-sha256 (S3, or when asked),
// Authorization.
func (s *Signer) SignHeaders(r *Request) ([]Header, error) {
	hs, err := s.v4.SignHeaders(r)
	if err == nil {
		err = s.took()
	}
	if err != nil {
		return nil, err
	}
	return hs, nil
}

// Explain returns the canonical request, string to sign, signed headers and
// a signature of r in the given form (expires is for QueryForm only). Every
// call signs anew: ECDSA signatures are randomised.
func (s *Signer) Explain(r *Request, form Form, expires int64) (Canonical, error) {
	c, err := s.v4.Explain(r, form, expires)
	if err == nil {
		err = s.took()
	}
	if err != nil {
		return Canonical{}, err
	}
	return c, nil
}

// String names the credential scope, instant and region set, never key
// material.
func (s *Signer) String() string { return s.desc }

// GoString is String, so %#v cannot print the key.
func (s *Signer) GoString() string { return s.String() }

// Format makes every verb print String.
func (s *Signer) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// checkRegionSet accepts comma-separated region names of lower-case
// letters, digits and '-', each possibly with '*' wildcards: what a region
// set holds, and nothing that would read differently in a header than in a
// URL.
func checkRegionSet(rs string) error {
	if rs == "" {
		return sigerr.ErrMissingField
	}
	start := 0
	for i := 0; i <= len(rs); i++ {
		if i == len(rs) || rs[i] == ',' {
			if i == start {
				return sigcore.WithDetail(sigerr.ErrInvalidValue, "empty region in "+sigcore.QuoteForError(rs))
			}
			start = i + 1
			continue
		}
		c := rs[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '*') {
			return sigcore.WithDetail(sigerr.ErrInvalidValue, "region set "+sigcore.QuoteForError(rs)+": byte "+strconv.Itoa(i)+" is not a-z, 0-9, '-' or '*'")
		}
	}
	return nil
}
