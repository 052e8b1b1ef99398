package sigv4

import (
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// SigV4 constants as they appear on the wire.
const (
	// Algorithm is the SigV4 algorithm name for HMAC-SHA256 signatures.
	Algorithm = "AWS4-HMAC-SHA256"
	// UnsignedPayload is the payload hash S3 accepts when the body is not
	// signed; presigned S3 URLs always use it.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// EmptySHA256 is the hex SHA-256 of the empty string, the payload hash of
	// a request without a body.
	EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	// MaxExpires is the longest X-Amz-Expires SigV4 accepts: seven days.
	MaxExpires = 604800

	amzDateLayout = "20060102T150405Z"
)

// Rules selects how the request path is canonicalised.
type Rules uint8

const (
	// RulesAuto picks RulesS3 for the "s3" service and RulesGeneric otherwise.
	RulesAuto Rules = iota
	// RulesGeneric is SigV4 for every service but S3: the path (already
	// URI-encoded on the wire) is normalised (dot segments and repeated
	// slashes removed) and encoded again.
	RulesGeneric
	// RulesS3 is S3's variant: the path is the object key encoded exactly
	// once and never normalised (a//b/./c stays as is), an object key must
	// be valid UTF-8, presigned URLs carry UNSIGNED-PAYLOAD, and header
	// signing always sends x-amz-content-sha256.
	RulesS3
)

// Options configure a Signer. Region and Service are required.
type Options struct {
	Region  string
	Service string
	// Rules selects generic or S3 path rules; RulesAuto decides by Service.
	Rules Rules
	// DisablePathNormalization keeps dot segments and repeated slashes in
	// generic-service paths (S3 never normalises).
	DisablePathNormalization bool
	// TokenAfterSigning adds the session token to the request after
	// signing instead of signing it, for the few services that want it so.
	TokenAfterSigning bool
	// ContentSHA256Header adds a signed x-amz-content-sha256 header carrying
	// the payload hash in header signing. Always on for S3.
	ContentSHA256Header bool
}

// Header is one HTTP header (Name, Value), in the order and case the caller
// gave it. Every scheme package uses the same type.
type Header = sigcore.Header

// QueryParam is one query parameter (Key, Value), unescaped.
type QueryParam = sigcore.QueryParam

// SecretLookup finds the secret for an access key id when verifying; ok is
// false for an unknown key. A function, not a map, so that it can be backed
// by a keys file, one credential or a cache.
type SecretLookup = sigcore.SecretLookup

// Errors a Signer returns (wrapped in a *sigerr.FieldError naming the field),
// besides the shared ones of package sigerr.
var (
	// ErrExpiresRange: a presign's X-Amz-Expires is outside 1…604800 seconds
	// (SigV4's limit: seven days).
	ErrExpiresRange = errors.New("expires must be between 1 and 604800 seconds")
	// ErrOutlivesCredentials: the URL would stay valid after the temporary
	// credentials that sign it expire, so it would die early and silently.
	ErrOutlivesCredentials = errors.New("presigned URL would outlive the temporary credentials")
	// ErrReservedParam: a caller's query parameter collides with one the
	// signer sets (X-Amz-Signature, X-Amz-Credential, ...).
	ErrReservedParam = errors.New("query parameter is reserved for the signature")
)

// Request is an HTTP request to sign with SigV4.
type Request struct {
	// Method is the HTTP method, upper-case (GET, PUT, ...).
	Method string
	// Host is the host[:port] the request is sent to (the Host header).
	Host string
	// Path is the URI path as it goes on the wire, percent-escapes included
	// ("/a%20b"). Empty means "/". S3 rules decode it and encode it once;
	// generic rules normalise it and encode it again.
	Path string
	// Query is the raw query string without '?', as on the wire.
	Query string
	// Headers are the other headers to sign. A Host header here is ignored
	// (Host is used), and headers that proxies change in flight
	// (Authorization, User-Agent, X-Amzn-Trace-Id, Expect) are never signed.
	Headers []Header
	// PayloadHash is the hex SHA-256 of the body, or UnsignedPayload, or a
	// streaming marker. Empty means the empty body for header signing and,
	// for presigns, UNSIGNED-PAYLOAD under S3 rules.
	PayloadHash string

	// withAuth says Query is a presigned URL's whole query, its X-Amz-*
	// authentication parameters (amzauth.SigV4's) left out when it is
	// canonicalised, so a verifier hashes the query it read without first
	// copying the rest of it aside.
	withAuth bool
}

// Signer signs requests for one credential, region, service and signing
// instant. It keeps reusable buffers and hash states, so it is not safe for
// concurrent use: give each worker its own (they are cheap once the signing
// key is cached).
type Signer struct {
	creds   Credentials
	key     *SigningKey // nil for a variant
	opts    Options
	s3      bool
	t       time.Time
	amzDate string // 20060102T150405Z

	// alg is Algorithm or the variant's; variant is nil for SigV4 itself;
	// regionSetEsc is the variant's region set URI-escaped, "" without one.
	alg          string
	variant      *Variant
	regionSetEsc string

	// credential is "AKID/scope"; credEsc is it URI-escaped (X-Amz-Credential).
	credential, credEsc string
	tokenEsc            string // URI-escaped session token, "" without one
	stsPrefix           string // "AWS4-HMAC-SHA256\n<date>\n<scope>\n"
	payload             string // payload hash of the last canonical request

	// HMAC state: inner resumes after ipad + stsPrefix, outer after opad.
	// Under the block backend (useBlock) the chaining words are kept
	// instead: blockInner has absorbed ipad and the whole 64-byte blocks of
	// stsPrefix (blockInnerLen bytes), stsTail is the rest of stsPrefix.
	innerPrefixed, outerState []byte
	inner, outer              hash.Hash
	innerU, outerU            encoding.BinaryUnmarshaler
	useBlock                  bool
	blockInner, blockOuter    [8]uint32
	blockInnerLen             uint64
	stsTail                   string

	// Scratch reused across calls.
	cr     []byte // canonical request
	path   []byte // escaped path
	qb     []byte // encoded query pairs
	spans  []pairSpan
	dec    []byte        // a wire path decoded (appendCanonicalPath)
	hs     []canonHeader // canonical headers (canonicalize)
	signed []byte        // signed-headers list (canonicalize)
	// Prepared X-Amz-* pairs of S3 presigns for fixedExpires (see buildFixed).
	fixed        []byte
	fixedSpans   []pairSpan
	fixedExpires int64
	// The fixed pairs with X-Amz-Expires=0, from which buildFixed makes
	// fixed for each expiry; expiresSpan indexes X-Amz-Expires in tmplSpans.
	fixedTmpl   []byte
	tmplSpans   []pairSpan
	expiresSpan int
	// Canonical queries of S3 presigns by the names of their rows'
	// parameters (queryplan.go); planLast is the last one used, planNext
	// the next to replace.
	plans              [planSlots]queryPlan
	planLast, planNext int
	hexb               [64]byte
	sumb               [32]byte
	sigb               [32]byte
	// The last hosts AppendPresignS3 passed (see checkHost).
	hosts sigcore.HostMemo
	// What the S3 presigns of a run of rows of one scheme and host share
	// (presign_s3.go).
	frame presignFrame
}

// NewSigner prepares a Signer for creds at instant t. key must be the signing
// key for t's UTC day, opts.Region and opts.Service (from a KeyCache); if
// nil, NewSigner derives one. The instant is an argument, never a clock
// reading, so output is reproducible.
func NewSigner(creds Credentials, key *SigningKey, t time.Time, opts Options) (*Signer, error) {
	switch {
	case creds.AccessKeyID == "":
		return nil, sigcore.FieldErr("access_key_id", sigerr.ErrMissingField)
	case creds.SecretAccessKey == "":
		return nil, sigcore.FieldErr("secret_access_key", sigerr.ErrMissingField)
	case opts.Region == "":
		return nil, sigcore.FieldErr("region", sigerr.ErrMissingField)
	case opts.Service == "":
		return nil, sigcore.FieldErr("service", sigerr.ErrMissingField)
	}
	t = t.UTC()
	if key == nil {
		key = DeriveKey(creds.SecretAccessKey, t, opts.Region, opts.Service)
	}
	if key.region != opts.Region || key.service != opts.Service || key.date != t.Format("20060102") {
		return nil, sigcore.FieldErr("signing_key", sigcore.WithDetail(sigerr.ErrInvalidValue, "key scope "+key.Scope()+" does not match the request"))
	}
	s := newSigner(creds, t, opts, Algorithm, key.Scope())
	s.key = key

	if sha256block.BlockHMAC() {
		s.prepareBlockHMAC()
		return s, nil
	}
	s.inner, s.outer = sha256block.NewResumable(), sha256block.NewResumable()
	var ok1, ok2 bool
	s.innerU, ok1 = s.inner.(encoding.BinaryUnmarshaler)
	s.outerU, ok2 = s.outer.(encoding.BinaryUnmarshaler)
	if !ok1 || !ok2 {
		panic("sigv4: SHA-256 backend cannot resume from a saved state")
	}
	if err := s.innerU.UnmarshalBinary(key.appendInnerState(nil)); err != nil {
		panic("sigv4: SHA-256 backend rejected a prepared key state: " + err.Error())
	}
	s.inner.Write([]byte(s.stsPrefix))
	st, err := s.inner.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("sigv4: SHA-256 backend cannot save its state: " + err.Error())
	}
	s.innerPrefixed = st
	s.outerState = key.appendOuterState(nil)
	return s, nil
}

