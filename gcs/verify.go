package gcs

import (
	"crypto"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// Scheme names in verification errors (sigerr.VerifyError.Scheme), the
// names of `batchsign --scheme`.
const (
	schemeGCS  = "gcs" // before the algorithm is known
	schemeRSA  = "gcs-rsa"
	schemeHMAC = "gcs-hmac"
)

// Keys find the keys a Verifier checks signatures with. Either may be nil,
// which makes every URL of that algorithm sigerr.ErrUnknownKey.
type Keys struct {
	// RSA returns the public key of the service account whose client
	// email signed a GOOG4-RSA-SHA256 URL (ServiceAccount.PublicKey, or
	// one of the certificates Google publishes for the account).
	RSA func(clientEmail string) (*rsa.PublicKey, bool)
	// HMAC returns the secret of the HMAC access ID that signed a
	// GOOG4-HMAC-SHA256 URL.
	HMAC SecretLookup
}

// VerifyOptions say what a Verifier expects and when "now" is.
type VerifyOptions struct {
	// Now is the instant expiry is judged against; the package reads no
	// clock.
	Now time.Time
	// Region, when set, is the only credential-scope location accepted;
	// a URL scoped to another is sigerr.ErrWrongScope. Empty accepts any
	// (Google's clients sign "auto").
	Region string
	// MaxSkew is how long before its X-Goog-Date a URL may be used (a
	// signer's clock ahead of ours); zero means sigcore.MaxClockSkew,
	// 15 minutes.
	MaxSkew time.Duration
}

// Verifier checks V4 signed URLs of both algorithms, reusing the derived
// key and scratch space of HMAC URLs that share key, scope and instant, as
// the URLs of one batch run do. It is not safe for concurrent use: give
// each worker its own. Change Opts.Now between calls as needed.
type Verifier struct {
	Keys Keys
	Opts VerifyOptions

	signers map[verifierKey]*Signer
	c       canon
	sig     []byte
}

type verifierKey struct {
	accessID, secret, region string
	unix                     int64
}

// maxCachedSigners bounds a Verifier's HMAC signer cache.
const maxCachedSigners = 256

// NewVerifier returns a Verifier for keys and opts.
func NewVerifier(keys Keys, opts VerifyOptions) *Verifier {
	return &Verifier{Keys: keys, Opts: opts, signers: map[verifierKey]*Signer{}}
}

// String describes the verifier without any secret.
func (v *Verifier) String() string { return "gcs.Verifier{" + sigcore.Redacted + "}" }

// GoString is String, so %#v cannot reach cached secrets.
func (v *Verifier) GoString() string { return v.String() }

// Format makes every verb print String.
func (v *Verifier) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(v.String())) }

// goog holds the X-Goog-* parameters of a signed URL, decoded.
type goog struct {
	alg, cred, date, expires, signed, sig string
}

