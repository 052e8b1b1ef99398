package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"

	"github.com/batchsign/batchsign/sigerr"
)

// S3 Signature Version 2 (HMAC-SHA1), the legacy scheme some S3-compatible
// stores and old regions still require. Reference: "Signing and
// authenticating REST requests", Amazon S3 Developer Guide
// (RESTAuthentication.html), whose examples are the §8 vectors of
// testdata/s3-doc-vectors.md.
//
//	Signature    = Base64(HMAC-SHA1(secret, StringToSign))
//	StringToSign = VERB \n Content-MD5 \n Content-Type \n Date|Expires \n
//	               CanonicalizedAmzHeaders CanonicalizedResource
//
// Rules this file implements, each of which decides whether S3 accepts a
// signature:
//
//   - CanonicalizedResource is "/" + bucket (when the Host names it: virtual
//     hosted or CNAME) + the request path exactly as sent, percent-encoding and
//     its letter case included (the doc's "Unicode keys" example signs
//     /dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re). When batchsign builds the
//     path from a key, the key is encoded once (slashes kept) and the very
//     same bytes go into the URL and the resource.
//   - Only sub-resources and response-* overrides from S3's list (the one
//     botocore signs with) join the resource, sorted by name, with their values
//     decoded: "?acl", "?response-content-type=text/plain&versionId=3". Every
//     other query parameter is unsigned: SigV2 does not protect it.
//   - CanonicalizedAmzHeaders: every x-amz-* header, name lower-cased, sorted,
//     repeated names joined by "," in order, folded whitespace unfolded,
//     surrounding whitespace trimmed, each followed by "\n".
//   - Header form: when x-amz-date is present the Date line is empty (and
//     x-amz-date is signed as an amz header), as the doc's rule says and SDKs
//     do. The doc's own "Delete" example contradicts its rule (it puts the
//     x-amz-date value on the Date line); see sigv2_test.go.
//   - Query form (presign): the Date line is Expires, absolute epoch seconds,
//     with no upper bound (SigV2 has no 7-day cap). Headers the request must
//     carry that are signed (x-amz-*, Content-MD5, Content-Type) travel in the
//     query string as botocore does, so the URL stands alone; S3 reads them
//     from there.

// Param is a name and value: a query parameter (value decoded, as the
// string to sign uses it) or a request header (name in any case). It is the
// same type as Header, so a request's headers pass to SigV2 without a copy.
type Param = sigcore.Header

// SecretLookup finds the secret for an access key id when verifying; ok is
// false for an unknown key.
type SecretLookup = sigcore.SecretLookup

// Addressing says where the bucket of an S3 request is, which decides
// the "/bucket" prefix of the canonical resource.
type Addressing uint8

// The addressing styles.
const (
	// AddressingAuto: when presigning, virtual hosted if Host is the
	// bucket or begins with "bucket."; when reading a request, the bucket is
	// taken from AWS virtual-hosted names (bucket.s3.amazonaws.com,
	// bucket.s3.eu-west-1.amazonaws.com, bucket.s3-eu-west-1.amazonaws.com,
	// dual-stack and accelerate forms) and any other host is path style. Use
	// CNAME or Virtual explicitly for other virtual hosts.
	AddressingAuto Addressing = iota
	// AddressingPath: the bucket is the first path segment; Host is an
	// endpoint (s3.amazonaws.com, 127.0.0.1:9000).
	AddressingPath
	// AddressingVirtual: Host is bucket + "." + endpoint. For non-AWS
	// endpoints the bucket is taken to be Host's first label.
	AddressingVirtual
	// AddressingCNAME: Host (without port) is the bucket name itself.
	AddressingCNAME
)

// ParseAddressing accepts "auto" (or ""), "path", "virtual" and "cname",
// the values of --addressing-style.
func ParseAddressing(s string) (Addressing, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return AddressingAuto, nil
	case "path":
		return AddressingPath, nil
	case "virtual":
		return AddressingVirtual, nil
	case "cname":
		return AddressingCNAME, nil
	}
	return 0, fmt.Errorf("unknown addressing style %s (want auto, path, virtual or cname)", sigcore.QuoteForError(s))
}

