package gcs

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// V4 signing constants as they appear on the wire.
const (
	// AlgorithmRSA is X-Goog-Algorithm for URLs signed with a service
	// account's RSA key (RSASSA-PKCS1-v1_5 over SHA-256).
	AlgorithmRSA = "GOOG4-RSA-SHA256"
	// AlgorithmHMAC is X-Goog-Algorithm for URLs signed with an HMAC key.
	AlgorithmHMAC = "GOOG4-HMAC-SHA256"
	// UnsignedPayload is the canonical request's payload line unless a
	// signed x-goog-content-sha256 header gives the body's hash.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// MaxExpires is the longest X-Goog-Expires Cloud Storage accepts:
	// seven days, in seconds.
	MaxExpires = 604800
	// DefaultHost is the endpoint path-style and virtual-hosted URLs use
	// when Presign.Host is empty.
	DefaultHost = "storage.googleapis.com"
	// DefaultRegion is the credential scope's location when
	// Options.Region is empty; Google's clients always sign "auto".
	DefaultRegion = "auto"

	service    = "storage"
	terminator = "goog4_request"
	dateLayout = "20060102T150405Z"
)

// Errors a Signer returns (wrapped in a *sigerr.FieldError naming the
// field), besides the shared ones of package sigerr.
var (
	// ErrExpiresRange: X-Goog-Expires is outside 1…604800 seconds (the
	// seven-day cap of V4 signing).
	ErrExpiresRange = errors.New("expires must be between 1 and 604800 seconds")
	// ErrReservedParam: a caller's query parameter or form field collides
	// with one the signer sets (X-Goog-Signature, x-goog-date, policy, ...).
	ErrReservedParam = errors.New("name is reserved for the signature")
)

// URLStyle is where the bucket goes in a URL.
type URLStyle uint8

const (
	// PathStyle puts the bucket first in the path:
	// https://storage.googleapis.com/bucket/object.
	PathStyle URLStyle = iota
	// VirtualHostedStyle puts it in front of the endpoint host:
	// https://bucket.storage.googleapis.com/object.
	VirtualHostedStyle
	// BucketBoundHostname uses a host name that is itself bound to the
	// bucket (a CNAME or a load balancer in front of it):
	// https://cdn.example.com/object. Presign.Host is that name and the
	// bucket appears nowhere in the URL.
	BucketBoundHostname
)

// Options configure a Signer.
type Options struct {
	// Region is the credential scope's location: "auto" (DefaultRegion)
	// when empty, which Cloud Storage accepts for every bucket. Lower-case
	// letters, digits and '-' only. For HMAC keys it is part of the
	// derived signing key, so signer and verifier must agree on it.
	Region string
}

// Presign describes one signed URL.
type Presign struct {
	// Method is the HTTP method the URL is for: GET (when empty), HEAD,
	// PUT, DELETE, or POST (which Cloud Storage accepts only to start a
	// resumable upload: sign an "x-goog-resumable: start" header with it).
	Method string
	// Scheme is "https" (when empty) or "http".
	Scheme string
	// Host is host[:port] as the client will send it. Path-style and
	// virtual-hosted URLs use it as the endpoint (DefaultHost when empty;
	// "storage." + the universe domain outside Google's default universe;
	// an emulator's localhost:port); virtual-hosted URLs prefix it with
	// the bucket. With BucketBoundHostname it is the bucket-bound name and
	// is required. The signed host header never carries the port.
	Host string
	// Style places the bucket: PathStyle (the default),
	// VirtualHostedStyle or BucketBoundHostname.
	Style URLStyle
	// Bucket is the bucket name (a-z 0-9 - _ .). Required but for
	// BucketBoundHostname, where it is ignored.
	Bucket string
	// Object is the object name, raw UTF-8, at most 1024 bytes, without
	// carriage return or line feed, encoded exactly once: every byte but
	// A-Z a-z 0-9 - . _ ~ and '/' becomes %XX. Slashes are kept, leading
	// and repeated ones too ("/a//b" stays "/a//b"). Empty signs the bucket
	// itself (a listing).
	Object string
	// Headers are request headers to sign besides host; the client must
	// send them with these values. Names are case-insensitive and may not
	// repeat. A signed x-goog-content-sha256 header makes its value the
	// payload line, binding the URL to one body.
	Headers []Header
	// Query holds extra query parameters to sign (response-content-type,
	// generation, prefix, ...), unescaped. X-Goog-Algorithm,
	// X-Goog-Credential, X-Goog-Date, X-Goog-Expires,
	// X-Goog-SignedHeaders and X-Goog-Signature are reserved in any case.
	Query []QueryParam
	// Expires is X-Goog-Expires: how many seconds after the signing
	// instant the URL stays valid, 1…604800.
	Expires int64
}

