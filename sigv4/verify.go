package sigv4

import (
	"fmt"
	"strconv"
	"strings"
	"time"

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

func (o *VerifyOptions) skew() time.Duration {
	if o.MaxSkew > 0 {
		return o.MaxSkew
	}
	return sigcore.MaxClockSkew
}

// credentialScope is X-Amz-Credential or the Credential= of an
// Authorization header, taken apart.
type credentialScope struct {
	accessKeyID, date, region, service string
}

func parseCredential(v string) (credentialScope, bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" {
		return credentialScope{}, false
	}
	return credentialScope{parts[0], parts[1], parts[2], parts[3]}, true
}

// verifyScope checks a credential scope against the options and the date.
func (o *VerifyOptions) verifyScope(c credentialScope, signed time.Time) error {
	if c.date != signed.Format("20060102") {
		return sigcore.Fail(schemeSigV4, sigerr.ErrWrongScope, "credential", "scope date "+c.date+" is not the signing date "+signed.Format("20060102"))
	}
	if o.Region != "" && c.region != o.Region {
		return sigcore.Fail(schemeSigV4, sigerr.ErrWrongScope, "credential", "region "+strconv.Quote(c.region)+", expected "+strconv.Quote(o.Region))
	}
	if o.Service != "" && c.service != o.Service {
		return sigcore.Fail(schemeSigV4, sigerr.ErrWrongScope, "credential", "service "+strconv.Quote(c.service)+", expected "+strconv.Quote(o.Service))
	}
	return nil
}

// signerFor builds the Signer that recomputes a signature for a scope.
func (o *VerifyOptions) signerFor(c credentialScope, secret, token string, t time.Time, afterSigning, contentHeader bool) (*Signer, error) {
	creds := Credentials{AccessKeyID: c.accessKeyID, SecretAccessKey: secret, SessionToken: token}
	var key *SigningKey
	if o.Keys != nil {
		key = o.Keys.Get(c.accessKeyID, secret, t, c.region, c.service)
	}
	return NewSigner(creds, key, t, Options{
		Region: c.region, Service: c.service, Rules: o.Rules,
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
	rest    []byte
	sig     [64]byte
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
	k := verifierKey{c.accessKeyID, secret, token, c.date, c.region, c.service, t.Unix(), afterSigning, contentHeader}
	if s := v.signers[k]; s != nil {
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
	return s, nil
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
	opts, lookup := &v.Opts, v.Lookup
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(schemeSigV4, err)
	}
	host, path, query := u.Host, u.Path, u.RawQuery
	var (
		alg, cred, date, expires, signedHdrs, sig, token string
		seen                                             uint8
	)
	rest := v.rest[:0]
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := sigcore.URIUnescape(k)
		if err != nil {
			return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "query", err.Error())
		}
		var dst *string
		var bit uint8
		switch dk {
		case "X-Amz-Algorithm":
			dst, bit = &alg, 1
		case "X-Amz-Credential":
			dst, bit = &cred, 2
		case "X-Amz-Date":
			dst, bit = &date, 4
		case "X-Amz-Expires":
			dst, bit = &expires, 8
		case "X-Amz-SignedHeaders":
			dst, bit = &signedHdrs, 16
		case "X-Amz-Signature":
			dst, bit = &sig, 32
		case "X-Amz-Security-Token":
			dst, bit = &token, 64
		default:
			if len(rest) > 0 {
				rest = append(rest, '&')
			}
			rest = append(rest, part...)
			continue
		}
		if seen&bit != 0 {
			return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, dk, "given twice")
		}
		seen |= bit
		dv, err := sigcore.URIUnescape(v)
		if err != nil {
			return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, dk, err.Error())
		}
		*dst = dv
	}
	for _, req := range []struct{ name, v string }{
		{"X-Amz-Algorithm", alg}, {"X-Amz-Credential", cred}, {"X-Amz-Date", date},
		{"X-Amz-Expires", expires}, {"X-Amz-SignedHeaders", signedHdrs}, {"X-Amz-Signature", sig},
	} {
		if req.v == "" {
			return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, req.name, "missing")
		}
	}
	if alg != Algorithm {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Algorithm", "unsupported algorithm "+strconv.Quote(alg))
	}
	scope, ok := parseCredential(cred)
	if !ok {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Credential", "not AKID/date/region/service/aws4_request")
	}
	t, err := time.Parse(amzDateLayout, date)
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Date", "not 20060102T150405Z")
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || exp < 1 || exp > MaxExpires {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Expires", "must be 1…604800 seconds")
	}
	secret, ok := lookup(scope.accessKeyID)
	if !ok {
		return sigcore.Fail(schemeSigV4, sigerr.ErrUnknownKey, "X-Amz-Credential", "access key "+strconv.Quote(scope.accessKeyID))
	}
	if err := opts.verifyScope(scope, t); err != nil {
		return err
	}
	if !sigcore.HasListItem(signedHdrs, "host") {
		return sigcore.Fail(schemeSigV4, sigerr.ErrUnsignedHeader, "X-Amz-SignedHeaders", "host is not signed")
	}

	// The signature decides authenticity; time decides validity. Checking
	// the signature first means a forged URL is reported as forged, not as
	// merely expired.
	v.rest = rest
	s, err := v.signer(scope, secret, token, t, false, false)
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Credential", err.Error())
	}
	r := Request{Method: method, Host: host, Path: path, Query: string(rest), Headers: sigcore.PickSigned(headers, signedHdrs)}
	if !s.s3 {
		r.PayloadHash = payloadHash
	}
	signed, good, err := v.matches(s, &r, QueryForm, exp, sig)
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "url", err.Error())
	}
	if signed != signedHdrs {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-SignedHeaders", "signed headers missing from the request")
	}
	if !good {
		return sigcore.Fail(schemeSigV4, sigerr.ErrSignatureMismatch, "X-Amz-Signature", "")
	}
	if opts.Now.Before(t.Add(-opts.skew())) {
		return sigcore.Fail(schemeSigV4, sigerr.ErrNotYetValid, "X-Amz-Date", "signed at "+t.Format(time.RFC3339))
	}
	if end := t.Add(time.Duration(exp) * time.Second); opts.Now.After(end) {
		return sigcore.Fail(schemeSigV4, sigerr.ErrExpired, "X-Amz-Expires", "expired at "+end.Format(time.RFC3339))
	}
	return nil
}

