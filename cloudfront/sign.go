package cloudfront

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// scheme names this package's errors.
const scheme = "cloudfront"

// The names of the query parameters and cookies a signature travels in.
const (
	ParamExpires   = "Expires"
	ParamPolicy    = "Policy"
	ParamSignature = "Signature"
	ParamKeyPairID = "Key-Pair-Id"

	CookiePolicy    = "CloudFront-Policy"
	CookieSignature = "CloudFront-Signature"
	CookieKeyPairID = "CloudFront-Key-Pair-Id"
)

// Signer signs CloudFront URLs and cookies with one key pair. It is safe
// for concurrent use and never prints its key: String, GoString, Format,
// MarshalJSON and LogValue show the key pair id only.
type Signer struct {
	keyPairID string
	key       *rsa.PrivateKey
}

// NewSigner returns a Signer for the key pair keyPairID (the public key's
// ID in CloudFront, e.g. K2JCJMDEHXQW5F) and its private key, which must be
// RSA of at least MinKeyBits. The Signer keeps the key: do not modify it.
func NewSigner(keyPairID string, key *rsa.PrivateKey) (*Signer, error) {
	if err := checkKeyPairID(keyPairID); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, sigcore.FieldErr("private_key", sigerr.ErrMissingField)
	}
	if err := checkBits(key.N.BitLen()); err != nil {
		return nil, sigcore.FieldErr("private_key", err)
	}
	key.Precompute()
	return &Signer{keyPairID: keyPairID, key: key}, nil
}

// KeyPairID returns the key pair id URLs are signed under.
func (s *Signer) KeyPairID() string { return s.keyPairID }

// PublicKey returns the public half of the Signer's key, for a Verifier.
func (s *Signer) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// SignedURL returns rawURL signed under p: rawURL as written, then '?' (or
// '&' when it has a query) and the signature parameters (see
// AppendSignature). Errors are *sigerr.FieldError values naming "url" or
// the policy's field ("expires", "resource", "not_before", "ip_address").
func (s *Signer) SignedURL(rawURL string, p *Policy) (string, error) {
	b, err := s.AppendSignedURL(make([]byte, 0, len(rawURL)+400), rawURL, p)
	return string(b), err
}

// AppendSignedURL appends the signed URL SignedURL returns to dst.
func (s *Signer) AppendSignedURL(dst []byte, rawURL string, p *Policy) ([]byte, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst = append(dst, rawURL...)
	if u.RawQuery != "" {
		dst = append(dst, '&')
	} else {
		dst = append(dst, '?')
	}
	out, err := s.appendSignature(dst, rawURL, p)
	if err != nil {
		return dst[:start], err
	}
	return out, nil
}

// AppendSignature appends the signature parameters of rawURL under p, with
// no leading separator: Expires=N&Signature=…&Key-Pair-Id=… for a canned
// policy, Policy=…&Signature=…&Key-Pair-Id=… for a custom one. For a
// custom policy with a Resource the parameters do not depend on rawURL
// (which is not checked against it): one call serves every URL the
// resource covers, which is how a batch signs a folder once.
func (s *Signer) AppendSignature(dst []byte, rawURL string, p *Policy) ([]byte, error) {
	if p.canned() || p.Resource == "" {
		if err := CheckURL(rawURL); err != nil {
			return dst, err
		}
	}
	return s.appendSignature(dst, rawURL, p)
}

// appendSignature is AppendSignature for a checked URL. The policy document
// is built in dst's spare room and replaced by the parameters.
func (s *Signer) appendSignature(dst []byte, rawURL string, p *Policy) ([]byte, error) {
	if err := p.check(); err != nil {
		return dst, err
	}
	resource := p.Resource
	if resource == "" {
		resource = rawURL
	}
	start := len(dst)
	dst = appendPolicyJSON(dst, resource, p)
	end := len(dst)
	digest := sha1.Sum(dst[start:end])
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA1, digest[:])
	if err != nil {
		return dst[:start], fmt.Errorf("cloudfront: RSA signature: %w", err)
	}
	if p.canned() {
		dst = append(dst[:start], ParamExpires+"="...)
		dst = strconv.AppendInt(dst, p.Expires.Unix(), 10)
	} else {
		dst = append(dst, ParamPolicy+"="...)
		dst = appendEncoded(dst, dst[start:end])
		n := copy(dst[start:], dst[end:])
		dst = dst[:start+n]
	}
	dst = append(dst, "&"+ParamSignature+"="...)
	dst = appendEncoded(dst, sig)
	dst = append(dst, "&"+ParamKeyPairID+"="...)
	return append(dst, s.keyPairID...), nil
}

// Cookies are the three signed cookies that grant what a custom policy
// covers to a browser: set each as a cookie on the distribution's domain
// (CloudFront-Policy, CloudFront-Signature, CloudFront-Key-Pair-Id).
type Cookies struct {
	Policy    string
	Signature string
	KeyPairID string
}

// SignedCookies returns the cookies for p, whose Resource must be set (a
// wildcard, usually: https://d111111abcdef8.cloudfront.net/exports/42/*).
// They always carry a custom policy.
func (s *Signer) SignedCookies(p *Policy) (Cookies, error) {
	if p.Resource == "" {
		return Cookies{}, sigcore.FieldErr("resource", sigcore.WithDetail(sigerr.ErrMissingField, "signed cookies need the resource they grant"))
	}
	if err := p.check(); err != nil {
		return Cookies{}, err
	}
	doc := appendPolicyJSON(nil, p.Resource, p)
	digest := sha1.Sum(doc)
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA1, digest[:])
	if err != nil {
		return Cookies{}, fmt.Errorf("cloudfront: RSA signature: %w", err)
	}
	return Cookies{Policy: string(appendEncoded(nil, doc)), Signature: string(appendEncoded(nil, sig)), KeyPairID: s.keyPairID}, nil
}

// CheckURL checks that rawURL can be signed as written: an absolute http or
// https URL under batchsign's shared URL rules (no raw spaces, quotes,
// fragment or user information), without an empty trailing query ('?' or
// '&' at the end) and without the parameters a signature adds. Errors are
// *sigerr.FieldError values naming the field "url".
func CheckURL(rawURL string) error {
	_, err := checkURL(rawURL)
	return err
}

// checkURL is CheckURL, returning the URL's parts.
func checkURL(rawURL string) (sigcore.URL, error) {
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return u, err
	}
	if u.ForceQuery || strings.HasSuffix(u.RawQuery, "&") {
		return u, urlErr("ends in an empty query part; remove the trailing '?' or '&'")
	}
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		name, _, _ := strings.Cut(part, "=")
		switch name {
		case ParamExpires, ParamPolicy, ParamSignature, ParamKeyPairID, "Hash-Algorithm":
			return u, urlErr("already has the query parameter " + name + ", which the signature adds")
		}
	}
	return u, nil
}

func urlErr(detail string) error {
	return sigcore.FieldErr(sigcore.FieldURL, sigcore.WithDetail(sigcore.ErrURL, detail))
}

// String names the key pair and hides the key.
func (s *Signer) String() string {
	return "cloudfront.Signer{KeyPairID: " + s.keyPairID + ", PrivateKey: " + sigcore.Redacted + "}"
}

// GoString is String, so %#v cannot print the key.
func (s *Signer) GoString() string { return s.String() }

// Format makes every verb print String.
func (s *Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// MarshalJSON writes the redacted form.
func (s *Signer) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// LogValue gives log/slog the redacted form.
func (s *Signer) LogValue() slog.Value { return slog.StringValue(s.String()) }
