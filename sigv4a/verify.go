package sigv4a

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/amzauth"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

const schemeSigV4a = "sigv4a"

// maxSignatureHex bounds the hex of a DER P-256 signature (at most 72
// bytes); a longer value cannot match and is not decoded.
const maxSignatureHex = 2 * 72

// VerifyOptions say what a SigV4a verifier expects and when "now" is.
type VerifyOptions struct {
	// Now is the instant to judge expiry and clock skew against; the
	// package reads no clock.
	Now time.Time
	// Region, when set, is the region the verifier stands for: the signed
	// region set must hold it (an entry equal to it, or a pattern whose '*'s
	// match it, as "*" and "us-*" do), else sigerr.ErrWrongScope. This is
	// the check a regional endpoint makes.
	Region string
	// Service, when set, is the only service accepted in the credential
	// scope; another is sigerr.ErrWrongScope.
	Service string
	// Rules selects S3 or generic path rules; RulesAuto decides by the
	// service in the request's credential scope.
	Rules Rules
	// MaxSkew bounds |Now - X-Amz-Date| for header authentication and how
	// early a presigned URL may be used; zero means 15 minutes.
	MaxSkew time.Duration
	// Keys, when set, is the KeyCache to derive keys through, shared with
	// signers or other verifiers; when nil, each Verifier keeps its own.
	Keys *KeyCache
	// DisablePathNormalization and TokenAfterSigning mirror the signing
	// Options for services that sign that way.
	DisablePathNormalization bool
	TokenAfterSigning        bool
}

// Verifier checks SigV4a presigned URLs and signed requests: it rebuilds
// the canonical request with the same code that signs, derives the public
// key from the secret the lookup returns (once per credential), and checks
// the ECDSA signature with it. It keeps the canonicalisers of requests that
// share a credential, scope, region set and instant, as a batch's URLs do.
// A Verifier is not safe for concurrent use: give each worker its own,
// sharing a KeyCache through Opts.Keys. Change Opts.Now between calls as
// needed.
type Verifier struct {
	Lookup SecretLookup
	Opts   VerifyOptions

	keys    *KeyCache
	signers map[verifierKey]*sigv4.Signer
	rest    []byte
	der     [72]byte
}

type verifierKey struct {
	accessKeyID, token, service, regionSet string
	unix                                   int64
	afterSigning, content                  bool
	// The options a canonicaliser is built with, so that changing Opts
	// between calls never reuses a stale one.
	rules                      Rules
	noNormalize, optTokenAfter bool
}

// maxCachedSigners bounds a Verifier's canonicalisers.
const maxCachedSigners = 256

// NewVerifier returns a Verifier for lookup and opts.
func NewVerifier(lookup SecretLookup, opts VerifyOptions) *Verifier {
	return &Verifier{Lookup: lookup, Opts: opts}
}

// VerifyPresignedURL checks one presigned URL; see Verifier.PresignedURL.
func VerifyPresignedURL(method, rawURL string, headers []Header, payloadHash string, lookup SecretLookup, opts VerifyOptions) error {
	return NewVerifier(lookup, opts).PresignedURL(method, rawURL, headers, payloadHash)
}

// VerifyRequest checks one request signed with an Authorization header; see
// Verifier.Request.
func VerifyRequest(method, rawURL string, headers []Header, payloadHash string, lookup SecretLookup, opts VerifyOptions) error {
	return NewVerifier(lookup, opts).Request(method, rawURL, headers, payloadHash)
}

// String describes the verifier without any secret.
func (v *Verifier) String() string { return "sigv4a.Verifier{" + sigcore.Redacted + "}" }

// GoString is String, so %#v cannot reach cached secrets.
func (v *Verifier) GoString() string { return v.String() }

// Format makes every verb print String.
func (v *Verifier) Format(f fmt.State, _ rune) { fmt.Fprint(f, v.String()) }

// credentialScope is X-Amz-Credential or the Credential= of an
// Authorization header, taken apart: AKID/date/service/aws4_request.
type credentialScope = amzauth.Scope

