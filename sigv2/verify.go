package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"

	"github.com/batchsign/batchsign/sigerr"
)

// VerifyOptions tells VerifyPresigned what it cannot read from the
// URL.
type VerifyOptions struct {
	Method     string     // the method the URL is used with; GET when empty
	Headers    []Param    // headers sent with the URL, if any (Content-Type, x-amz-*)
	Addressing Addressing // how to find the bucket from the URL's host
}

// VerifyPresigned checks a SigV2 presigned URL as S3 would at instant
// now: nil when it is authentic and not expired, otherwise a *sigerr.VerifyError
// whose reason is sigerr.ErrMalformed (missing, repeated or bad AWSAccessKeyId,
// Expires, Signature; bad escapes), sigerr.ErrUnknownKey (lookup does not know the
// access key id), sigerr.ErrSignatureMismatch, or sigerr.ErrExpired (now is after Expires).
// The signature is checked before the expiry, so sigerr.ErrExpired means "authentic
// but expired". The comparison is constant-time. Error text never contains the
// secret or the expected signature.
//
// Only what SigV2 signs is protected: method, path, sub-resources, Expires,
// Content-MD5, Content-Type and x-amz-* values. Other query parameters can be
// changed without invalidating the URL; that is the scheme, not this code.
//
// rawURL is read as a client would send it, by the rules every batchsign
// scheme shares: http or https; a host that is a DNS name (labels of 1–63
// bytes, 253 in all), an IPv4 address or a bracketed IPv6 literal, with an
// optional port 1–65535; a path and query of the bytes an HTTP/1.1 request
// target carries (a space, a control byte, a raw non-ASCII byte or
// '"<>\^`{|}[]' must be percent-encoded); no user information and no
// fragment. Anything else is sigerr.ErrMalformed, field "url", quoting no
// part of the URL; Presign signs no host that fails these rules.
//
// It builds a Verifier for the one call; to verify many URLs, keep a
// Verifier per worker.
func VerifyPresigned(rawURL string, lookup SecretLookup, now time.Time, opts *VerifyOptions) error {
	return NewVerifier(lookup).Verify(rawURL, now, opts)
}

// Verifier verifies many SigV2 presigned URLs (batchsign verify): it
// reuses its buffers and keeps the HMAC state of the last key it used, so a
// run of URLs under one access key costs no key setup and few allocations.
// It asks lookup on every call (so a rotated secret is seen at once) and
// reuses the key state only while lookup returns the same secret. It is not
// safe for concurrent use: one per worker. It never prints the secret.
type Verifier struct {
	lookup     SecretLookup
	lastID     string
	lastSecret *sigcore.Secret
	mac        hash.Hash
	canon      sigV2Canon
	params     []Param
	split      []Param // the query, sorted into: rest | fromQuery
	arena      []byte
	spans      []sigV2Span
	sts        []byte
	sum        [sha1.Size]byte
}

// NewVerifier returns a verifier that finds secrets with lookup.
func NewVerifier(lookup SecretLookup) *Verifier {
	return &Verifier{lookup: lookup, sts: make([]byte, 0, 256)}
}

// String redacts the cached secret.
func (v Verifier) String() string { return "sigv2.Verifier(secrets redacted)" }

// GoString redacts the cached secret.
func (v Verifier) GoString() string { return v.String() }

// Format redacts the cached secret for every verb.
func (v Verifier) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v.String())) }

// Verify checks one presigned URL; see VerifyPresigned.
func (v *Verifier) Verify(rawURL string, now time.Time, opts *VerifyOptions) error {
	const scheme = "sigv2"
	var o VerifyOptions
	if opts != nil {
		o = *opts
	}
	if o.Method == "" {
		o.Method = "GET"
	}
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(scheme, err)
	}
	host, path, rawQuery := u.Host, u.Path, u.RawQuery
	if path == "" {
		path = "/"
	}
	q, arena, spans, err := parseSigV2Query(v.params[:0], rawQuery, v.arena, v.spans)
	v.params, v.arena, v.spans = q, arena, spans
	if err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "query", err.Error())
	}
	var akid, expires, sig string
	var seen [3]bool
	// Partition into the signed-resource candidates (rest) and the
	// header stand-ins (fromQuery: x-amz-*, content-md5, content-type).
	split := v.split[:0]
	for _, p := range q {
		var slot *string
		var n int
		switch p.Name {
		case "AWSAccessKeyId":
			slot, n = &akid, 0
		case "Expires":
			slot, n = &expires, 1
		case "Signature":
			slot, n = &sig, 2
		default:
			if !(sigcore.HasPrefixFoldASCII(p.Name, "x-amz-") || sigcore.EqualFoldASCII(p.Name, "content-md5") || sigcore.EqualFoldASCII(p.Name, "content-type")) {
				split = append(split, p)
			}
			continue
		}
		if seen[n] {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, p.Name, "given more than once")
		}
		seen[n] = true
		*slot = p.Value
	}
	nRest := len(split)
	for _, p := range q {
		if !isSigV2AuthParam(p.Name) && (sigcore.HasPrefixFoldASCII(p.Name, "x-amz-") || sigcore.EqualFoldASCII(p.Name, "content-md5") || sigcore.EqualFoldASCII(p.Name, "content-type")) {
			split = append(split, p)
		}
	}
	v.split = split
	rest, fromQuery := split[:nRest], split[nRest:]
	for n, name := range [3]string{"AWSAccessKeyId", "Expires", "Signature"} {
		if !seen[n] {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, name, "missing")
		}
	}
	exp, ok := sigV2ParseExpires(expires)
	if !ok {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "Expires", "not a Unix time in seconds: "+sigcore.QuoteForError(expires))
	}
	secret, ok := v.lookup(akid)
	if !ok || secret == "" {
		return sigcore.Fail(scheme, sigerr.ErrUnknownKey, "AWSAccessKeyId", sigcore.QuoteForError(akid))
	}
	sts := appendSigV2Head(v.sts[:0], o.Method, o.Headers, fromQuery)
	sts = append(sts, expires...)
	sts = append(sts, '\n')
	sts, err = v.canon.appendAmzHeaders(sts, o.Headers, fromQuery)
	if err == nil {
		sts, err = v.canon.appendResourceFromURI(sts, host, path, rest, o.Addressing)
	}
	v.sts = sts
	if err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "request", strings.TrimPrefix(err.Error(), ErrRequest.Error()+": "))
	}
	if v.mac == nil || v.lastID != akid || !sigcore.ConstantTimeEqual(v.lastSecret.Bytes(), []byte(secret)) {
		v.mac = hmac.New(sha1.New, []byte(secret))
		v.lastID, v.lastSecret = akid, sigcore.NewSecret([]byte(secret))
	}
	v.mac.Reset()
	v.mac.Write(sts)
	var want [28]byte
	if !sigcore.ConstantTimeEqual(base64.StdEncoding.AppendEncode(want[:0], v.mac.Sum(v.sum[:0])), []byte(sig)) {
		return sigcore.Fail(scheme, sigerr.ErrSignatureMismatch, "Signature", "")
	}
	if now.Unix() > exp {
		return sigcore.Fail(scheme, sigerr.ErrExpired, "Expires", "expired at "+time.Unix(exp, 0).UTC().Format(time.RFC3339)+", now is "+now.UTC().Format(time.RFC3339))
	}
	return nil
}

// sigV2ParseExpires parses a non-negative decimal Unix time that fits an
// int64, with no sign, spaces or other characters (S3 takes nothing else).
func sigV2ParseExpires(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