// newSigner sets up what SigV4 and its variants share: rules, date,
// credential and the string-to-sign prefix.
func newSigner(creds Credentials, t time.Time, opts Options, alg, scope string) *Signer {
	s := &Signer{creds: creds, opts: opts, t: t, alg: alg}
	s.s3 = opts.Rules == RulesS3 || (opts.Rules == RulesAuto && opts.Service == "s3")
	s.amzDate = t.Format(amzDateLayout)
	s.credential = creds.AccessKeyID + "/" + scope
	s.credEsc = sigcore.URIEscape(s.credential, false)
	if creds.SessionToken != "" {
		s.tokenEsc = sigcore.URIEscape(creds.SessionToken, false)
	}
	s.stsPrefix = alg + "\n" + s.amzDate + "\n" + scope + "\n"
	return s
}

// prepareBlockHMAC absorbs the whole blocks of the string-to-sign prefix into
// the key's inner state, for appendSignature's block-level path.
func (s *Signer) prepareBlockHMAC() {
	s.useBlock = true
	inner, outer := s.key.chainingStates()
	full := len(s.stsPrefix) &^ (sha256block.BlockSize - 1)
	sha256block.Block(&inner, []byte(s.stsPrefix[:full]))
	s.blockInner, s.blockOuter = inner, outer
	s.blockInnerLen = uint64(sha256block.BlockSize + full)
	s.stsTail = s.stsPrefix[full:]
}