// PresignedURL checks a V4 signed URL (either algorithm) for method: nil
// when it is valid at Opts.Now, otherwise a *sigerr.VerifyError whose Reason
// says why: sigerr.ErrMalformed (not a V4 URL, a parameter missing or
// twice, a signed header the request lacks), sigerr.ErrUnknownKey,
// sigerr.ErrWrongScope, sigerr.ErrUnsignedHeader (host not signed),
// sigerr.ErrSignatureMismatch, sigerr.ErrNotYetValid or sigerr.ErrExpired.
//
// headers are the request's headers other than Host; those the URL signed
// must be there with the signed values (a resumable-upload POST's
// x-goog-resumable, an x-goog-content-sha256, ...), the others are ignored.
// The X-Goog-* names are matched without regard to case, as Cloud Storage
// does (gsutil writes them in lower case). Path and query are decoded and
// encoded again, so a URL that spells ~ as %7E still verifies. An HMAC
// signature is compared in constant time; an RSA one is checked with the
// public key. Authenticity is decided before time: a forged URL is reported
// as forged, not as expired. The error never contains a secret.
func (v *Verifier) PresignedURL(method, rawURL string, headers []Header) error {
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(schemeGCS, err)
	}
	host, path, query := u.Host, u.Path, u.RawQuery
	if err := checkMethod(method); err != nil {
		return sigcore.Fail(schemeGCS, sigerr.ErrMalformed, "method", sigcore.QuoteForError(method)+" is not an upper-case method")
	}
	c := &v.c
	c.resetQuery()
	var g goog
	if err := g.parse(c, query); err != nil {
		return err
	}
	scheme := schemeGCS
	switch g.alg {
	case AlgorithmRSA:
		scheme = schemeRSA
	case AlgorithmHMAC:
		scheme = schemeHMAC
	default:
		return sigcore.Fail(schemeGCS, sigerr.ErrMalformed, "X-Goog-Algorithm", "unsupported algorithm "+sigcore.QuoteForError(g.alg))
	}
	id, day, region, svc, ok := parseCredential(g.cred)
	if !ok {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-Credential", "not ID/yyyymmdd/region/storage/goog4_request")
	}
	t, err := time.Parse(dateLayout, g.date)
	if err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-Date", "not 20060102T150405Z")
	}
	exp, err := strconv.ParseInt(g.expires, 10, 64)
	if err != nil || exp < 1 || exp > MaxExpires || g.expires[0] == '+' {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-Expires", "must be 1…604800 seconds")
	}

	var pub *rsa.PublicKey
	var secret string
	ok = false
	if scheme == schemeRSA {
		if v.Keys.RSA != nil {
			pub, ok = v.Keys.RSA(id)
		}
		ok = ok && pub != nil
	} else if v.Keys.HMAC != nil {
		secret, ok = v.Keys.HMAC(id)
	}
	if !ok {
		return sigcore.Fail(scheme, sigerr.ErrUnknownKey, "X-Goog-Credential", "key "+sigcore.QuoteForError(id))
	}
	switch {
	case day != t.Format("20060102"):
		return sigcore.Fail(scheme, sigerr.ErrWrongScope, "X-Goog-Credential", "scope date "+day+" is not the signing date "+t.Format("20060102"))
	case svc != service:
		return sigcore.Fail(scheme, sigerr.ErrWrongScope, "X-Goog-Credential", "service "+sigcore.QuoteForError(svc)+", want \"storage\"")
	case v.Opts.Region != "" && region != v.Opts.Region:
		return sigcore.Fail(scheme, sigerr.ErrWrongScope, "X-Goog-Credential", "region "+sigcore.QuoteForError(region)+", want "+strconv.Quote(v.Opts.Region))
	}
	if !sigcore.HasListItem(g.signed, "host") {
		return sigcore.Fail(scheme, sigerr.ErrUnsignedHeader, "X-Goog-SignedHeaders", "host is not signed")
	}

	// Headers: host from the URL, the others the list names, from the
	// request; the list must be exactly what they canonicalise to.
	c.resetHeaders(hostname(host))
	for list := g.signed; list != ""; {
		var name string
		name, list, _ = strings.Cut(list, ";")
		if name == "host" {
			continue
		}
		value, n := headerIn(headers, name)
		if n != 1 {
			what := "missing from the request"
			if n > 1 {
				what = "given more than once"
			}
			return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-SignedHeaders", "signed header "+sigcore.QuoteForError(name)+" "+what)
		}
		if err := c.addHeader(name, value); err != nil {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-SignedHeaders", err.Error())
		}
	}
	if err := c.sortHeaders(); err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-SignedHeaders", err.Error())
	}
	c.sts = c.appendSignedHeaders(c.sts[:0]) // scratch: the list as it must read
	if string(c.sts) != g.signed {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-SignedHeaders", "not sorted, lower-case, distinct names")
	}

	cr := append(c.cr[:0], method...)
	cr = append(cr, '\n')
	if cr, err = appendCanonicalPath(cr, path); err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "url", "path: "+err.Error())
	}
	cr = append(cr, '\n')
	cr = c.appendQuery(cr)
	cr = append(cr, '\n')
	cr = c.appendCanonicalHeaders(cr)
	cr = append(cr, '\n')
	cr = append(cr, g.signed...)
	cr = append(cr, '\n')
	cr = append(cr, c.payload()...)
	c.cr = cr

	sts := append(c.sts[:0], g.alg...)
	sts = append(append(sts, '\n'), g.date...)
	sts = append(append(sts, '\n'), g.cred[len(id)+1:]...)
	sts = append(sts, '\n')
	sum := sha256block.Sum256(cr)
	sts = hex.AppendEncode(sts, sum[:])
	c.sts = sts

	good := false
	if scheme == schemeRSA {
		sig, err := hex.AppendDecode(v.sig[:0], []byte(g.sig))
		v.sig = sig
		if err == nil {
			digest := sha256block.Sum256(sts)
			good = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
		}
	} else {
		s, err := v.hmacSigner(id, secret, region, t)
		if err != nil {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, "X-Goog-Credential", err.Error())
		}
		want, _ := s.appendSignature(v.sig[:0], sts)
		v.sig = want
		good = len(g.sig) == len(want) && sigcore.ConstantTimeEqualString(strings.ToLower(g.sig), string(want))
	}
	if !good {
		return sigcore.Fail(scheme, sigerr.ErrSignatureMismatch, "X-Goog-Signature", "")
	}
	if v.Opts.Now.Before(t.Add(-v.skew())) {
		return sigcore.Fail(scheme, sigerr.ErrNotYetValid, "X-Goog-Date", "signed at "+t.Format(time.RFC3339))
	}
	if end := t.Add(time.Duration(exp) * time.Second); v.Opts.Now.After(end) {
		return sigcore.Fail(scheme, sigerr.ErrExpired, "X-Goog-Expires", "expired at "+end.Format(time.RFC3339))
	}
	return nil
}