// Header is one HTTP header (Name, Value), in the order and case the caller
// gave it. Every scheme package uses the same type.
type Header = sigcore.Header

// QueryParam is one query parameter (Key, Value), unescaped.
type QueryParam = sigcore.QueryParam

// SecretLookup finds the secret of an HMAC access ID when verifying; ok is
// false for an unknown key.
type SecretLookup = sigcore.SecretLookup

// Signer signs URLs and POST policies for one credential (a service
// account or an HMAC key), region and signing instant. It keeps reusable
// scratch space, so it is not safe for concurrent use: give each worker its
// own (the service account and its key may be shared).
type Signer struct {
	alg string // AlgorithmRSA or AlgorithmHMAC
	id  string // client email or HMAC access ID
	rsa *rsa.PrivateKey
	mac hash.Hash // HMAC-SHA256 under the day's derived key (HMAC signers)

	t                 time.Time
	date, day, region string // 20060102T150405Z, 20060102, auto
	scope             string // day/region/storage/goog4_request
	credEsc           string // URI-escaped "id/scope"
	stsPrefix         string // alg\ndate\nscope\n

	c    canon
	macb [sha256.Size]byte
}

// NewRSASigner prepares a Signer for GOOG4-RSA-SHA256 with a service
// account at instant t (the URLs' X-Goog-Date). The instant is an argument,
// never a clock reading, so output is reproducible; RSASSA-PKCS1-v1_5 is
// deterministic, so the same input gives the same URL byte for byte.
func NewRSASigner(acct *ServiceAccount, t time.Time, opts Options) (*Signer, error) {
	if acct == nil || acct.key == nil {
		return nil, sigcore.FieldErr("private_key", sigerr.ErrMissingField)
	}
	s, err := newSigner(AlgorithmRSA, acct.ClientEmail, "client_email", t, opts)
	if err != nil {
		return nil, err
	}
	s.rsa = acct.key
	return s, nil
}

// NewHMACSigner prepares a Signer for GOOG4-HMAC-SHA256 with an HMAC key at
// instant t. It derives the day's signing key once:
// HMAC(HMAC(HMAC(HMAC("GOOG4"+secret, yyyymmdd), region), "storage"),
// "goog4_request"); each URL then costs two SHA-256 passes (the canonical
// request and the HMAC of the string to sign).
func NewHMACSigner(key HMACKey, t time.Time, opts Options) (*Signer, error) {
	if key.secret.Len() == 0 {
		return nil, sigcore.FieldErr("secret", sigerr.ErrMissingField)
	}
	s, err := newSigner(AlgorithmHMAC, key.AccessID, "access_id", t, opts)
	if err != nil {
		return nil, err
	}
	s.mac = hmac.New(sha256block.NewResumable, deriveKey(key.secret.Bytes(), s.day, s.region))
	return s, nil
}