// checkScope checks the credential scope and the region set against the
// options and the signing instant.
func (o *VerifyOptions) checkScope(c credentialScope, regionSet string, signed time.Time, field string) error {
	if c.Date != signed.Format("20060102") {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrWrongScope, field, "scope date "+c.Date+" is not the signing date "+signed.Format("20060102"))
	}
	if o.Service != "" && c.Service != o.Service {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrWrongScope, field, "service "+strconv.Quote(c.Service)+", expected "+strconv.Quote(o.Service))
	}
	if o.Region != "" && !regionSetHas(regionSet, o.Region) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrWrongScope, "X-Amz-Region-Set", "region set "+sigcore.QuoteForError(regionSet)+" does not hold "+strconv.Quote(o.Region))
	}
	return nil
}

// publicKey returns the public key of a credential, derived once.
func (v *Verifier) publicKey(accessKeyID, secret string) (*ecdsa.PublicKey, error) {
	keys := v.Opts.Keys
	if keys == nil {
		if v.keys == nil {
			v.keys = NewKeyCache(0)
		}
		keys = v.keys
	}
	k, err := keys.Get(accessKeyID, secret)
	if err != nil {
		return nil, err
	}
	return k.PublicKey(), nil
}

// canonical returns the string to sign of r as the signer would build it
// for this scope, region set and instant, and the signed-headers list.
func (v *Verifier) canonical(c credentialScope, token, regionSet string, t time.Time, afterSigning, content bool, r *Request, form Form, expires int64) (sts, signed string, err error) {
	k := verifierKey{c.AccessKeyID, token, c.Service, regionSet, t.Unix(), afterSigning, content,
		v.Opts.Rules, v.Opts.DisablePathNormalization, v.Opts.TokenAfterSigning}
	s := v.signers[k]
	if s == nil {
		s, err = newVariant(Credentials{AccessKeyID: c.AccessKeyID, SessionToken: token}, t, Options{
			RegionSet: regionSet, Service: c.Service, Rules: v.Opts.Rules,
			DisablePathNormalization: v.Opts.DisablePathNormalization,
			TokenAfterSigning:        afterSigning || v.Opts.TokenAfterSigning,
			ContentSHA256Header:      content,
		}, nil)
		if err != nil {
			return "", "", err
		}
		if v.signers == nil || len(v.signers) >= maxCachedSigners {
			v.signers = map[verifierKey]*sigv4.Signer{}
		}
		v.signers[k] = s
	}
	cn, err := s.Explain(r, form, expires)
	if err != nil {
		return "", "", err
	}
	return cn.StringToSign, cn.SignedHeaders, nil
}

// signatureOK checks a hex DER ECDSA signature of a string to sign. A
// signature that is not lower-case hex (the only form signers write, so that
// one signature has one spelling), or too long to be one, is simply wrong.
func (v *Verifier) signatureOK(pub *ecdsa.PublicKey, sts, sigHex string) bool {
	if len(sigHex) > maxSignatureHex || len(sigHex)%2 != 0 {
		return false
	}
	for i := 0; i < len(sigHex); i++ {
		if c := sigHex[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	n, err := hex.Decode(v.der[:], []byte(sigHex))
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(sts))
	return ecdsa.VerifyASN1(pub, sum[:], v.der[:n])
}

// PresignedURL checks a SigV4a presigned URL for method: nil when it is
// valid at Opts.Now, otherwise a *sigerr.VerifyError whose Reason says why:
// sigerr.ErrMalformed (a parameter missing, repeated or unreadable, another
// algorithm), sigerr.ErrUnknownKey, sigerr.ErrWrongScope (date, service, or
// a region set without Opts.Region), sigerr.ErrUnsignedHeader,
// sigerr.ErrSignatureMismatch, sigerr.ErrNotYetValid, sigerr.ErrExpired.
// The signature is checked before the time, so a forged URL is reported as
// forged, not as expired. headers are the request headers besides Host that
// the URL may have signed; payloadHash is the hex SHA-256 of a body that a
// generic-service presign signed ("" for none). The error never contains
// key material.
func (v *Verifier) PresignedURL(method, rawURL string, headers []Header, payloadHash string) error {
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(schemeSigV4a, err)
	}
	p, rest, err := amzauth.SigV4a.ParsePresigned(u.RawQuery, v.rest[:0])
	v.rest = rest
	if err != nil {
		return err
	}
	if err := checkRegionSet(p.RegionSet); err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Region-Set", err.Error())
	}
	secret, err := amzauth.SigV4a.Secret(v.Lookup, p.Scope.AccessKeyID, "X-Amz-Credential")
	if err != nil {
		return err
	}
	if err := v.Opts.checkScope(p.Scope, p.RegionSet, p.Date, "X-Amz-Credential"); err != nil {
		return err
	}
	if err := amzauth.SigV4a.CheckPresignedHost(&p); err != nil {
		return err
	}
	pub, err := v.publicKey(p.Scope.AccessKeyID, secret)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrUnknownKey, "X-Amz-Credential", err.Error())
	}
	r := Request{Method: method, Host: u.Host, Path: u.Path, Query: string(rest), Headers: sigcore.PickSigned(headers, p.SignedHeaders), PayloadHash: payloadHash}
	if v.isS3(p.Scope.Service) {
		r.PayloadHash = "" // S3 presigns sign UNSIGNED-PAYLOAD
	}
	sts, signed, err := v.canonical(p.Scope, p.Token, p.RegionSet, p.Date, false, false, &r, QueryForm, p.Expires)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "url", err.Error())
	}
	if signed != p.SignedHeaders {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-SignedHeaders", "signed headers missing from the request")
	}
	if !v.signatureOK(pub, sts, p.Signature) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrSignatureMismatch, "X-Amz-Signature", "")
	}
	return amzauth.SigV4a.CheckPresignedTime(&p, v.Opts.Now, v.Opts.MaxSkew)
}

