package sigv4

import (
	"fmt"
	"strconv"
	"time"

	"github.com/batchsign/batchsign/internal/amzauth"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

const schemeSigV4 = "sigv4"

// VerifyOptions say what a SigV4 verifier expects and when "now" is.
type VerifyOptions struct {
	// Now is the instant to judge expiry and clock skew against; the engine
	// reads no clock.
	Now time.Time
	// Region and Service, when set, are the only scope accepted; a request
	// signed for another is sigerr.ErrWrongScope.
	Region, Service string
	// Rules selects S3 or generic path rules; RulesAuto decides by the
	// service in the request's credential scope.
	Rules Rules
	// MaxSkew bounds |Now - X-Amz-Date| for header authentication and how
	// early a presigned URL may be used; zero means sigcore.MaxClockSkew (15 min).
	MaxSkew time.Duration
	// Keys, when set, caches derived signing keys across verifications.
	Keys *KeyCache
	// DisablePathNormalization and TokenAfterSigning mirror the signing
	// Options for services that sign that way.
	DisablePathNormalization bool
	TokenAfterSigning        bool
}

// credentialScope is X-Amz-Credential or the Credential= of an
// Authorization header, taken apart.
type credentialScope = amzauth.Scope

// verifyScope checks a credential scope against the options and the date.
func (o *VerifyOptions) verifyScope(c credentialScope, signed time.Time) error {
	if !sameDay(c.Date, signed) {
		return sigcore.Fail(schemeSigV4, sigerr.ErrWrongScope, "credential", "scope date "+c.Date+" is not the signing date "+signed.Format("20060102"))
	}
	if o.Region != "" && c.Region != o.Region {
		return sigcore.Fail(schemeSigV4, sigerr.ErrWrongScope, "credential", "region "+strconv.Quote(c.Region)+", expected "+strconv.Quote(o.Region))
	}
	if o.Service != "" && c.Service != o.Service {
		return sigcore.Fail(schemeSigV4, sigerr.ErrWrongScope, "credential", "service "+strconv.Quote(c.Service)+", expected "+strconv.Quote(o.Service))
	}
	return nil
}

// sameDay reports whether day is t's date as "20060102" formats it,
// without formatting t (years 0–9999).
func sameDay(day string, t time.Time) bool {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return day == t.Format("20060102")
	}
	b := [8]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10),
		byte('0' + int(m)/10), byte('0' + int(m)%10), byte('0' + d/10), byte('0' + d%10),
	}
	return string(b[:]) == day
}

// signerFor builds the Signer that recomputes a signature for a scope.
func (o *VerifyOptions) signerFor(c credentialScope, secret, token string, t time.Time, afterSigning, contentHeader bool) (*Signer, error) {
	creds := Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: secret, SessionToken: token}
	var key *SigningKey
	if o.Keys != nil {
		key = o.Keys.Get(c.AccessKeyID, secret, t, c.Region, c.Service)
	}
	return NewSigner(creds, key, t, Options{
		Region: c.Region, Service: c.Service, Rules: o.Rules,
		DisablePathNormalization: o.DisablePathNormalization,
		TokenAfterSigning:        afterSigning || o.TokenAfterSigning,
		ContentSHA256Header:      contentHeader,
	})
}

// Verifier checks many SigV4 requests, reusing the signer (and its scratch
// space) of requests that share credential, scope and signing instant, as
// the URLs of one batch run do. It is not safe for concurrent use: give
// each worker its own. Change Opts.Now between calls as needed.
type Verifier struct {
	Lookup SecretLookup
	Opts   VerifyOptions

	signers map[verifierKey]*Signer
	// last is the signer of the last verification, lastKey its key.
	last    *Signer
	lastKey verifierKey
	sig     [64]byte
	// spare is a canonical request buffer that PresignedURLPair swaps
	// with a Signer's, to keep one URL's canonical request while the same
	// Signer writes the other's.
	spare []byte
	// hosts spares SplitURL the check of hosts it has accepted.
	hosts sigcore.HostMemo
	// scopes spares ReadPresigned the reading of credentials it has read.
	scopes amzauth.ScopeMemo
}

type verifierKey struct {
	accessKeyID, secret, token string
	date, region, service      string
	unix                       int64
	afterSigning, content      bool
}

// maxCachedSigners bounds a Verifier's cache; a run rarely has more than a
// handful of (credential, instant) combinations.
const maxCachedSigners = 256

// NewVerifier returns a Verifier for lookup and opts.
func NewVerifier(lookup SecretLookup, opts VerifyOptions) *Verifier {
	return &Verifier{Lookup: lookup, Opts: opts, signers: map[verifierKey]*Signer{}}
}

// String describes the verifier without any secret.
func (v *Verifier) String() string { return "sigv4.Verifier{" + sigcore.Redacted + "}" }

// GoString is String, so %#v cannot reach cached secrets.
func (v *Verifier) GoString() string { return v.String() }