// isSigV2Subresource reports whether a query parameter joins the
// CanonicalizedResource: S3's documented sub-resources, the response-*
// overrides and delete, plus the later ones botocore's HmacV1Auth signs
// (QSAOfInterest). Note MinIO's verifier knows only the documented ones; a URL
// using e.g. ?tagging signed here verifies on S3, not on MinIO.
func isSigV2Subresource(name string) bool {
	switch name {
	case "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete",
		"inventory", "lifecycle", "location", "logging", "metrics", "notification",
		"object-lock", "partNumber", "policy", "replication", "requestPayment",
		"response-cache-control", "response-content-disposition",
		"response-content-encoding", "response-content-language",
		"response-content-type", "response-expires", "restore", "select",
		"select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
		"versionId", "versioning", "versions", "website":
		return true
	}
	return false
}

// isSigV2AuthParam reports the query parameters that carry the presigned
// signature itself.
func isSigV2AuthParam(name string) bool {
	return name == "AWSAccessKeyId" || name == "Expires" || name == "Signature"
}

// ErrRequest is wrapped by every error about a request that cannot be
// signed with SigV2 (bad key, bad host, reserved parameter, …).
const ErrRequest = sigcore.ConstError("sigv2: cannot sign request")

func sigV2RequestError(field, detail string) error {
	return fmt.Errorf("%w: %s: %s", ErrRequest, field, detail)
}

// sigV2Canon holds scratch space so canonicalisation allocates nothing in
// steady state.
type sigV2Canon struct {
	idx []int
}

// sigV2ParamAt indexes the concatenation of a and b without building it.
func sigV2ParamAt(a, b []Param, i int) *Param {
	if i < len(a) {
		return &a[i]
	}
	return &b[i-len(a)]
}

// sigV2HeaderValue returns the first value of a header named lowerName
// (case-insensitively) among hs, and whether there was one.
func sigV2HeaderValue(hs []Param, lowerName string) (string, bool) {
	for i := range hs {
		if sigcore.EqualFoldASCII(hs[i].Name, lowerName) {
			return hs[i].Value, true
		}
	}
	return "", false
}

// appendSigV2Value appends a header value trimmed of surrounding whitespace,
// with every whitespace run that contains a line break (folding) replaced by
// one space.
func appendSigV2Value(dst []byte, v string) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	i, j := 0, len(v)
	for i < j && isSpace(v[i]) {
		i++
	}
	for j > i && isSpace(v[j-1]) {
		j--
	}
	for k := i; k < j; k++ {
		c := v[k]
		if c != '\r' && c != '\n' {
			dst = append(dst, c)
			continue
		}
		// Unfold: drop the blanks already written before the break and
		// the ones after it, then write one space.
		for len(dst) > 0 && (dst[len(dst)-1] == ' ' || dst[len(dst)-1] == '\t') {
			dst = dst[:len(dst)-1]
		}
		for k+1 < j && isSpace(v[k+1]) {
			k++
		}
		dst = append(dst, ' ')
	}
	return dst
}

// sigV2ValidHeaderName reports whether name is an HTTP token, so it cannot
// smuggle a ':' or a line break into the string to sign.
func sigV2ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// appendAmzHeaders appends CanonicalizedAmzHeaders built from the x-amz-*
// entries of hs and extra.
func (c *sigV2Canon) appendAmzHeaders(dst []byte, hs, extra []Param) ([]byte, error) {
	idx := c.idx[:0]
	for i := 0; i < len(hs)+len(extra); i++ {
		p := sigV2ParamAt(hs, extra, i)
		if sigcore.HasPrefixFoldASCII(p.Name, "x-amz-") {
			if !sigV2ValidHeaderName(p.Name) {
				c.idx = idx
				return dst, sigV2RequestError("header", "invalid header name "+strconv.Quote(p.Name))
			}
			idx = append(idx, i)
		}
	}
	// Stable insertion sort by lower-cased name: repeated names keep their
	// order, so their values join in the order given.
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && sigcore.CompareFoldASCII(sigV2ParamAt(hs, extra, idx[j-1]).Name, sigV2ParamAt(hs, extra, idx[j]).Name) > 0; j-- {
			idx[j-1], idx[j] = idx[j], idx[j-1]
		}
	}
	for i := 0; i < len(idx); {
		name := sigV2ParamAt(hs, extra, idx[i]).Name
		for k := 0; k < len(name); k++ {
			b := name[k]
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			dst = append(dst, b)
		}
		dst = append(dst, ':')
		j := i
		for ; j < len(idx) && sigcore.CompareFoldASCII(sigV2ParamAt(hs, extra, idx[j]).Name, name) == 0; j++ {
			if j > i {
				dst = append(dst, ',')
			}
			dst = appendSigV2Value(dst, sigV2ParamAt(hs, extra, idx[j]).Value)
		}
		dst = append(dst, '\n')
		i = j
	}
	c.idx = idx
	return dst, nil
}