func (v *Verifier) isS3(service string) bool {
	return v.Opts.Rules == RulesS3 || (v.Opts.Rules == RulesAuto && service == "s3")
}

// Request checks a request signed with a SigV4a Authorization header: nil
// when valid at Opts.Now, otherwise a *sigerr.VerifyError whose Reason is
// sigerr.ErrMalformed, sigerr.ErrUnknownKey, sigerr.ErrWrongScope,
// sigerr.ErrUnsignedHeader (host, x-amz-date, x-amz-region-set and every
// x-amz-* header present must be signed), sigerr.ErrContentHashMismatch,
// sigerr.ErrSignatureMismatch or sigerr.ErrClockSkew. payloadHash, when not
// empty, is the hex SHA-256 of the body received; it must match the
// x-amz-content-sha256 header the request signed.
func (v *Verifier) Request(method, rawURL string, headers []Header, payloadHash string) error {
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(schemeSigV4a, err)
	}
	a, err := amzauth.SigV4a.ParseAuthorization(headers)
	if err != nil {
		return err
	}
	if err := checkRegionSet(a.RegionSet); err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Region-Set", err.Error())
	}
	secret, err := amzauth.SigV4a.Secret(v.Lookup, a.Scope.AccessKeyID, "Authorization")
	if err != nil {
		return err
	}
	if err := v.Opts.checkScope(a.Scope, a.RegionSet, a.Date, "Authorization"); err != nil {
		return err
	}
	if err := amzauth.SigV4a.CheckHeaders(&a, headers, v.isS3(a.Scope.Service), payloadHash); err != nil {
		return err
	}
	pub, err := v.publicKey(a.Scope.AccessKeyID, secret)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrUnknownKey, "Authorization", err.Error())
	}
	r := Request{Method: method, Host: u.Host, Path: u.Path, Query: u.RawQuery, Headers: sigcore.PickSigned(headers, a.SignedHeaders)}
	if a.ContentHash == "" {
		r.PayloadHash = payloadHash
	}
	afterSigning := a.Token != "" && !sigcore.HasListItem(a.SignedHeaders, "x-amz-security-token")
	sts, signed, err := v.canonical(a.Scope, a.Token, a.RegionSet, a.Date, afterSigning, sigcore.HasListItem(a.SignedHeaders, "x-amz-content-sha256"), &r, HeaderForm, 0)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "request", err.Error())
	}
	if signed != a.SignedHeaders {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "SignedHeaders", "signed headers missing from the request")
	}
	if !v.signatureOK(pub, sts, a.Signature) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrSignatureMismatch, "Authorization", "")
	}
	return amzauth.SigV4a.CheckSkew(&a, v.Opts.Now, v.Opts.MaxSkew)
}

// regionSetHas reports whether a region set holds region: an entry equal to
// it, or a pattern whose '*'s match it.
func regionSetHas(rs, region string) bool {
	for rs != "" {
		var p string
		p, rs, _ = strings.Cut(rs, ",")
		if globMatch(p, region) {
			return true
		}
	}
	return false
}

// globMatch matches s against a pattern where '*' stands for any run of
// bytes, in linear time (the classic backtrack to the last star).
func globMatch(p, s string) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
