package cloudfront

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// KeyLookup finds the public key of a key pair id; ok is false for an id
// the distribution's key groups do not hold.
type KeyLookup func(keyPairID string) (key *rsa.PublicKey, ok bool)

// VerifyOptions are a Verifier's settings.
type VerifyOptions struct {
	// Now is the instant requests are judged at (the package reads no
	// clock).
	Now time.Time
}

// Request is what a viewer sends, as a Verifier judges it.
type Request struct {
	// URL is the URL requested, signature parameters included for a
	// signed URL.
	URL string
	// Cookies are the CloudFront cookies the viewer sends, for a request
	// authorised by signed cookies; zero for a signed URL.
	Cookies Cookies
	// Expires is a canned cookie's CloudFront-Expires (Unix seconds, as
	// written); "" when none.
	Expires string
	// SourceIP is the viewer's address. When valid, a policy's IpAddress
	// range must hold it (ErrWrongScope); when zero, that condition is not
	// judged.
	SourceIP netip.Addr
}

// Verifier judges CloudFront signed URLs and cookies as CloudFront does. It
// is safe for concurrent use.
type Verifier struct {
	keys KeyLookup
	now  time.Time
}

// NewVerifier returns a Verifier that finds keys with keys.
func NewVerifier(keys KeyLookup, opts VerifyOptions) *Verifier {
	return &Verifier{keys: keys, now: opts.Now}
}

// SignedURL judges a signed URL requested from any address; see Verify.
func (v *Verifier) SignedURL(rawURL string) error {
	return v.Verify(&Request{URL: rawURL})
}

// Verify judges r: nil when CloudFront would serve it, else a
// *sigerr.VerifyError whose reason says why (see the package doc).
func (v *Verifier) Verify(r *Request) error {
	u, err := sigcore.SplitURL(r.URL)
	if err != nil {
		return sigcore.FailURL(scheme, err)
	}
	// The URL without the signature parameters: the resource requested.
	var expires, policy, signature, keyID string
	var seen [4]bool
	base := r.URL[:len(r.URL)-len(u.RawQuery)]
	base = strings.TrimSuffix(base, "?")
	rest := make([]byte, 0, len(r.URL))
	rest = append(rest, base...)
	sep := byte('?')
	if u.RawQuery != "" {
		for part := range strings.SplitSeq(u.RawQuery, "&") {
			name, value, _ := strings.Cut(part, "=")
			var slot int
			var dst *string
			switch name {
			case ParamExpires:
				slot, dst = 0, &expires
			case ParamPolicy:
				slot, dst = 1, &policy
			case ParamSignature:
				slot, dst = 2, &signature
			case ParamKeyPairID:
				slot, dst = 3, &keyID
			default:
				rest = append(append(rest, sep), part...)
				sep = '&'
				continue
			}
			if seen[slot] {
				return sigcore.Fail(scheme, sigerr.ErrMalformed, name, "given twice")
			}
			seen[slot], *dst = true, value
		}
	}
	resource := string(rest)
	if r.Cookies != (Cookies{}) || r.Expires != "" {
		if seen[0] || seen[1] || seen[2] || seen[3] {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, "", "both signed URL parameters and signed cookies")
		}
		policy, signature, keyID, expires = r.Cookies.Policy, r.Cookies.Signature, r.Cookies.KeyPairID, r.Expires
		seen = [4]bool{expires != "", policy != "", signature != "", keyID != ""}
	}
	switch {
	case !seen[2]:
		return sigcore.Fail(scheme, sigerr.ErrMalformed, ParamSignature, "missing")
	case !seen[3] || keyID == "":
		return sigcore.Fail(scheme, sigerr.ErrMalformed, ParamKeyPairID, "missing")
	case seen[0] == seen[1]:
		return sigcore.Fail(scheme, sigerr.ErrMalformed, ParamPolicy, "want either Expires (canned policy) or Policy (custom policy)")
	}
	pub, ok := v.keys(keyID)
	if !ok || pub == nil {
		return sigcore.Fail(scheme, sigerr.ErrUnknownKey, ParamKeyPairID, sigcore.QuoteForError(keyID))
	}
	sig, err := decodeEncoded(signature)
	if err != nil {
		return sigcore.Fail(scheme, sigerr.ErrSignatureMismatch, ParamSignature, "not CloudFront base64")
	}
	var st statement
	var doc []byte
	if seen[0] {
		n, err := strconv.ParseInt(expires, 10, 64)
		if err != nil || n < 0 {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, ParamExpires, "want Unix seconds")
		}
		st = statement{resource: resource, expires: n}
		doc = appendPolicyJSON(nil, resource, &Policy{Expires: time.Unix(n, 0)})
	} else {
		if doc, err = decodeEncoded(policy); err != nil {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, ParamPolicy, "not CloudFront base64")
		}
	}
	digest := sha1.Sum(doc)
	if rsa.VerifyPKCS1v15(pub, crypto.SHA1, digest[:], sig) != nil {
		return sigcore.Fail(scheme, sigerr.ErrSignatureMismatch, ParamSignature, "")
	}
	if seen[1] {
		if st, err = parsePolicy(doc); err != nil {
			return err
		}
		if !matchResource(st.resource, resource) {
			return sigcore.Fail(scheme, sigerr.ErrWrongScope, "Resource", "the URL is outside the policy's resource "+sigcore.QuoteForError(st.resource))
		}
	}
	now := v.now.Unix()
	switch {
	case now >= st.expires:
		return sigcore.Fail(scheme, sigerr.ErrExpired, "DateLessThan", "expired at "+time.Unix(st.expires, 0).UTC().Format(time.RFC3339))
	case st.notBefore != 0 && now <= st.notBefore:
		return sigcore.Fail(scheme, sigerr.ErrNotYetValid, "DateGreaterThan", "valid after "+time.Unix(st.notBefore, 0).UTC().Format(time.RFC3339))
	}
	if st.sourceIP != "" {
		pfx, err := parseCIDR(st.sourceIP)
		if err != nil {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, "AWS:SourceIp", "not a CIDR")
		}
		if r.SourceIP.IsValid() && !pfx.Contains(r.SourceIP.Unmap()) {
			return sigcore.Fail(scheme, sigerr.ErrWrongScope, "AWS:SourceIp", r.SourceIP.String()+" is outside "+pfx.String())
		}
	}
	return nil
}