// appendSignature appends the hex signature of the canonical request in
// s.cr to dst: SHA-256 of the canonical request, then HMAC of the string to
// sign resumed from the prepared key state (the constant string-to-sign
// prefix is already absorbed).
func (s *Signer) appendSignature(dst []byte) []byte {
	if s.useBlock {
		return s.appendBlockSignature(dst)
	}
	if s.variant != nil {
		return s.appendVariantSignature(dst)
	}
	sum := sha256block.Sum256(s.cr)
	encodeHex(s.hexb[:], sum[:])
	if err := s.innerU.UnmarshalBinary(s.innerPrefixed); err != nil {
		panic("sigv4: SHA-256 state rejected")
	}
	s.inner.Write(s.hexb[:])
	in := s.inner.Sum(s.sumb[:0])
	if err := s.outerU.UnmarshalBinary(s.outerState); err != nil {
		panic("sigv4: SHA-256 state rejected")
	}
	s.outer.Write(in)
	sig := s.outer.Sum(s.sigb[:0])
	n := len(dst)
	dst = slices.Grow(dst, 64)[:n+64]
	encodeHex(dst[n:], sig)
	return dst
}

// appendBlockSignature is appendSignature on sha256block: three block calls
// (about eight blocks for a presign) and no hash.Hash state copies. The
// canonical request is padded in place in s.cr's spare capacity and hashed
// in one call; the inner message (the rest of the prefix and that hash in
// hex) and the outer one (the 32-byte inner digest) are written with their
// padding where they are hashed, one call each.
func (s *Signer) appendBlockSignature(dst []byte) []byte {
	n := len(s.cr)
	s.cr = sha256block.AppendPadding(s.cr, uint64(n))
	h := sha256block.IV
	sha256block.Block(&h, s.cr)
	s.cr = s.cr[:n]

	var msg [innerMax]byte
	in := s.blockInner
	sha256block.Block(&in, msg[:s.innerMessage(&msg, &h)])
	out := s.blockOuter
	outerMessage((*[sha256block.BlockSize]byte)(msg[:]), &in)
	sha256block.Block(&out, msg[:sha256block.BlockSize])

	n = len(dst)
	dst = slices.Grow(dst, 64)[:n+64]
	encodeHexWords(dst[n:], &out)
	return dst
}

