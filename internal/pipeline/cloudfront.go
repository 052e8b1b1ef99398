package pipeline

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/cloudfront"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// Amazon CloudFront signed URLs and cookies (presign and verify --scheme
// cloudfront, package cloudfront). A presign row gives:
//
//   - url, the distribution URL signed exactly as written (its path
//     percent-encoded as the viewer sends it), or key, joined to
//     CloudFrontConfig.Domain as https://DOMAIN/KEY with every byte but
//     A-Z a-z 0-9 - . _ ~ / percent-encoded; with a Domain, a url on
//     another host is refused;
//   - expires, seconds from the signing instant (1 second to 100 years: no
//     7-day cap);
//   - ip_address (a CIDR), not_before (RFC 3339) and resource (a URL
//     pattern with '*' and '?'), any of which makes a custom policy;
//     without them the URL carries the canned policy.
//
// With CloudFrontConfig.PerPrefix, a row without resource is signed under
// a custom policy whose resource is its URL's folder (the path up to its
// last '/') followed by '*': one RSA signature per folder and expiry (and
// ip_address, not_before) in each worker, reused for every row of that
// folder. That policy grants every URL under the folder, sub-folders and
// any query included, to whoever holds one of its URLs. Rows at the
// distribution's root, and rows whose folder holds a '*', are signed alone.
//
// With CloudFrontConfig.Cookies, the output url is the URL unsigned and the
// cookies column holds CloudFront-Policy, CloudFront-Signature and
// CloudFront-Key-Pair-Id for the row's resource (or folder, or URL).
//
// verify --scheme cloudfront judges a row's url (a signed URL), or the url
// with a Cookie header carrying the CloudFront cookies; ip_address there is
// the viewer's address, checked against the policy's range when given.

// SchemeCloudFront is Amazon CloudFront signed URLs and signed cookies,
// RSA-SHA1 with a key group's key pair (cloudfront.go).
const SchemeCloudFront Scheme = "cloudfront"

// The CloudFront rows' own fields.
const (
	FieldIPAddress = "ip_address"
	FieldNotBefore = "not_before"
	FieldResource  = "resource"
)

// MaxCloudFrontExpires bounds a CloudFront URL's lifetime: CloudFront sets
// none; a hundred years catches a unit mistake (milliseconds for seconds).
const MaxCloudFrontExpires = 100 * 365 * 86400

// maxCloudFrontPolicies bounds a worker's cache of per-folder signatures.
const maxCloudFrontPolicies = 4096

// CloudFrontConfig is what the CloudFront scheme signs and verifies with.
type CloudFrontConfig struct {
	// Signer signs under presign (its key pair id and private key).
	Signer *cloudfront.Signer
	// Domain is the distribution's host (d111111abcdef8.cloudfront.net or
	// the customer's own name, with :port if not the default): key rows
	// are placed on it, url rows must be on it. Empty: url rows only, on
	// any host.
	Domain string
	// Cookies makes presign write signed cookies instead of signed URLs.
	Cookies bool
	// PerPrefix signs one policy per folder (see above).
	PerPrefix bool
	// Keys finds the public key of a key pair id in Verify mode.
	Keys cloudfront.KeyLookup
}

// cloudFrontModes declares presign and verify under SchemeCloudFront.
func cloudFrontModes() []modeDef {
	return []modeDef{
		{mode: Presign, scheme: SchemeCloudFront, validate: (*Config).validateCloudFront,
			about:   "Amazon CloudFront signed URLs (or --cookies), RSA-SHA1 with a key group's key pair; canned policy, or custom with ip_address, not_before, resource",
			newRow:  func(w *worker) rowFunc { return (&cloudFrontPresigner{w: w}).presign },
			fields:  []string{FieldID, FieldMethod, FieldURL, FieldKey, FieldExpires, FieldIPAddress, FieldNotBefore, FieldResource, FieldPayload},
			refuses: []string{FieldBucket, FieldRegion, FieldService, FieldHeaders, FieldQuery, FieldContentSHA256, FieldBodyFile, FieldBody},
			out:     cloudFrontPresignTable()},
		{mode: Verify, scheme: SchemeCloudFront, validate: (*Config).validateVerifyCloudFront, verdicts: true,
			about:   "CloudFront signed URLs (or url with a Cookie header of CloudFront cookies) only; ip_address is the viewer's address",
			newRow:  func(w *worker) rowFunc { return (&cloudFrontVerifier{w: w}).verify },
			fields:  []string{FieldID, FieldMethod, FieldURL, FieldHeaders, FieldIPAddress},
			refuses: []string{FieldBucket, FieldKey},
			out:     verifyTable()},
	}
}