// Request checks a request signed with a SigV4 Authorization header (rawURL
// read as PresignedURL reads it):
// nil when valid at Opts.Now, otherwise a *sigerr.VerifyError (sigerr.ErrMalformed,
// sigerr.ErrUnknownKey, sigerr.ErrWrongScope, sigerr.ErrClockSkew, sigerr.ErrUnsignedHeader,
// sigerr.ErrContentHashMismatch, sigerr.ErrSignatureMismatch). payloadHash, when not
// empty, is the hex SHA-256 of the body the verifier received; it must
// match the x-amz-content-sha256 header the request signed.
func (v *Verifier) Request(method, rawURL string, headers []Header, payloadHash string) error {
	opts, lookup := &v.Opts, v.Lookup
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(schemeSigV4, err)
	}
	host, path, query := u.Host, u.Path, u.RawQuery
	get := func(name string) (string, int) {
		v, n := "", 0
		for _, h := range headers {
			if strings.EqualFold(strings.TrimSpace(h.Name), name) {
				v, n = h.Value, n+1
			}
		}
		return strings.TrimSpace(v), n
	}
	auth, n := get("authorization")
	if n != 1 {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "Authorization", "want exactly one Authorization header")
	}
	alg, params, _ := strings.Cut(auth, " ")
	if alg != Algorithm {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "Authorization", "not "+Algorithm)
	}
	var cred, signedHdrs, sig string
	for _, p := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signedHdrs = v
		case "Signature":
			sig = v
		}
	}
	if cred == "" || signedHdrs == "" || sig == "" {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "Authorization", "needs Credential, SignedHeaders and Signature")
	}
	scope, ok := parseCredential(cred)
	if !ok {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "Authorization", "Credential is not AKID/date/region/service/aws4_request")
	}
	date, _ := get("x-amz-date")
	if date == "" {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Date", "missing")
	}
	t, err := time.Parse(amzDateLayout, date)
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "X-Amz-Date", "not 20060102T150405Z")
	}
	secret, ok := lookup(scope.accessKeyID)
	if !ok {
		return sigcore.Fail(schemeSigV4, sigerr.ErrUnknownKey, "Authorization", "access key "+strconv.Quote(scope.accessKeyID))
	}
	if err := opts.verifyScope(scope, t); err != nil {
		return err
	}
	for _, must := range []string{"host", "x-amz-date"} {
		if !sigcore.HasListItem(signedHdrs, must) {
			return sigcore.Fail(schemeSigV4, sigerr.ErrUnsignedHeader, must, "required header is not signed")
		}
	}
	// Every x-amz-* header present must be signed, as S3 requires, or a
	// proxy could add one unnoticed.
	for _, h := range headers {
		name := strings.ToLower(strings.TrimSpace(h.Name))
		if strings.HasPrefix(name, "x-amz-") && !sigcore.HasListItem(signedHdrs, name) && name != "x-amz-security-token" {
			return sigcore.Fail(schemeSigV4, sigerr.ErrUnsignedHeader, name, "x-amz-* headers must be signed")
		}
	}
	token, _ := get("x-amz-security-token")
	contentHash, _ := get("x-amz-content-sha256")
	isS3 := opts.Rules == RulesS3 || (opts.Rules == RulesAuto && scope.service == "s3")
	if isS3 && contentHash == "" {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "x-amz-content-sha256", "S3 requires it")
	}
	if payloadHash != "" && contentHash != "" && contentHash != UnsignedPayload && !strings.HasPrefix(contentHash, "STREAMING-") &&
		!sigcore.ConstantTimeEqualString(strings.ToLower(contentHash), strings.ToLower(payloadHash)) {
		return sigcore.Fail(schemeSigV4, sigerr.ErrContentHashMismatch, "x-amz-content-sha256", "body does not match the signed hash")
	}
	s, err := v.signer(scope, secret, token, t, token != "" && !sigcore.HasListItem(signedHdrs, "x-amz-security-token"), sigcore.HasListItem(signedHdrs, "x-amz-content-sha256"))
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "Authorization", err.Error())
	}
	r := Request{Method: method, Host: host, Path: path, Query: query, Headers: sigcore.PickSigned(headers, signedHdrs)}
	if contentHash == "" {
		r.PayloadHash = payloadHash
	}
	signed, good, err := v.matches(s, &r, HeaderForm, 0, sig)
	if err != nil {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "request", err.Error())
	}
	if signed != signedHdrs {
		return sigcore.Fail(schemeSigV4, sigerr.ErrMalformed, "SignedHeaders", "signed headers missing from the request")
	}
	if !good {
		return sigcore.Fail(schemeSigV4, sigerr.ErrSignatureMismatch, "Authorization", "")
	}
	if d := opts.Now.Sub(t); d > opts.skew() || d < -opts.skew() {
		return sigcore.Fail(schemeSigV4, sigerr.ErrClockSkew, "X-Amz-Date", "signed at "+t.Format(time.RFC3339)+", "+d.Round(time.Second).String()+" from now")
	}
	return nil
}