// appendSubresources appends "?a&b=v…" for the sub-resources among q, sorted
// by name, values as given (decoded). A repeated sub-resource is an error:
// S3 would see one of them and we cannot know which.
func (c *sigV2Canon) appendSubresources(dst []byte, q []Param) ([]byte, error) {
	idx := c.idx[:0]
	for i := range q {
		if isSigV2Subresource(q[i].Name) {
			idx = append(idx, i)
		}
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && q[idx[j-1]].Name > q[idx[j]].Name; j-- {
			idx[j-1], idx[j] = idx[j], idx[j-1]
		}
	}
	c.idx = idx
	for n, i := range idx {
		if n > 0 && q[idx[n-1]].Name == q[i].Name {
			return dst, sigV2RequestError("query", "sub-resource "+q[i].Name+" given twice")
		}
		if n == 0 {
			dst = append(dst, '?')
		} else {
			dst = append(dst, '&')
		}
		dst = append(dst, q[i].Name...)
		if q[i].Value != "" {
			dst = append(dst, '=')
			dst = append(dst, q[i].Value...)
		}
	}
	return dst, nil
}

// appendHead appends "VERB\nContent-MD5\nContent-Type\n". The values come
// from hs, or else from extra (query parameters that stand in for headers in
// a presigned URL). The caller appends the Date/Expires line, then
// appendAmzHeaders.
func appendSigV2Head(dst []byte, method string, hs, extra []Param) []byte {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	for _, name := range [2]string{"content-md5", "content-type"} {
		v, ok := sigV2HeaderValue(hs, name)
		if !ok {
			v, _ = sigV2HeaderValue(extra, name)
		}
		dst = appendSigV2Value(dst, v)
		dst = append(dst, '\n')
	}
	return dst
}

// Request is a request as it goes on the wire, the form header
// authentication (and verification) canonicalises.
type Request struct {
	Method     string     // as sent, e.g. "GET"
	Host       string     // the Host header; its port is ignored when finding the bucket
	RequestURI string     // path and query exactly as sent: "/photos/puppy.jpg?acl" (only bytes a request target carries)
	Headers    []Param    // request headers, names in any case, repeats allowed
	Addressing Addressing // how to find the bucket (Auto by default)
}

// sigV2SplitURI splits a request URI into its path (as sent) and raw
// query, with the rules of every batchsign URL (sigcore.SplitRequestTarget);
// an empty URI is "/".
func sigV2SplitURI(uri string) (path, rawQuery string, err error) {
	if uri == "" {
		return "/", "", nil
	}
	path, rawQuery, err = sigcore.SplitRequestTarget(uri)
	if err != nil {
		return "", "", errors.New(errors.Unwrap(err).Error())
	}
	return path, rawQuery, nil
}

// sigV2QueryUnescape decodes a query component as S3 does: %XX escapes, and
// '+' as a space (form encoding). Malformed escapes are errors.
func sigV2QueryUnescape(dst []byte, s string) ([]byte, error) {
	for {
		i := strings.IndexByte(s, '+')
		if i < 0 {
			return sigcore.AppendURIUnescape(dst, s)
		}
		var err error
		if dst, err = sigcore.AppendURIUnescape(dst, s[:i]); err != nil {
			return dst, err
		}
		dst = append(dst, ' ')
		s = s[i+1:]
	}
}