// Format makes every verb print String.
func (v *Verifier) Format(f fmt.State, _ rune) { fmt.Fprint(f, v.String()) }

func (v *Verifier) signer(c credentialScope, secret, token string, t time.Time, afterSigning, contentHeader bool) (*Signer, error) {
	k := verifierKey{c.AccessKeyID, secret, token, c.Date, c.Region, c.Service, t.Unix(), afterSigning, contentHeader}
	if v.last != nil && k == v.lastKey { // a run's URLs mostly share one
		return v.last, nil
	}
	if s := v.signers[k]; s != nil {
		v.last, v.lastKey = s, k
		return s, nil
	}
	s, err := v.Opts.signerFor(c, secret, token, t, afterSigning, contentHeader)
	if err != nil {
		return nil, err
	}
	if v.signers == nil || len(v.signers) >= maxCachedSigners {
		v.signers = map[verifierKey]*Signer{}
	}
	v.signers[k] = s
	v.last, v.lastKey = s, k
	return s, nil
}

// canonicalizeFor writes r's canonical request into s.cr and returns the
// signed-headers list: canonicalize, or for a presigned URL (form
// QueryForm) that signs host alone (hostOnly) canonicalizePresignedHost
// where it applies.
func (s *Signer) canonicalizeFor(r *Request, form Form, expires int64, hostOnly bool) (string, error) {
	if hostOnly && form == QueryForm {
		if done, err := s.canonicalizePresignedHost(r, expires); done {
			return "host", err
		}
	}
	return s.canonicalize(r, form, expires)
}

// matches recomputes the signature for r with s and compares it with sig in
// constant time; it also reports the signed-headers list s derived.
func (v *Verifier) matches(s *Signer, r *Request, form Form, expires int64, sig string) (signed string, ok bool, err error) {
	signed, err = s.canonicalize(r, form, expires)
	if err != nil {
		return "", false, err
	}
	got := s.appendSignature(v.sig[:0])
	return signed, sigcore.ConstantTimeEqual(got, []byte(sig)), nil
}

// VerifyPresignedURL checks a SigV4 presigned URL for method; see the
// package function VerifyPresignedURL.
func VerifyPresignedURL(method, rawURL string, headers []Header, payloadHash string, lookup SecretLookup, opts VerifyOptions) error {
	return NewVerifier(lookup, opts).PresignedURL(method, rawURL, headers, payloadHash)
}

// VerifyRequest checks a request signed with an Authorization header; see
// Verifier.Request.
func VerifyRequest(method, rawURL string, headers []Header, payloadHash string, lookup SecretLookup, opts VerifyOptions) error {
	return NewVerifier(lookup, opts).Request(method, rawURL, headers, payloadHash)
}

// PresignedURL checks a SigV4 presigned URL for method: nil when it is
// valid at Opts.Now, otherwise a *sigerr.VerifyError whose Reason says why
// (sigerr.ErrMalformed, sigerr.ErrUnknownKey, sigerr.ErrWrongScope, sigerr.ErrNotYetValid, sigerr.ErrExpired,
// sigerr.ErrUnsignedHeader, sigerr.ErrSignatureMismatch). headers are the request headers
// other than Host that the URL may have signed. payloadHash is the hex
// SHA-256 of a body that a generic-service presign signed ("" for none); S3
// presigns always sign UNSIGNED-PAYLOAD. The signature is compared in
// constant time; the error never contains the expected signature.
//
// rawURL is read as a client would send it, and no more leniently: an http
// or https URL whose host is a DNS name (labels of 1–63 bytes, 253 in all),
// an IPv4 address or a bracketed IPv6 literal, with an optional port
// 1–65535, and whose path and query hold only the bytes an HTTP/1.1
// request target carries (a space, a control byte, a raw non-ASCII byte or
// '"<>\^`{|}[]' must be percent-encoded). User information and fragments
// are refused too. Anything else is sigerr.ErrMalformed, field "url", and
// the error quotes no part of the URL. The signers of this package sign no
// URL that fails these rules. Replacing any one byte of a valid presigned
// URL by any other byte makes it fail, but for the changes RFC 3986 calls
// the same URL: the case of a scheme letter or of a percent-escape's hex
// digit (TestVerifyDetectsEveryByteChange).
func (v *Verifier) PresignedURL(method, rawURL string, headers []Header, payloadHash string) error {
	var c presignedCheck
	if err := v.readPresigned(&c, method, rawURL, headers, payloadHash); err != nil {
		return err
	}
	got := c.s.appendSignature(v.sig[:0])
	return v.presignedVerdict(&c, got)
}

// presignedCheck is a presigned URL read and canonicalised (readPresigned),
// its signature still to recompute from s.cr and judge (presignedVerdict).
type presignedCheck struct {
	p      amzauth.Presigned
	s      *Signer
	signed string // the signed-headers list s derived
}