// cloudFrontPresignTable is presign's output plus the signed cookies ({}
// unless the run signs cookies).
func cloudFrontPresignTable() table {
	t := presignTable()
	t.name = "CloudFrontPresignRecord"
	t.columns = append(t.columns, Column{Name: "cookies", Kind: HeadersColumn,
		CSV: []string{cloudfront.CookiePolicy, cloudfront.CookieSignature, cloudfront.CookieKeyPairID}})
	return t
}

// CloudFrontPresignRecord is the Parquet schema of presign output under
// SchemeCloudFront: PresignRecord's columns and the signed cookies, a map
// sorted by name (empty for signed URLs).
type CloudFrontPresignRecord struct {
	ID        string            `parquet:"id"`
	Method    string            `parquet:"method"`
	URL       string            `parquet:"url"`
	ExpiresAt string            `parquet:"expires_at"` // RFC 3339, UTC
	Cookies   map[string]string `parquet:"cookies"`
}

// validateCloudFront is modeDef.validate for presign: a signer, the clock,
// a domain that is a host. It never mentions the key.
func (c *Config) validateCloudFront() error {
	switch {
	case c.CloudFront.Signer == nil:
		return errors.New("no CloudFront key: give the key pair id and its private key")
	case c.Time.IsZero():
		return errSigningTime
	}
	return c.validateCloudFrontDomain()
}

func (c *Config) validateCloudFrontDomain() error {
	if d := c.CloudFront.Domain; d != "" {
		if err := sigcore.CheckHost(d); err != nil {
			return errors.New("CloudFront domain " + sigcore.QuoteForError(d) + ": want a host name such as d111111abcdef8.cloudfront.net")
		}
	}
	return nil
}

// validateVerifyCloudFront is modeDef.validate for verify.
func (c *Config) validateVerifyCloudFront() error {
	switch {
	case c.CloudFront.Keys == nil:
		return errors.New("no CloudFront public key: give the public key of the key pair")
	case c.Time.IsZero():
		return errSigningTime
	}
	return c.validateCloudFrontDomain()
}

// maxExpires is the longest run-wide presign lifetime the scheme takes.
func (c *Config) maxExpires() int64 {
	if c.Scheme == SchemeCloudFront {
		return MaxCloudFrontExpires
	}
	return sigv4.MaxExpires
}

// cloudFrontPolicyKey names one cached folder signature.
type cloudFrontPolicyKey struct {
	resource, sourceIP string
	expires, notBefore int64
}

// cloudFrontPresigner is a worker's CloudFront state: its scratch and its
// cache of folder signatures (the Signer itself is the run's, safe for
// concurrent use).
type cloudFrontPresigner struct {
	w        *worker
	fields   *fieldSet
	params   []byte
	policies map[cloudFrontPolicyKey]string
	cookies  map[cloudFrontPolicyKey]cloudfront.Cookies
	hdrs     [3]sigv4.Header
}