// deriveKey is the GOOG4 key chain, the SigV4 one with Google's names.
func deriveKey(secret []byte, day, region string) []byte {
	k := make([]byte, 0, len("GOOG4")+len(secret))
	k = append(append(k, "GOOG4"...), secret...)
	for _, part := range [...]string{day, region, service, terminator} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(part))
		clear(k)
		k = m.Sum(k[:0])
	}
	return k
}

func newSigner(alg, id, idField string, t time.Time, opts Options) (*Signer, error) {
	if id == "" {
		return nil, sigcore.FieldErr(idField, sigerr.ErrMissingField)
	}
	if err := sigcore.CheckUTF8(id); err != nil {
		return nil, sigcore.FieldErr(idField, err)
	}
	if strings.IndexByte(id, '/') >= 0 {
		// X-Goog-Credential is id/date/region/storage/goog4_request.
		return nil, sigcore.FieldErr(idField, sigcore.WithDetail(sigerr.ErrInvalidValue, sigcore.QuoteForError(id)+" holds a '/'"))
	}
	region := opts.Region
	if region == "" {
		region = DefaultRegion
	}
	if err := checkRegion(region); err != nil {
		return nil, err
	}
	t = t.UTC()
	s := &Signer{alg: alg, id: id, t: t, region: region}
	s.date, s.day = t.Format(dateLayout), t.Format("20060102")
	s.scope = s.day + "/" + region + "/" + service + "/" + terminator
	s.credEsc = sigcore.URIEscape(id+"/"+s.scope, false)
	s.stsPrefix = alg + "\n" + s.date + "\n" + s.scope + "\n"
	return s, nil
}

// checkRegion accepts the location names Cloud Storage uses (auto,
// us-central1, europe-west4, ...).
func checkRegion(r string) error {
	for i := 0; i < len(r); i++ {
		if b := r[i]; !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-') {
			return sigcore.FieldErr("region", sigcore.WithDetail(sigerr.ErrInvalidValue, sigcore.QuoteForError(r)+" (lower-case letters, digits and '-')"))
		}
	}
	return nil
}

// Algorithm returns X-Goog-Algorithm: AlgorithmRSA or AlgorithmHMAC.
func (s *Signer) Algorithm() string { return s.alg }

// AppendPresign appends the signed URL for p to dst:
// scheme://host/path?X-Goog-Algorithm=…&X-Goog-Credential=…&X-Goog-Date=…&X-Goog-Expires=…&X-Goog-SignedHeaders=…&X-Goog-Signature=…
// with the caller's query parameters sorted in among the X-Goog-* ones, as
// the canonical request has them, and X-Goog-Signature last. The URL's path
// and query are the canonical request's bytes, so they cannot disagree.
//
// An HMAC signer allocates nothing in steady state; an RSA signer allocates
// only inside crypto/rsa.
func (s *Signer) AppendPresign(dst []byte, p *Presign) ([]byte, error) {
	u, err := s.build(p)
	if err != nil {
		return dst, err
	}
	cr := s.c.cr
	dst = append(dst, u.scheme...)
	dst = append(dst, "://"...)
	if u.vhost != "" {
		dst = append(append(dst, u.vhost...), '.')
	}
	dst = append(dst, u.host...)
	dst = append(dst, cr[u.pathStart:u.pathEnd]...)
	dst = append(dst, '?')
	dst = append(dst, cr[u.queryStart:u.queryEnd]...)
	dst = append(dst, "&X-Goog-Signature="...)
	return s.appendSignature(dst, u.sts)
}