// readPresigned is PresignedURL up to the signature: it reads rawURL and
// its X-Amz-* parameters, looks up the secret, checks the scope and that
// host is signed, and writes the canonical request into c.s.cr. An error is
// the verdict.
func (v *Verifier) readPresigned(c *presignedCheck, method, rawURL string, headers []Header, payloadHash string) error {
	opts := &v.Opts
	u, err := v.hosts.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(schemeSigV4, err)
	}
	p, err := amzauth.SigV4.ReadPresignedMemo(&u, &v.scopes)
	if err != nil {
		return err
	}
	secret, err := amzauth.SigV4.Secret(v.Lookup, p.Scope.AccessKeyID, "X-Amz-Credential")
	if err != nil {
		return err
	}
	if err := opts.verifyScope(p.Scope, p.Date); err != nil {
		return err
	}
	if err := amzauth.SigV4.CheckPresignedHost(&p); err != nil {
		return err
	}

	// The signature decides authenticity; time decides validity. Checking
	// the signature first means a forged URL is reported as forged, not as
	// merely expired.
	s, err := v.signer(p.Scope, secret, p.Token, p.Date, false, false)
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Credential", err.Error())
	}
	r := Request{Method: method, Host: u.Host, Path: u.Path, Headers: sigcore.PickSigned(headers, p.SignedHeaders)}
	// The parameters other than X-Amz-* are read again from where they sit
	// (signers put them together), or else from the whole query, the
	// X-Amz-* ones skipped.
	r.Query = p.Rest
	if p.RestSplit {
		r.Query, r.withAuth = u.RawQuery, true
	}
	if !s.s3 {
		r.PayloadHash = payloadHash
	}
	signed, err := s.canonicalizeFor(&r, QueryForm, p.Expires, p.SignedHeaders == "host")
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "url", err.Error())
	}
	c.p, c.s, c.signed = p, s, signed
	return nil
}

// presignedVerdict judges a presigned URL read by readPresigned whose
// signature recomputes to got (hex): the signed headers, the signature
// (compared in constant time), then the time.
func (v *Verifier) presignedVerdict(c *presignedCheck, got []byte) error {
	if c.signed != c.p.SignedHeaders {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-SignedHeaders", "signed headers missing from the request")
	}
	if !sigcore.ConstantTimeEqual(got, []byte(c.p.Signature)) {
		return sigcore.Fail(schemeSigV4, sigerr.ErrSignatureMismatch, "X-Amz-Signature", "")
	}
	return amzauth.SigV4.CheckPresignedTime(&c.p, v.Opts.Now, v.Opts.MaxSkew)
}

// Request checks a request signed with a SigV4 Authorization header (rawURL
// read as PresignedURL reads it):
// nil when valid at Opts.Now, otherwise a *sigerr.VerifyError (sigerr.ErrMalformed,
// sigerr.ErrUnknownKey, sigerr.ErrWrongScope, sigerr.ErrClockSkew, sigerr.ErrUnsignedHeader,
// sigerr.ErrContentHashMismatch, sigerr.ErrSignatureMismatch). payloadHash, when not
// empty, is the hex SHA-256 of the body the verifier received; it must
// match the x-amz-content-sha256 header the request signed.
func (v *Verifier) Request(method, rawURL string, headers []Header, payloadHash string) error {
	opts := &v.Opts
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(schemeSigV4, err)
	}
	a, err := amzauth.SigV4.ParseAuthorization(headers)
	if err != nil {
		return err
	}
	secret, err := amzauth.SigV4.Secret(v.Lookup, a.Scope.AccessKeyID, "Authorization")
	if err != nil {
		return err
	}
	if err := opts.verifyScope(a.Scope, a.Date); err != nil {
		return err
	}
	isS3 := opts.Rules == RulesS3 || (opts.Rules == RulesAuto && a.Scope.Service == "s3")
	if err := amzauth.SigV4.CheckHeaders(&a, headers, isS3, payloadHash); err != nil {
		return err
	}
	afterSigning := a.Token != "" && !sigcore.HasListItem(a.SignedHeaders, "x-amz-security-token")
	s, err := v.signer(a.Scope, secret, a.Token, a.Date, afterSigning, sigcore.HasListItem(a.SignedHeaders, "x-amz-content-sha256"))
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "Authorization", err.Error())
	}
	r := Request{Method: method, Host: u.Host, Path: u.Path, Query: u.RawQuery, Headers: sigcore.PickSigned(headers, a.SignedHeaders)}
	if a.ContentHash == "" {
		r.PayloadHash = payloadHash
	}
	signed, good, err := v.matches(s, &r, HeaderForm, 0, a.Signature)
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "request", err.Error())
	}
	if signed != a.SignedHeaders {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "SignedHeaders", "signed headers missing from the request")
	}
	if !good {
		return sigcore.Fail(schemeSigV4, sigerr.ErrSignatureMismatch, "Authorization", "")
	}
	return amzauth.SigV4.CheckSkew(&a, opts.Now, opts.MaxSkew)
}