// presign signs r as a CloudFront URL (or cookies).
func (st *cloudFrontPresigner) presign(r *Row, b *Batch) error {
	w := st.w
	cf := &w.cfg.CloudFront
	if st.fields == nil {
		st.fields = newFieldSet()
	}
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return err
	}
	method, ok := canonicalMethod(r.Method)
	if !ok || (method != "GET" && method != "HEAD") {
		return fieldErr(FieldMethod, detail(ErrMethod, "CloudFront signed URLs are for GET and HEAD; got "+sigcore.QuoteForError(r.Method)))
	}
	if err := st.target(r); err != nil {
		return err
	}
	url := string(w.url)
	e := w.cfg.expires()
	if r.HasExpires {
		e = r.Expires
	}
	if e < 1 || e > MaxCloudFrontExpires {
		return fieldErr(FieldExpires, detail(sigerr.ErrInvalidValue, "want 1 second to 100 years (no 7-day cap), got "+strconv.FormatInt(e, 10)))
	}
	expiresAt := w.t.Add(time.Duration(e) * time.Second)
	p := cloudfront.Policy{Expires: expiresAt, Resource: st.fields.ownField(r, FieldResource), SourceIP: st.fields.ownField(r, FieldIPAddress)}
	if nb := st.fields.ownField(r, FieldNotBefore); nb != "" {
		t, err := time.Parse(time.RFC3339, nb)
		if err != nil {
			return fieldErr(FieldNotBefore, detail(sigerr.ErrInvalidValue, "want RFC 3339 (2026-12-01T00:00:00Z), got "+sigcore.QuoteForError(nb)))
		}
		p.NotBefore = t
	}
	if p.SourceIP != "" && !strings.Contains(p.SourceIP, "/") {
		return fieldErr(FieldIPAddress, detail(sigerr.ErrInvalidValue, "want a CIDR such as 192.0.2.0/24 (one address: 192.0.2.7/32), got "+sigcore.QuoteForError(p.SourceIP)))
	}
	if p.Resource == "" && cf.PerPrefix {
		p.Resource = folderPattern(url)
	}
	if p.Resource == "" && cf.Cookies {
		p.Resource = url
	}
	key := cloudFrontPolicyKey{resource: p.Resource, sourceIP: p.SourceIP, expires: expiresAt.Unix()}
	if !p.NotBefore.IsZero() {
		key.notBefore = p.NotBefore.Unix()
	}
	cookies := st.hdrs[:0]
	if cf.Cookies {
		c, err := st.signCookies(key, &p)
		if err != nil {
			return err
		}
		cookies = append(cookies, sigv4.Header{Name: cloudfront.CookiePolicy, Value: c.Policy},
			sigv4.Header{Name: cloudfront.CookieSignature, Value: c.Signature}, sigv4.Header{Name: cloudfront.CookieKeyPairID, Value: c.KeyPairID})
	} else {
		if err := cloudfront.CheckURL(url); err != nil {
			return err
		}
		if strings.IndexByte(url, '?') >= 0 {
			w.url = append(w.url, '&')
		} else {
			w.url = append(w.url, '?')
		}
		var err error
		if w.url, err = st.appendSignature(w.url, url, key, &p); err != nil {
			return err
		}
	}
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(method), bytesValue(w.url), timeValue(expiresAt), headersValue(cookies))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// appendSignature appends the signature parameters, from the folder cache
// for a policy with a resource under PerPrefix.
func (st *cloudFrontPresigner) appendSignature(dst []byte, url string, key cloudFrontPolicyKey, p *cloudfront.Policy) ([]byte, error) {
	signer := st.w.cfg.CloudFront.Signer
	if !st.w.cfg.CloudFront.PerPrefix || p.Resource == "" {
		return signer.AppendSignature(dst, url, p)
	}
	if s, ok := st.policies[key]; ok {
		return append(dst, s...), nil
	}
	var err error
	if st.params, err = signer.AppendSignature(st.params[:0], url, p); err != nil {
		return dst, err
	}
	if st.policies == nil || len(st.policies) >= maxCloudFrontPolicies {
		st.policies = make(map[cloudFrontPolicyKey]string)
	}
	key.resource, key.sourceIP = strings.Clone(key.resource), strings.Clone(key.sourceIP)
	st.policies[key] = string(st.params)
	return append(dst, st.params...), nil
}

// signCookies signs p's cookies, from the folder cache under PerPrefix.
func (st *cloudFrontPresigner) signCookies(key cloudFrontPolicyKey, p *cloudfront.Policy) (cloudfront.Cookies, error) {
	signer := st.w.cfg.CloudFront.Signer
	if !st.w.cfg.CloudFront.PerPrefix {
		return signer.SignedCookies(p)
	}
	if c, ok := st.cookies[key]; ok {
		return c, nil
	}
	c, err := signer.SignedCookies(p)
	if err != nil {
		return c, err
	}
	if st.cookies == nil || len(st.cookies) >= maxCloudFrontPolicies {
		st.cookies = make(map[cloudFrontPolicyKey]cloudfront.Cookies)
	}
	key.resource, key.sourceIP = strings.Clone(key.resource), strings.Clone(key.sourceIP)
	st.cookies[key] = c
	return c, nil
}

// folderPattern is the wildcard resource of url's folder: the URL up to the
// last '/' of its path, then '*'. "" (sign the URL alone) when the folder
// is the distribution's root, whose pattern would grant everything it
// serves, or holds a '*', which the pattern would read as a wildcard.
func folderPattern(url string) string {
	path, _, _ := strings.Cut(url, "?")
	i := strings.LastIndexByte(path, '/')
	root := strings.Index(path, "://") + 3
	if root < 3 || i < 0 || strings.IndexByte(path[root:], '/')+root >= i || strings.Contains(path[:i], "*") {
		return ""
	}
	return path[:i+1] + "*"
}

// target puts the row's URL, unsigned, in w.url: its url (on the
// distribution's host when the run names one) or its key on the domain.
func (st *cloudFrontPresigner) target(r *Row) error {
	w := st.w
	domain := w.cfg.CloudFront.Domain
	switch {
	case r.URL != "" && r.Key != "":
		return fieldErr(FieldURL, detail(ErrConflict, "give either url or key, not both"))
	case r.Bucket != "":
		return fieldErr(FieldBucket, detail(ErrConflict, "CloudFront URLs name no bucket: give url, or key with --cloudfront-domain"))
	case r.Region != "":
		return fieldErr(FieldRegion, detail(ErrConflict, "not used by CloudFront signed URLs"))
	case r.Service != "":
		return fieldErr(FieldService, detail(ErrConflict, "not used by CloudFront signed URLs"))
	case len(r.Headers) > 0:
		return fieldErr(FieldHeaders, detail(ErrConflict, "CloudFront signed URLs sign no headers"))
	case len(r.Query) > 0:
		return fieldErr(FieldQuery, detail(ErrConflict, "write the query in the url, as the viewer will send it"))
	case r.URL == "" && r.Key == "":
		return fieldErr(FieldURL, detail(sigerr.ErrMissingField, "give url, or key with --cloudfront-domain"))
	}
	if err := checkPresignPayload(r); err != nil {
		return err
	}
	if r.URL != "" {
		u, err := ParseURL(r.URL)
		if err != nil {
			return err
		}
		if domain != "" && !strings.EqualFold(u.Host, domain) {
			return fieldErr(FieldURL, detail(sigerr.ErrInvalidValue, "host "+sigcore.QuoteForError(u.Host)+" is not the distribution's ("+domain+", --cloudfront-domain)"))
		}
		w.url = append(w.url[:0], r.URL...)
		return nil
	}
	if domain == "" {
		return fieldErr(FieldKey, detail(sigerr.ErrMissingField, "a key row needs the distribution's domain (--cloudfront-domain)"))
	}
	if err := checkUTF8(FieldKey, r.Key); err != nil {
		return err
	}
	w.url = append(append(w.url[:0], "https://"...), domain...)
	w.url = append(w.url, '/')
	w.url = sigcore.AppendURIEscape(w.url, r.Key, true)
	return nil
}

// cloudFrontVerifier is a worker's Verify-mode CloudFront state.
type cloudFrontVerifier struct {
	w      *worker
	fields *fieldSet
	v      *cloudfront.Verifier
}

// verify judges r's signed URL, or its url with CloudFront cookies.
func (cv *cloudFrontVerifier) verify(r *Row, b *Batch) error {
	w := cv.w
	if cv.v == nil {
		cv.v = cloudfront.NewVerifier(w.cfg.CloudFront.Keys, cloudfront.VerifyOptions{Now: w.t})
		cv.fields = newFieldSet()
	}
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return err
	}
	if method, ok := canonicalMethod(r.Method); !ok || (method != "GET" && method != "HEAD") {
		return fieldErr(FieldMethod, detail(ErrMethod, "CloudFront signed URLs are for GET and HEAD; got "+sigcore.QuoteForError(r.Method)))
	}
	switch {
	case r.URL == "":
		return fieldErr(FieldURL, detail(sigerr.ErrMissingField, "verify needs the url to judge"))
	case r.Bucket != "" || r.Key != "":
		return fieldErr(FieldURL, detail(ErrConflict, "verify takes a url, not bucket and key"))
	}
	req := cloudfront.Request{URL: r.URL}
	if ip := cv.fields.ownField(r, FieldIPAddress); ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return fieldErr(FieldIPAddress, detail(sigerr.ErrInvalidValue, "in verify, the viewer's address (192.0.2.7), got "+sigcore.QuoteForError(ip)))
		}
		req.SourceIP = a
	}
	for _, h := range r.Headers {
		if !strings.EqualFold(strings.TrimSpace(h.Name), "cookie") {
			continue
		}
		for c := range strings.SplitSeq(h.Value, ";") {
			name, value, _ := strings.Cut(strings.TrimSpace(c), "=")
			switch name {
			case cloudfront.CookiePolicy:
				req.Cookies.Policy = value
			case cloudfront.CookieSignature:
				req.Cookies.Signature = value
			case cloudfront.CookieKeyPairID:
				req.Cookies.KeyPairID = value
			case "CloudFront-Expires":
				req.Expires = value
			}
		}
	}
	err := cv.v.Verify(&req)
	return w.appendVerdict(r, b, SchemeCloudFront, err)
}