// innerMax is room for the HMAC's inner message after the blocks a Signer
// absorbs once: the rest of the string-to-sign prefix (under a block), the
// 64 hex digits of the canonical request's hash and SHA-256 padding.
const innerMax = 3 * sha256block.BlockSize

// innerMessage writes into msg, which must be all zero, the string to
// sign's bytes that blockInner has not absorbed (stsTail and the hex digest
// h) followed by SHA-256 padding, and returns its length, a whole number of
// blocks: the bytes are hashed where they are written, not copied into a
// padding buffer as sha256block.Sum would.
func (s *Signer) innerMessage(msg *[innerMax]byte, h *[8]uint32) int {
	r := copy(msg[:], s.stsTail)
	encodeHexWords(msg[r:r+64], h)
	m := r + 64
	msg[m] = 0x80
	n := (m + 9 + sha256block.BlockSize - 1) &^ (sha256block.BlockSize - 1)
	binary.BigEndian.PutUint64(msg[n-8:], (s.blockInnerLen+uint64(m))<<3)
	return n
}

// outerMessage writes into b the HMAC's outer message after the opad
// block: the inner digest h and SHA-256 padding, one block.
func outerMessage(b *[sha256block.BlockSize]byte, h *[8]uint32) {
	for i, w := range h {
		binary.BigEndian.PutUint32(b[4*i:], w)
	}
	b[sha256block.Size] = 0x80
	clear(b[sha256block.Size+1 : sha256block.BlockSize-8])
	binary.BigEndian.PutUint64(b[sha256block.BlockSize-8:], (sha256block.BlockSize+sha256block.Size)<<3)
}

// encodeHexWords writes the lower-case hex of the big-endian bytes of h (a
// SHA-256 digest held as chaining words) into dst[:64], one 8-byte store per
// word from four two-digit table entries (faster here than spreading the
// nibbles arithmetically: 12 vs 18 ns for a digest).
func encodeHexWords(dst []byte, h *[8]uint32) {
	_ = dst[63]
	for i, w := range h {
		binary.LittleEndian.PutUint64(dst[8*i:], uint64(hexPairs16[w>>24])|uint64(hexPairs16[w>>16&0xff])<<16|
			uint64(hexPairs16[w>>8&0xff])<<32|uint64(hexPairs16[w&0xff])<<48)
	}
}

// hexPairs16 is hexPairs as little-endian uint16s: entry b is the two digits
// of b, first digit in the low byte.
var hexPairs16 = func() (t [256]uint16) {
	for i := range t {
		t[i] = uint16(hexPairs[2*i]) | uint16(hexPairs[2*i+1])<<8
	}
	return t
}()

// hexPairs holds the two lower-case hex digits of every byte value, so that
// encoding takes one two-byte copy per input byte instead of two lookups.
const hexPairs = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" +
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" +
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" +
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" +
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

// encodeHex writes the lower-case hex of src into dst (len(dst) >= 2*len(src)).
func encodeHex(dst, src []byte) {
	_ = dst[2*len(src)-1]
	for i, c := range src {
		dst[2*i] = hexPairs[2*int(c)]
		dst[2*i+1] = hexPairs[2*int(c)+1]
	}
}

// Canonical is what SigV4 signs, for tests, debugging and verification.
type Canonical struct {
	CanonicalRequest string
	StringToSign     string
	SignedHeaders    string
	Signature        string
}

// Form is the place a SigV4 signature travels.
type Form uint8

const (
	// HeaderForm signs for an Authorization header.
	HeaderForm Form = iota
	// QueryForm signs for a presigned URL (X-Amz-* query parameters).
	QueryForm
)

// Explain returns the canonical request, string to sign, signed headers and
// signature for r in the given form (expires is used by QueryForm only). A
// variant signer without a Sign function leaves Signature empty.
func (s *Signer) Explain(r *Request, form Form, expires int64) (Canonical, error) {
	signed, err := s.canonicalize(r, form, expires)
	if err != nil {
		return Canonical{}, err
	}
	cr := string(s.cr)
	sum := sha256block.Sum256(s.cr)
	sig := string(s.appendSignature(nil))
	return Canonical{
		CanonicalRequest: cr,
		StringToSign:     s.stsPrefix + hex.EncodeToString(sum[:]),
		SignedHeaders:    signed,
		Signature:        sig,
	}, nil
}

// SignHeaders signs r for an Authorization header and returns the headers to
// add to the request, in this order: X-Amz-Security-Token (with temporary
// credentials), X-Amz-Date, X-Amz-Region-Set (a variant with a region set),
// x-amz-content-sha256 (S3, or when asked), and Authorization.
func (s *Signer) SignHeaders(r *Request) ([]Header, error) {
	signed, err := s.canonicalize(r, HeaderForm, 0)
	if err != nil {
		return nil, err
	}
	out := make([]Header, 0, 5)
	if s.creds.SessionToken != "" {
		out = append(out, Header{Name: "X-Amz-Security-Token", Value: s.creds.SessionToken})
	}
	out = append(out, Header{Name: "X-Amz-Date", Value: s.amzDate})
	if s.regionSetEsc != "" {
		out = append(out, Header{Name: "X-Amz-Region-Set", Value: s.variant.RegionSet})
	}
	if s.contentHeader() {
		out = append(out, Header{Name: "x-amz-content-sha256", Value: s.payload})
	}
	auth := make([]byte, 0, len(s.alg)+len(s.credential)+len(signed)+160)
	auth = append(auth, s.alg...)
	auth = append(auth, " Credential="...)
	auth = append(auth, s.credential...)
	auth = append(auth, ", SignedHeaders="...)
	auth = append(auth, signed...)
	auth = append(auth, ", Signature="...)
	auth = s.appendSignature(auth)
	out = append(out, Header{Name: "Authorization", Value: string(auth)})
	return out, nil
}