func (v *Verifier) skew() time.Duration { return sigcore.ClockSkew(v.Opts.MaxSkew) }

// hmacSigner returns the cached Signer for an HMAC key, region and instant.
func (v *Verifier) hmacSigner(id, secret, region string, t time.Time) (*Signer, error) {
	k := verifierKey{id, secret, region, t.Unix()}
	if s := v.signers[k]; s != nil {
		return s, nil
	}
	s, err := NewHMACSigner(NewHMACKey(id, secret), t, Options{Region: region})
	if err != nil {
		return nil, err
	}
	if v.signers == nil || len(v.signers) >= maxCachedSigners {
		v.signers = map[verifierKey]*Signer{}
	}
	v.signers[k] = s
	return s, nil
}

// parse reads the query: the X-Goog-* parameters into g (names in any
// case, each at most once), every pair but X-Goog-Signature into c's
// canonical query, decoded and encoded again.
func (g *goog) parse(c *canon, query string) error {
	for query != "" {
		var part string
		part, query, _ = strings.Cut(query, "&")
		if part == "" {
			continue
		}
		rk, rv, _ := strings.Cut(part, "=")
		k, err := sigcore.URIUnescape(rk)
		if err != nil {
			return sigcore.Fail(schemeGCS, sigerr.ErrMalformed, "query", err.Error())
		}
		val, err := sigcore.URIUnescape(rv)
		if err != nil {
			return sigcore.Fail(schemeGCS, sigerr.ErrMalformed, "query", k+": "+err.Error())
		}
		var dst *string
		if len(k) > len("x-goog-") && sigcore.EqualFoldASCII(k[:len("x-goog-")], "x-goog-") {
			switch rest := k[len("x-goog-"):]; {
			case sigcore.EqualFoldASCII(rest, "algorithm"):
				dst = &g.alg
			case sigcore.EqualFoldASCII(rest, "credential"):
				dst = &g.cred
			case sigcore.EqualFoldASCII(rest, "date"):
				dst = &g.date
			case sigcore.EqualFoldASCII(rest, "expires"):
				dst = &g.expires
			case sigcore.EqualFoldASCII(rest, "signedheaders"):
				dst = &g.signed
			case sigcore.EqualFoldASCII(rest, "signature"):
				dst = &g.sig
			}
		}
		if dst != nil {
			if *dst != "" {
				return sigcore.Fail(schemeGCS, sigerr.ErrMalformed, k, "given twice")
			}
			if val == "" {
				return sigcore.Fail(schemeGCS, sigerr.ErrMalformed, k, "empty")
			}
			*dst = val
			if dst == &g.sig {
				continue
			}
		}
		c.addPair(k, val)
	}
	for _, p := range [...]struct{ name, v string }{
		{"X-Goog-Algorithm", g.alg}, {"X-Goog-Credential", g.cred}, {"X-Goog-Date", g.date},
		{"X-Goog-Expires", g.expires}, {"X-Goog-SignedHeaders", g.signed}, {"X-Goog-Signature", g.sig},
	} {
		if p.v == "" {
			return sigcore.Fail(schemeGCS, sigerr.ErrMalformed, p.name, "missing")
		}
	}
	return nil
}

// parseCredential splits X-Goog-Credential into the signer's identity and
// its scope. The identity (an email or an access ID) has no '/'.
func parseCredential(cred string) (id, day, region, svc string, ok bool) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" || parts[4] != terminator {
		return "", "", "", "", false
	}
	return parts[0], parts[1], parts[2], parts[3], true
}

// appendCanonicalPath decodes a wire path and encodes it again as signing
// does (the path a server decodes is what was signed).
func appendCanonicalPath(dst []byte, path string) ([]byte, error) {
	if strings.IndexByte(path, '%') < 0 {
		return sigcore.AppendURIEscape(dst, path, true), nil
	}
	raw, err := sigcore.URIUnescape(path)
	if err != nil {
		return dst, err
	}
	return sigcore.AppendURIEscape(dst, raw, true), nil
}

// headerIn returns the value of the header name (lower case) in hs and how
// many times it occurs.
func headerIn(hs []Header, name string) (value string, n int) {
	for _, h := range hs {
		if sigcore.EqualFoldASCII(strings.TrimSpace(h.Name), name) {
			value, n = h.Value, n+1
		}
	}
	return value, n
}