// PresignURL is AppendPresign returning a string.
func (s *Signer) PresignURL(p *Presign) (string, error) {
	b, err := s.AppendPresign(make([]byte, 0, 512+len(p.Object)*3), p)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Canonical is what V4 signing signs, for tests, debugging and `verify`
// explanations.
type Canonical struct {
	CanonicalRequest string
	StringToSign     string
	SignedHeaders    string
	Signature        string // lower-case hex
}

// Explain returns the canonical request, string to sign, signed headers
// and signature AppendPresign would produce for p.
func (s *Signer) Explain(p *Presign) (Canonical, error) {
	u, err := s.build(p)
	if err != nil {
		return Canonical{}, err
	}
	c := Canonical{
		CanonicalRequest: string(s.c.cr),
		StringToSign:     string(u.sts),
		SignedHeaders:    string(s.c.appendSignedHeaders(nil)),
	}
	sig, err := s.appendSignature(nil, u.sts)
	if err != nil {
		return Canonical{}, err
	}
	c.Signature = string(sig)
	return c, nil
}

// built locates the parts of a built request in the Signer's scratch.
type built struct {
	scheme               string
	vhost                string // the bucket, for a virtual-hosted URL's host
	host                 string // host[:port] (after vhost and a dot)
	pathStart, pathEnd   int    // the path in s.c.cr
	queryStart, queryEnd int    // the canonical query in s.c.cr
	sts                  []byte
}

// build checks p and writes its canonical request and string to sign into
// the Signer's scratch.
func (s *Signer) build(p *Presign) (built, error) {
	var u built
	if p.Expires < 1 || p.Expires > MaxExpires {
		return u, sigcore.FieldErr("expires", sigcore.WithDetail(ErrExpiresRange, "got "+strconv.FormatInt(p.Expires, 10)))
	}
	method := p.Method
	if method == "" {
		method = "GET"
	} else if err := checkMethod(method); err != nil {
		return u, err
	}
	switch p.Scheme {
	case "":
		u.scheme = "https"
	case "https", "http":
		u.scheme = p.Scheme
	default:
		return u, sigcore.FieldErr("scheme", sigcore.WithDetail(sigerr.ErrInvalidValue, sigcore.QuoteForError(p.Scheme)+", want https or http"))
	}
	if err := checkObject("object", p.Object); err != nil {
		return u, err
	}
	endpoint := p.Host
	switch p.Style {
	case PathStyle, VirtualHostedStyle:
		if endpoint == "" {
			endpoint = DefaultHost
		}
		if err := checkBucket(p.Bucket); err != nil {
			return u, err
		}
	case BucketBoundHostname:
	default:
		return u, sigcore.FieldErr("style", sigcore.WithDetail(sigerr.ErrInvalidValue, "unknown URL style "+strconv.Itoa(int(p.Style))))
	}
	if err := checkHost("host", endpoint); err != nil {
		return u, err
	}

	// Headers first: the signed-headers list is one of the query pairs.
	c := &s.c
	hostPart := hostname(endpoint)
	if p.Style == VirtualHostedStyle {
		// The host header is the bucket's name in front of the endpoint:
		// built in the header scratch, then copied into the URL.
		c.resetHeaders("")
		c.hb = append(append(append(c.hb, p.Bucket...), '.'), hostPart...)
		c.hs[0].end = len(c.hb)
	} else {
		c.resetHeaders(hostPart)
	}
	for _, h := range p.Headers {
		if err := c.addHeader(h.Name, h.Value); err != nil {
			return u, err
		}
	}
	if err := c.sortHeaders(); err != nil {
		return u, err
	}

	c.resetQuery()
	c.addEncodedPair("X-Goog-Algorithm", s.alg)
	c.addEncodedPair("X-Goog-Credential", s.credEsc)
	c.addEncodedPair("X-Goog-Date", s.date)
	start := len(c.qb)
	c.qb = append(c.qb, "X-Goog-Expires="...)
	c.qb = strconv.AppendInt(c.qb, p.Expires, 10)
	c.qs = append(c.qs, pairSpan{start, start + len("X-Goog-Expires"), len(c.qb)})
	start = len(c.qb)
	c.qb = append(c.qb, "X-Goog-SignedHeaders="...)
	c.qb = c.appendSignedHeadersEscaped(c.qb)
	c.qs = append(c.qs, pairSpan{start, start + len("X-Goog-SignedHeaders"), len(c.qb)})
	for i := range p.Query {
		q := &p.Query[i]
		if reservedParam(q.Key) {
			return u, sigcore.FieldErr("query", sigcore.WithDetail(ErrReservedParam, q.Key))
		}
		if err := sigcore.CheckUTF8(q.Key); err != nil {
			return u, sigcore.FieldErr("query", err)
		}
		if err := sigcore.CheckUTF8(q.Value); err != nil {
			return u, sigcore.FieldErr("query", err)
		}
		c.addPair(q.Key, q.Value)
	}

	cr := append(c.cr[:0], method...)
	cr = append(cr, '\n')
	u.pathStart = len(cr)
	cr = append(cr, '/')
	if p.Style == PathStyle {
		cr = append(cr, p.Bucket...) // checkBucket: nothing to escape
		if p.Object != "" {
			cr = append(cr, '/')
		}
	}
	cr = sigcore.AppendURIEscape(cr, p.Object, true)
	u.pathEnd = len(cr)
	cr = append(cr, '\n')
	u.queryStart = len(cr)
	cr = c.appendQuery(cr)
	u.queryEnd = len(cr)
	cr = append(cr, '\n')
	cr = c.appendCanonicalHeaders(cr)
	cr = append(cr, '\n')
	cr = c.appendSignedHeaders(cr)
	cr = append(cr, '\n')
	cr = append(cr, c.payload()...)
	c.cr = cr

	u.host = endpoint
	if p.Style == VirtualHostedStyle {
		u.vhost = p.Bucket
	}
	u.sts = s.appendStringToSign(c.sts[:0], cr)
	c.sts = u.sts
	return u, nil
}

// appendStringToSign appends alg\ndate\nscope\nhex(SHA-256(cr)).
func (s *Signer) appendStringToSign(dst, cr []byte) []byte {
	dst = append(dst, s.stsPrefix...)
	sum := sha256block.Sum256(cr)
	return hex.AppendEncode(dst, sum[:])
}

// appendSignature appends the lower-case hex signature of sts.
func (s *Signer) appendSignature(dst, sts []byte) ([]byte, error) {
	if s.mac != nil {
		s.mac.Reset()
		s.mac.Write(sts)
		return hex.AppendEncode(dst, s.mac.Sum(s.macb[:0])), nil
	}
	sum := sha256block.Sum256(sts)
	sig, err := rsa.SignPKCS1v15(nil, s.rsa, crypto.SHA256, sum[:])
	if err != nil {
		return dst, sigcore.FieldErr("private_key", sigcore.WithDetail(sigerr.ErrInvalidValue, err.Error()))
	}
	return hex.AppendEncode(dst, sig), nil
}

// reservedParam reports whether a caller's query key is one the signer
// sets. Cloud Storage reads these names without regard to case (gsutil
// writes them in lower case), so a caller's x-goog-date is refused too.
func reservedParam(k string) bool {
	if len(k) < len("x-goog-date") || !sigcore.EqualFoldASCII(k[:len("x-goog-")], "x-goog-") {
		return false
	}
	switch rest := k[len("x-goog-"):]; {
	case sigcore.EqualFoldASCII(rest, "algorithm"), sigcore.EqualFoldASCII(rest, "credential"), sigcore.EqualFoldASCII(rest, "date"),
		sigcore.EqualFoldASCII(rest, "expires"), sigcore.EqualFoldASCII(rest, "signedheaders"), sigcore.EqualFoldASCII(rest, "signature"):
		return true
	}
	return false
}

// String names the algorithm, identity, scope and instant, never key
// material.
func (s *Signer) String() string {
	return "gcs.Signer{" + s.alg + " " + s.id + "/" + s.scope + " at " + s.date + " " + sigcore.Redacted + "}"
}

// GoString is String, so %#v cannot print the key.
func (s *Signer) GoString() string { return s.String() }

// Format makes every verb print String.
func (s *Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }
