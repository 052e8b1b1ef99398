package sigv4a

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

const schemeSigV4a = "sigv4a"

// amzDateLayout is X-Amz-Date's format.
const amzDateLayout = "20060102T150405Z"

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

func (o *VerifyOptions) skew() time.Duration {
	if o.MaxSkew > 0 {
		return o.MaxSkew
	}
	return sigcore.MaxClockSkew
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
type credentialScope struct {
	accessKeyID, date, service string
}

func parseCredential(v string) (credentialScope, bool) {
	parts := strings.Split(v, "/")
	if len(parts) != 4 || parts[3] != "aws4_request" || parts[0] == "" || len(parts[1]) != 8 || parts[2] == "" {
		return credentialScope{}, false
	}
	return credentialScope{parts[0], parts[1], parts[2]}, true
}

// checkScope checks the credential scope and the region set against the
// options and the signing instant.
func (o *VerifyOptions) checkScope(c credentialScope, regionSet string, signed time.Time, field string) error {
	if c.date != signed.Format("20060102") {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrWrongScope, field, "scope date "+c.date+" is not the signing date "+signed.Format("20060102"))
	}
	if o.Service != "" && c.service != o.Service {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrWrongScope, field, "service "+strconv.Quote(c.service)+", expected "+strconv.Quote(o.Service))
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
	k := verifierKey{c.accessKeyID, token, c.service, regionSet, t.Unix(), afterSigning, content,
		v.Opts.Rules, v.Opts.DisablePathNormalization, v.Opts.TokenAfterSigning}
	s := v.signers[k]
	if s == nil {
		s, err = newVariant(Credentials{AccessKeyID: c.accessKeyID, SessionToken: token}, t, Options{
			RegionSet: regionSet, Service: c.service, Rules: v.Opts.Rules,
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
	host, path, query := u.Host, u.Path, u.RawQuery
	var (
		alg, cred, date, expires, signedHdrs, sig, token, regionSet string
		seen                                                        uint8
	)
	rest := v.rest[:0]
	for part := range strings.SplitSeq(query, "&") {
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		dk, err := sigcore.URIUnescape(k)
		if err != nil {
			return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "query", err.Error())
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
		case "X-Amz-Region-Set":
			dst, bit = &regionSet, 128
		default:
			if len(rest) > 0 {
				rest = append(rest, '&')
			}
			rest = append(rest, part...)
			continue
		}
		if seen&bit != 0 {
			return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, dk, "given twice")
		}
		seen |= bit
		dv, err := sigcore.URIUnescape(val)
		if err != nil {
			return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, dk, err.Error())
		}
		*dst = dv
	}
	v.rest = rest
	for _, req := range []struct{ name, v string }{
		{"X-Amz-Algorithm", alg}, {"X-Amz-Credential", cred}, {"X-Amz-Date", date}, {"X-Amz-Expires", expires},
		{"X-Amz-SignedHeaders", signedHdrs}, {"X-Amz-Region-Set", regionSet}, {"X-Amz-Signature", sig},
	} {
		if req.v == "" {
			return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, req.name, "missing")
		}
	}
	if alg != Algorithm {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Algorithm", "unsupported algorithm "+sigcore.QuoteForError(alg))
	}
	scope, ok := parseCredential(cred)
	if !ok {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Credential", "not AKID/date/service/aws4_request")
	}
	t, err := time.Parse(amzDateLayout, date)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Date", "not 20060102T150405Z")
	}
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || exp < 1 || exp > MaxExpires {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Expires", "must be 1…604800 seconds")
	}
	if err := checkRegionSet(regionSet); err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Region-Set", err.Error())
	}
	secret, ok := v.Lookup(scope.accessKeyID)
	if !ok {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrUnknownKey, "X-Amz-Credential", "access key "+sigcore.QuoteForError(scope.accessKeyID))
	}
	if err := v.Opts.checkScope(scope, regionSet, t, "X-Amz-Credential"); err != nil {
		return err
	}
	if !sigcore.HasListItem(signedHdrs, "host") {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrUnsignedHeader, "X-Amz-SignedHeaders", "host is not signed")
	}
	pub, err := v.publicKey(scope.accessKeyID, secret)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrUnknownKey, "X-Amz-Credential", err.Error())
	}
	r := Request{Method: method, Host: host, Path: path, Query: string(rest), Headers: sigcore.PickSigned(headers, signedHdrs), PayloadHash: payloadHash}
	if v.isS3(scope.service) {
		r.PayloadHash = "" // S3 presigns sign UNSIGNED-PAYLOAD
	}
	sts, signed, err := v.canonical(scope, token, regionSet, t, false, false, &r, QueryForm, exp)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "url", err.Error())
	}
	if signed != signedHdrs {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-SignedHeaders", "signed headers missing from the request")
	}
	if !v.signatureOK(pub, sts, sig) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrSignatureMismatch, "X-Amz-Signature", "")
	}
	if v.Opts.Now.Before(t.Add(-v.Opts.skew())) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrNotYetValid, "X-Amz-Date", "signed at "+t.Format(time.RFC3339))
	}
	if end := t.Add(time.Duration(exp) * time.Second); v.Opts.Now.After(end) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrExpired, "X-Amz-Expires", "expired at "+end.Format(time.RFC3339))
	}
	return nil
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
	host, path, query := u.Host, u.Path, u.RawQuery
	get := func(name string) (string, int) {
		val, n := "", 0
		for _, h := range headers {
			if strings.EqualFold(strings.TrimSpace(h.Name), name) {
				val, n = h.Value, n+1
			}
		}
		return strings.TrimSpace(val), n
	}
	auth, n := get("authorization")
	if n != 1 {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "Authorization", "want exactly one Authorization header")
	}
	alg, params, _ := strings.Cut(auth, " ")
	if alg != Algorithm {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "Authorization", "not "+Algorithm)
	}
	var cred, signedHdrs, sig string
	for p := range strings.SplitSeq(params, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signedHdrs = val
		case "Signature":
			sig = val
		}
	}
	if cred == "" || signedHdrs == "" || sig == "" {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "Authorization", "needs Credential, SignedHeaders and Signature")
	}
	scope, ok := parseCredential(cred)
	if !ok {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "Authorization", "Credential is not AKID/date/service/aws4_request")
	}
	date, n := get("x-amz-date")
	if date == "" || n != 1 {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Date", "want exactly one")
	}
	t, err := time.Parse(amzDateLayout, date)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Date", "not 20060102T150405Z")
	}
	regionSet, n := get("x-amz-region-set")
	if regionSet == "" || n != 1 {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Region-Set", "want exactly one")
	}
	if err := checkRegionSet(regionSet); err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "X-Amz-Region-Set", err.Error())
	}
	secret, ok := v.Lookup(scope.accessKeyID)
	if !ok {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrUnknownKey, "Authorization", "access key "+sigcore.QuoteForError(scope.accessKeyID))
	}
	if err := v.Opts.checkScope(scope, regionSet, t, "Authorization"); err != nil {
		return err
	}
	for _, must := range []string{"host", "x-amz-date", "x-amz-region-set"} {
		if !sigcore.HasListItem(signedHdrs, must) {
			return sigcore.Fail(schemeSigV4a, sigerr.ErrUnsignedHeader, must, "required header is not signed")
		}
	}
	// Every x-amz-* header present must be signed, as S3 requires, or a
	// proxy could add one unnoticed.
	for _, h := range headers {
		name := strings.ToLower(strings.TrimSpace(h.Name))
		if strings.HasPrefix(name, "x-amz-") && name != "x-amz-security-token" && !sigcore.HasListItem(signedHdrs, name) {
			return sigcore.Fail(schemeSigV4a, sigerr.ErrUnsignedHeader, name, "x-amz-* headers must be signed")
		}
	}
	token, _ := get("x-amz-security-token")
	contentHash, _ := get("x-amz-content-sha256")
	if v.isS3(scope.service) && contentHash == "" {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "x-amz-content-sha256", "S3 requires it")
	}
	if payloadHash != "" && contentHash != "" && contentHash != sigv4.UnsignedPayload && !strings.HasPrefix(contentHash, "STREAMING-") &&
		!sigcore.ConstantTimeEqualString(strings.ToLower(contentHash), strings.ToLower(payloadHash)) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrContentHashMismatch, "x-amz-content-sha256", "body does not match the signed hash")
	}
	pub, err := v.publicKey(scope.accessKeyID, secret)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrUnknownKey, "Authorization", err.Error())
	}
	r := Request{Method: method, Host: host, Path: path, Query: query, Headers: sigcore.PickSigned(headers, signedHdrs)}
	if contentHash == "" {
		r.PayloadHash = payloadHash
	}
	afterSigning := token != "" && !sigcore.HasListItem(signedHdrs, "x-amz-security-token")
	sts, signed, err := v.canonical(scope, token, regionSet, t, afterSigning, sigcore.HasListItem(signedHdrs, "x-amz-content-sha256"), &r, HeaderForm, 0)
	if err != nil {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "request", err.Error())
	}
	if signed != signedHdrs {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrMalformed, "SignedHeaders", "signed headers missing from the request")
	}
	if !v.signatureOK(pub, sts, sig) {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrSignatureMismatch, "Authorization", "")
	}
	if d := v.Opts.Now.Sub(t); d > v.Opts.skew() || d < -v.Opts.skew() {
		return sigcore.Fail(schemeSigV4a, sigerr.ErrClockSkew, "X-Amz-Date", "signed at "+t.Format(time.RFC3339)+", "+d.Round(time.Second).String()+" from now")
	}
	return nil
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