// parseSigV2Query decodes a raw query string into parameters appended to
// ps. Components without escapes are substrings of rawQuery; escaped ones are
// decoded into one arena that becomes a single string at the end, so a URL
// costs at most one allocation here. arena and spans are scratch space the
// caller may reuse (they are returned grown).
func parseSigV2Query(ps []Param, rawQuery string, arena []byte, spans []sigV2Span) ([]Param, []byte, []sigV2Span, error) {
	arena, spans = arena[:0], spans[:0]
	for rawQuery != "" {
		var part string
		part, rawQuery, _ = strings.Cut(rawQuery, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		var p Param
		for field, raw := range [2]string{k, v} {
			if strings.IndexByte(raw, '%') < 0 && strings.IndexByte(raw, '+') < 0 {
				if field == 0 {
					p.Name = raw
				} else {
					p.Value = raw
				}
				continue
			}
			start := len(arena)
			var err error
			if arena, err = sigV2QueryUnescape(arena, raw); err != nil {
				if field == 0 {
					return ps, arena, spans, fmt.Errorf("query parameter name: %w", err)
				}
				return ps, arena, spans, fmt.Errorf("query parameter %s: %w", sigcore.QuoteForError(p.Name), err)
			}
			spans = append(spans, sigV2Span{param: len(ps), value: field == 1, start: start, end: len(arena)})
		}
		ps = append(ps, p)
	}
	if len(spans) > 0 {
		decoded := string(arena)
		for _, sp := range spans {
			if sp.value {
				ps[sp.param].Value = decoded[sp.start:sp.end]
			} else {
				ps[sp.param].Name = decoded[sp.start:sp.end]
			}
		}
	}
	return ps, arena, spans, nil
}

// sigV2Span places a decoded query component inside the arena.
type sigV2Span struct {
	param      int
	value      bool
	start, end int
}

// sigV2HostName returns host without port, lower-cased.
func sigV2HostName(host string) string {
	if strings.HasPrefix(host, "[") { // [v6]:port
		if i := strings.IndexByte(host, ']'); i > 0 {
			return strings.ToLower(host[:i+1])
		}
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host[:i], ':') < 0 {
		host = host[:i]
	}
	return strings.ToLower(host)
}

// sigV2AWSVirtualBucket returns the bucket of an AWS virtual-hosted S3 name
// (bucket.s3.amazonaws.com, bucket.s3.us-west-2.amazonaws.com,
// bucket.s3-us-west-2.amazonaws.com, bucket.s3.dualstack.….amazonaws.com,
// bucket.s3-accelerate.amazonaws.com, and the .amazonaws.com.cn forms), or ""
// when host is not one. The S3 label is the rightmost "s3" or "s3-…" label,
// since bucket names may themselves contain dots.
func sigV2AWSVirtualBucket(hostname string) string {
	var rest string
	switch {
	case strings.HasSuffix(hostname, ".amazonaws.com"):
		rest = strings.TrimSuffix(hostname, ".amazonaws.com")
	case strings.HasSuffix(hostname, ".amazonaws.com.cn"):
		rest = strings.TrimSuffix(hostname, ".amazonaws.com.cn")
	default:
		return ""
	}
	for end := len(rest); end > 0; {
		start := strings.LastIndexByte(rest[:end], '.') + 1
		label := rest[start:end]
		if label == "s3" || strings.HasPrefix(label, "s3-") {
			if start == 0 {
				return "" // s3.…: path style
			}
			return rest[:start-1]
		}
		end = start - 1
		if end < 0 {
			break
		}
	}
	return ""
}

// sigV2ResourceBucket returns the bucket the Host names under addressing a,
// or "" when the request is path style.
func sigV2ResourceBucket(host string, a Addressing) (string, error) {
	name := sigV2HostName(host)
	switch a {
	case AddressingPath:
		return "", nil
	case AddressingCNAME:
		if name == "" {
			return "", errors.New("CNAME addressing needs a Host")
		}
		return name, nil
	case AddressingVirtual:
		if b := sigV2AWSVirtualBucket(name); b != "" {
			return b, nil
		}
		if i := strings.IndexByte(name, '.'); i > 0 {
			return name[:i], nil
		}
		return "", errors.New("virtual-hosted addressing needs a Host of the form bucket.endpoint")
	default:
		return sigV2AWSVirtualBucket(name), nil
	}
}

// appendResourceFromURI appends CanonicalizedResource for a request as sent.
func (c *sigV2Canon) appendResourceFromURI(dst []byte, host, path string, q []Param, a Addressing) ([]byte, error) {
	bucket, err := sigV2ResourceBucket(host, a)
	if err != nil {
		return dst, sigV2RequestError("host", err.Error())
	}
	if bucket != "" {
		dst = append(dst, '/')
		dst = append(dst, bucket...)
	}
	dst = append(dst, path...)
	return c.appendSubresources(dst, q)
}

// appendStringToSign appends the header-authentication string to sign
// of r to dst. The Date line is the Date header, or empty when an x-amz-date
// header is present (which is then signed among the amz headers).
func appendStringToSign(dst []byte, r *Request) ([]byte, error) {
	var c sigV2Canon
	return c.appendHeaderStringToSign(dst, r)
}

func (c *sigV2Canon) appendHeaderStringToSign(dst []byte, r *Request) ([]byte, error) {
	if r.Method == "" {
		return dst, sigV2RequestError("method", "empty")
	}
	path, rawQuery, err := sigV2SplitURI(r.RequestURI)
	if err != nil {
		return dst, sigV2RequestError("request URI", err.Error())
	}
	q, _, _, err := parseSigV2Query(nil, rawQuery, nil, nil)
	if err != nil {
		return dst, sigV2RequestError("request URI", err.Error())
	}
	date, _ := sigV2HeaderValue(r.Headers, "date")
	if _, ok := sigV2HeaderValue(r.Headers, "x-amz-date"); ok {
		date = ""
	}
	dst = appendSigV2Head(dst, r.Method, r.Headers, nil)
	dst = appendSigV2Value(dst, date)
	dst = append(dst, '\n')
	if dst, err = c.appendAmzHeaders(dst, r.Headers, nil); err != nil {
		return dst, err
	}
	return c.appendResourceFromURI(dst, r.Host, path, q, r.Addressing)
}

// StringToSign is AppendStringToSign returning a string, for tests
// and for explaining a signature mismatch.
func StringToSign(r *Request) (string, error) {
	b, err := appendStringToSign(nil, r)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// PresignRequest describes an S3 object (or bucket) request to presign
// with SigV2 query-string authentication.
type PresignRequest struct {
	Method     string     // GET when empty
	Scheme     string     // "https" when empty
	Host       string     // host[:port] of the URL: an endpoint (path style) or the bucket's own host
	Bucket     string     // bucket name; empty only for service-level requests (then Key must be empty)
	Key        string     // object key, not encoded; encoded once with '/' kept; must be valid UTF-8
	Addressing Addressing // Path puts the bucket in the path; Virtual/CNAME keep it in Host; Auto decides from Host
	// Query holds extra parameters with decoded values: sub-resources
	// (versionId, acl, …) and response-* overrides are signed, the rest are
	// carried unsigned. AWSAccessKeyId, Expires and Signature are reserved.
	Query []Param
	// Headers the eventual request carries that SigV2 signs: Content-MD5,
	// Content-Type, x-amz-*. They are also put in the URL's query string.
	Headers      []Param
	SessionToken string // temporary credentials: signed and sent as x-amz-security-token
	Expires      int64  // absolute expiry, Unix seconds; must be positive
}

// virtualHosted decides, for presigning, whether the bucket is in Host.
func (r *PresignRequest) virtualHosted() bool {
	switch r.Addressing {
	case AddressingPath:
		return false
	case AddressingVirtual, AddressingCNAME:
		return true
	}
	h := sigV2HostName(r.Host)
	return r.Bucket != "" && strings.HasPrefix(h, r.Bucket) && (len(h) == len(r.Bucket) || h[len(r.Bucket)] == '.')
}

func (r *PresignRequest) check() error {
	if r.Host == "" {
		return sigV2RequestError("host", "missing")
	}
	if err := sigcore.CheckHost(r.Host); err != nil {
		return sigV2RequestError("host", errors.Unwrap(err).Error())
	}
	if r.Bucket == "" && r.Key != "" {
		return sigV2RequestError("bucket", "a key needs a bucket")
	}
	if r.Scheme != "" && r.Scheme != "https" && r.Scheme != "http" {
		return sigV2RequestError("scheme", "must be https or http")
	}
	for i := 0; i < len(r.Bucket); i++ {
		// S3 bucket names (legacy ones included) use only unreserved
		// characters, which is what lets them go into the path and the
		// resource unencoded.
		if !sigcore.IsUnreserved(r.Bucket[i]) {
			return sigV2RequestError("bucket", "invalid bucket name "+strconv.Quote(r.Bucket))
		}
	}
	if err := sigcore.CheckUTF8(r.Key); err != nil {
		return fmt.Errorf("%w: key: %w", ErrRequest, err)
	}
	if r.Expires <= 0 {
		return sigV2RequestError("expires", "must be a positive Unix time")
	}
	for i := range r.Query {
		if isSigV2AuthParam(r.Query[i].Name) {
			return sigV2RequestError("query", "parameter "+r.Query[i].Name+" is reserved for the signature")
		}
		if r.Query[i].Name == "" {
			return sigV2RequestError("query", "empty parameter name")
		}
	}
	for i := range r.Headers {
		if !sigV2ValidHeaderName(r.Headers[i].Name) {
			return sigV2RequestError("header", "invalid header name "+strconv.Quote(r.Headers[i].Name))
		}
	}
	return nil
}

// sigV2TokenHeader builds the pseudo-header that signs a session token.
func sigV2TokenHeader(token string) [1]Param {
	return [1]Param{{Name: "x-amz-security-token", Value: token}}
}

// appendPresignStringToSign appends the query-form string to sign; it
// returns the offsets of the encoded path inside dst, so the URL can copy
// exactly those bytes.
func (c *sigV2Canon) appendPresignStringToSign(dst []byte, r *PresignRequest, tok []Param) (out []byte, keyStart, keyEnd int, err error) {
	method := r.Method
	if method == "" {
		method = "GET"
	}
	dst = appendSigV2Head(dst, method, r.Headers, tok)
	dst = strconv.AppendInt(dst, r.Expires, 10)
	dst = append(dst, '\n')
	if dst, err = c.appendAmzHeaders(dst, r.Headers, tok); err != nil {
		return dst, 0, 0, err
	}
	dst = append(dst, '/')
	if r.Bucket != "" {
		dst = append(dst, r.Bucket...)
		dst = append(dst, '/')
	}
	keyStart = len(dst)
	dst = sigcore.AppendURIEscape(dst, r.Key, true)
	keyEnd = len(dst)
	dst, err = c.appendSubresources(dst, r.Query)
	return dst, keyStart, keyEnd, err
}

// appendPresignSTS appends the string to sign of a presigned
// URL for r to dst, for tests and for explaining mismatches.
func appendPresignSTS(dst []byte, r *PresignRequest) ([]byte, error) {
	if err := r.check(); err != nil {
		return dst, err
	}
	var c sigV2Canon
	tok := sigV2TokenHeader(r.SessionToken)
	dst, _, _, err := c.appendPresignStringToSign(dst, r, tok[:sigV2BoolInt(r.SessionToken != "")])
	return dst, err
}

func sigV2BoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Signer signs S3 requests with SigV2 under one access key: presigned
// URLs and Authorization headers. It keeps the HMAC-SHA1 key state and
// scratch buffers, so that signing allocates nothing in steady state; it is
// not safe for concurrent use (give each worker its own). It never prints its
// secret.
type Signer struct {
	accessKeyID string
	mac         hash.Hash // HMAC-SHA1 under the secret access key
	canon       sigV2Canon
	sts         []byte
	sum         [sha1.Size]byte
}

// NewSigner prepares a signer. The access key id goes into URLs and
// headers; the secret only into the HMAC.
func NewSigner(accessKeyID, secretAccessKey string) (*Signer, error) {
	if accessKeyID == "" || secretAccessKey == "" {
		return nil, fmt.Errorf("%w: empty access key id or secret", ErrRequest)
	}
	return &Signer{
		accessKeyID: accessKeyID,
		mac:         hmac.New(sha1.New, []byte(secretAccessKey)),
		sts:         make([]byte, 0, 256),
	}, nil
}

// AccessKeyID returns the access key id the signer signs for.
func (s *Signer) AccessKeyID() string { return s.accessKeyID }

// String redacts the secret.
func (s Signer) String() string {
	return "Signer(" + s.accessKeyID + ", secret redacted)"
}

// GoString redacts the secret.
func (s Signer) GoString() string { return s.String() }

// Format redacts the secret for every verb.
func (s Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// appendSignature appends Base64(HMAC-SHA1(secret, stringToSign)) to dst.
func (s *Signer) appendSignature(dst, stringToSign []byte) []byte {
	s.mac.Reset()
	s.mac.Write(stringToSign)
	return base64.StdEncoding.AppendEncode(dst, s.mac.Sum(s.sum[:0]))
}

// AppendPresignedURL appends the presigned URL for r to dst:
//
//	scheme://host/path?<r.Query><signed headers>&AWSAccessKeyId=…&Expires=…&Signature=…
//
// with every query name and value percent-encoded (space as %20, '+' as
// %2B) and the path built from the same encoded key bytes the resource
// signs.
func (s *Signer) AppendPresignedURL(dst []byte, r *PresignRequest) ([]byte, error) {
	if err := r.check(); err != nil {
		return dst, err
	}
	tokArr := sigV2TokenHeader(r.SessionToken)
	tok := tokArr[:sigV2BoolInt(r.SessionToken != "")]
	sts, keyStart, keyEnd, err := s.canon.appendPresignStringToSign(s.sts[:0], r, tok)
	s.sts = sts
	if err != nil {
		return dst, err
	}
	if r.Scheme == "" {
		dst = append(dst, "https"...)
	} else {
		dst = append(dst, r.Scheme...)
	}
	dst = append(dst, "://"...)
	dst = append(dst, r.Host...)
	dst = append(dst, '/')
	if r.Bucket != "" && !r.virtualHosted() {
		dst = append(dst, r.Bucket...)
		dst = append(dst, '/')
	}
	dst = append(dst, sts[keyStart:keyEnd]...)
	sep := byte('?')
	appendParam := func(dst []byte, name, value string, bare bool) []byte {
		dst = append(dst, sep)
		sep = '&'
		dst = sigcore.AppendURIEscape(dst, name, false)
		if !bare {
			dst = append(dst, '=')
			dst = sigcore.AppendURIEscape(dst, value, false)
		}
		return dst
	}
	for i := range r.Query {
		q := &r.Query[i]
		dst = appendParam(dst, q.Name, q.Value, q.Value == "" && isSigV2Subresource(q.Name))
	}
	for _, hs := range [2][]Param{r.Headers, tok} {
		for i := range hs {
			h := &hs[i]
			if sigcore.HasPrefixFoldASCII(h.Name, "x-amz-") || sigcore.EqualFoldASCII(h.Name, "content-md5") || sigcore.EqualFoldASCII(h.Name, "content-type") {
				dst = appendParam(dst, h.Name, h.Value, false)
			}
		}
	}
	dst = appendParam(dst, "AWSAccessKeyId", s.accessKeyID, false)
	dst = append(dst, "&Expires="...)
	dst = strconv.AppendInt(dst, r.Expires, 10)
	dst = append(dst, "&Signature="...)
	var sig [28]byte // base64 of 20 bytes
	return appendSigV2EscapedBase64(dst, s.appendSignature(sig[:0], sts)), nil
}

// appendSigV2EscapedBase64 appends standard base64 text percent-encoded for a
// query value: its only reserved characters are '+', '/' and '='.
func appendSigV2EscapedBase64(dst, b64 []byte) []byte {
	for _, c := range b64 {
		switch c {
		case '+':
			dst = append(dst, "%2B"...)
		case '/':
			dst = append(dst, "%2F"...)
		case '=':
			dst = append(dst, "%3D"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendAuthorization appends the header-authentication value "AWS
// AKID:signature" for r to dst.
func (s *Signer) AppendAuthorization(dst []byte, r *Request) ([]byte, error) {
	sts, err := s.canon.appendHeaderStringToSign(s.sts[:0], r)
	s.sts = sts
	if err != nil {
		return dst, err
	}
	dst = append(dst, "AWS "...)
	dst = append(dst, s.accessKeyID...)
	dst = append(dst, ':')
	return s.appendSignature(dst, sts), nil
}

// Presign returns the presigned URL for r, for callers off the hot path.
func Presign(accessKeyID, secretAccessKey string, r *PresignRequest) (string, error) {
	s, err := NewSigner(accessKeyID, secretAccessKey)
	if err != nil {
		return "", err
	}
	b, err := s.AppendPresignedURL(nil, r)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Authorization returns the Authorization header value "AWS
// AKID:signature" for r, for callers off the hot path.
func Authorization(accessKeyID, secretAccessKey string, r *Request) (string, error) {
	s, err := NewSigner(accessKeyID, secretAccessKey)
	if err != nil {
		return "", err
	}
	b, err := s.AppendAuthorization(nil, r)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// signature returns Base64(HMAC-SHA1(secret, stringToSign)).
func signature(secretAccessKey, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secretAccessKey))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

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
func (v Verifier) String() string { return "Verifier(secrets redacted)" }

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