// PresignQuery signs r as a presigned URL valid for expires seconds and
// returns the query parameters to append to the request's own query, in the
// order SDKs emit them: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-SignedHeaders, X-Amz-Expires, X-Amz-Security-Token,
// X-Amz-Region-Set (variants), X-Amz-Signature.
func (s *Signer) PresignQuery(r *Request, expires int64) (string, error) {
	if err := s.checkExpires(expires); err != nil {
		return "", err
	}
	signed, err := s.canonicalize(r, QueryForm, expires)
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, 256+len(s.tokenEsc)+len(s.regionSetEsc))
	b = append(b, "X-Amz-Algorithm="...)
	b = append(b, s.alg...)
	b = append(b, "&X-Amz-Credential="...)
	b = append(b, s.credEsc...)
	b = append(b, "&X-Amz-Date="...)
	b = append(b, s.amzDate...)
	b = append(b, "&X-Amz-SignedHeaders="...)
	b = sigcore.AppendURIEscape(b, signed, false)
	b = append(b, "&X-Amz-Expires="...)
	b = strconv.AppendInt(b, expires, 10)
	if s.tokenEsc != "" {
		b = append(b, "&X-Amz-Security-Token="...)
		b = append(b, s.tokenEsc...)
	}
	if s.regionSetEsc != "" {
		b = append(b, "&X-Amz-Region-Set="...)
		b = append(b, s.regionSetEsc...)
	}
	b = append(b, "&X-Amz-Signature="...)
	b = s.appendSignature(b)
	return string(b), nil
}

// PresignURL is PresignQuery composed into a full URL:
// scheme://host/path?query&X-Amz-... The URL must be one that
// VerifyPresignedURL accepts (scheme http or https, a valid host and port,
// a path and query of the bytes an HTTP/1.1 request target carries, so a
// space or a non-ASCII byte in r.Path must be percent-encoded); anything
// else is an error naming the url field, and nothing is signed.
func (s *Signer) PresignURL(scheme string, r *Request, expires int64) (string, error) {
	p := r.Path
	if p == "" {
		p = "/"
	}
	if p[0] != '/' {
		return "", sigcore.FieldErr(sigcore.FieldURL, sigcore.WithDetail(sigcore.ErrURL, "the path must begin with '/'"))
	}
	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(r.Host) + len(p) + len(r.Query) + 2 + 320 + len(s.tokenEsc))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(r.Host)
	b.WriteString(p)
	b.WriteByte('?')
	b.WriteString(r.Query)
	if _, err := sigcore.SplitURL(b.String()); err != nil {
		return "", err
	}
	q, err := s.PresignQuery(r, expires)
	if err != nil {
		return "", err
	}
	if r.Query != "" {
		b.WriteByte('&')
	}
	b.WriteString(q)
	return b.String(), nil
}

// checkExpires enforces SigV4's 1…604800 seconds and the credentials' own end.
func (s *Signer) checkExpires(expires int64) error {
	if expires < 1 || expires > MaxExpires {
		return sigcore.FieldErr("expires", sigcore.WithDetail(ErrExpiresRange, "got "+strconv.FormatInt(expires, 10)))
	}
	if !s.creds.Expires.IsZero() && s.t.Add(time.Duration(expires)*time.Second).After(s.creds.Expires) {
		return sigcore.FieldErr("expires", sigcore.WithDetail(ErrOutlivesCredentials,
			"URL would expire at "+s.t.Add(time.Duration(expires)*time.Second).Format(time.RFC3339)+
				", credentials expire at "+s.creds.Expires.UTC().Format(time.RFC3339)))
	}
	return nil
}

func (s *Signer) contentHeader() bool { return s.s3 || s.opts.ContentSHA256Header }

func (s *Signer) payloadHash(r *Request, form Form) string {
	switch {
	case r.PayloadHash != "":
		return r.PayloadHash
	case form == QueryForm && s.s3:
		return UnsignedPayload
	default:
		return EmptySHA256
	}
}

// String names the credential scope and instant, never key material.
func (s *Signer) String() string {
	return "sigv4.Signer{" + s.credential + " at " + s.amzDate + " " + sigcore.Redacted + "}"
}

// GoString is String, so %#v cannot print the secret or key states.
func (s *Signer) GoString() string { return s.String() }

// Format makes every verb print String.
func (s *Signer) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }
