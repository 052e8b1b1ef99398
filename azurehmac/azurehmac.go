package azurehmac

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"hash"
	"log/slog"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/sigerr"
)

// Azure Communication Services HMAC-SHA256 request signing, the scheme of
// Microsoft's communication-common client libraries (HmacAuthenticationPolicy):
//
//	x-ms-date:           Wed, 21 Jan 2026 17:00:56 GMT          (RFC 1123, always GMT)
//	x-ms-content-sha256: base64(SHA-256(body))                  (also for an empty body)
//	Authorization:       HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<sig>
//	sig = base64(HMAC-SHA256(base64decode(accesskey),
//	                         VERB "\n" path?query "\n" date ";" host ";" contenthash))
//
// Facts pinned by testdata/azure-hmac-vectors.json (signed by
// Microsoft's library with a fixed clock):
//   - host is the URL's authority as written, port included when the URL has
//     one ("localhost:8443"). Microsoft's Java library signs url.getHost()
//     (no port) and would disagree for such URLs; the vectors and the
//     JavaScript/Python libraries include it. Whatever is signed must be the
//     Host header sent, so the signer returns the Host it signed.
//   - path and query are taken exactly as written in the URL: not decoded, not
//     re-encoded, not sorted ("/phoneNumbers/+14255550123?…&b=a-b",
//     "/emails:send?z=last&a=first"). An empty path is "/".
//   - the verb is upper-case.

// dateLayout is the x-ms-date format: RFC 1123 with a literal GMT zone
// and a two-digit day (time.RFC1123 would print the zone of the time value).
const dateLayout = "Mon, 02 Jan 2006 15:04:05 GMT"

// signedHeadersValue is the SignedHeaders value Microsoft's libraries send
// (this order, which is also the order of the values in the string to sign).
const signedHeadersValue = "x-ms-date;host;x-ms-content-sha256"

// AppendDate appends t as an x-ms-date value (converted to UTC).
func AppendDate(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, dateLayout)
}

// AppendContentHash appends an x-ms-content-sha256 value: the base64
// of a body's SHA-256, computed by the caller (Sum256 for a body in memory,
// NewSHA256 to stream a body_file).
func AppendContentHash(dst []byte, sum *[32]byte) []byte {
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// ErrRequest is wrapped by every error about a request or connection
// string that cannot be used for Azure HMAC signing. Such errors never quote
// the connection string or the key.
const ErrRequest = sigcore.ConstError("azure-hmac: cannot sign request")

// azureSplitURL returns the authority and the path and query exactly as
// written (empty path as "/"), by sigcore.SplitURL's rules: user
// information, a fragment, or a byte a request target cannot carry is an
// error, for signing and verifying alike.
func azureSplitURL(rawURL string) (host, path, query string, err error) {
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return "", "", "", err
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.Host, u.Path, u.RawQuery, nil
}

// HostAndPath returns the two URL parts Azure HMAC signs: the host
// (authority as written, port included) and the path and query exactly as
// written.
func HostAndPath(rawURL string) (host, pathAndQuery string, err error) {
	h, p, q, err := azureSplitURL(rawURL)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrRequest, err)
	}
	if q != "" {
		p += "?" + q
	}
	return h, p, nil
}

// appendAzureStringToSign appends VERB\npath?query\nvalues, with the verb
// upper-cased.
func appendAzureStringToSign(dst []byte, method, path, query string) []byte {
	for i := 0; i < len(method); i++ {
		c := method[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, '\n')
	dst = append(dst, path...)
	if query != "" {
		dst = append(dst, '?')
		dst = append(dst, query...)
	}
	return append(dst, '\n')
}

// appendStringToSign appends the string to sign for the default signed
// headers: VERB "\n" pathAndQuery "\n" date ";" host ";" contentHash. It is
// exported for tests and for explaining a mismatch.
func appendStringToSign(dst []byte, method, pathAndQuery, date, host, contentHash string) []byte {
	path, query, _ := strings.Cut(pathAndQuery, "?")
	dst = appendAzureStringToSign(dst, method, path, query)
	dst = append(dst, date...)
	dst = append(dst, ';')
	dst = append(dst, host...)
	dst = append(dst, ';')
	return append(dst, contentHash...)
}

// Headers are the headers an Azure HMAC-signed request carries; the
// names are the header names to send.
type Headers struct {
	Host          string // Host: the value that was signed; send exactly this
	Date          string // x-ms-date
	ContentSHA256 string // x-ms-content-sha256
	Authorization string // Authorization
}

// Signer signs requests under one Azure access key. It keeps the
// HMAC-SHA256 key state and scratch space so that signing allocates nothing
// in steady state; it is not safe for concurrent use (one per worker). It
// never prints its key.
type Signer struct {
	mac hash.Hash
	sts []byte
	sum [32]byte
}

// NewSigner prepares a signer for key, the base64-decoded access key
// (see ParseConnectionString, or DecodeAccessKey).
func NewSigner(key []byte) (*Signer, error) {
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty access key", ErrRequest)
	}
	return &Signer{mac: hmac.New(sha256block.NewSHA256, key), sts: make([]byte, 0, 256)}, nil
}

// String redacts the key.
func (s Signer) String() string { return "Signer(key redacted)" }

// GoString redacts the key.
func (s Signer) GoString() string { return s.String() }

// Format redacts the key for every verb.
func (s Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// appendSignature appends base64(HMAC-SHA256(key, sts)).
func (s *Signer) appendSignature(dst, sts []byte) []byte {
	s.mac.Reset()
	s.mac.Write(sts)
	return base64.StdEncoding.AppendEncode(dst, s.mac.Sum(s.sum[:0]))
}

// AppendAuthorization appends the Authorization value for a request with
// method and rawURL, signed at t, whose body hashes to contentSHA256:
// "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…".
// The request must also carry x-ms-date = AppendDate(t), x-ms-content-sha256
// = AppendContentHash(contentSHA256) and Host = the URL's host.
func (s *Signer) AppendAuthorization(dst []byte, method, rawURL string, t time.Time, contentSHA256 *[32]byte) ([]byte, error) {
	if method == "" {
		return dst, fmt.Errorf("%w: method: empty", ErrRequest)
	}
	host, path, query, err := azureSplitURL(rawURL)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrRequest, err)
	}
	sts := appendAzureStringToSign(s.sts[:0], method, path, query)
	sts = AppendDate(sts, t)
	sts = append(sts, ';')
	sts = append(sts, host...)
	sts = append(sts, ';')
	sts = AppendContentHash(sts, contentSHA256)
	s.sts = sts
	dst = append(dst, "HMAC-SHA256 SignedHeaders="+signedHeadersValue+"&Signature="...)
	return s.appendSignature(dst, sts), nil
}

// Sign returns all the headers for a request whose body hashes to
// contentSHA256 (sha256block.Sum256(body), or a hash streamed elsewhere).
func (s *Signer) Sign(method, rawURL string, t time.Time, contentSHA256 [32]byte) (Headers, error) {
	auth, err := s.AppendAuthorization(make([]byte, 0, 128), method, rawURL, t, &contentSHA256)
	if err != nil {
		return Headers{}, err
	}
	host, _, _, _ := azureSplitURL(rawURL)
	return Headers{
		Host:          host,
		Date:          string(AppendDate(make([]byte, 0, len(dateLayout)), t)),
		ContentSHA256: string(AppendContentHash(make([]byte, 0, 44), &contentSHA256)),
		Authorization: string(auth),
	}, nil
}

// Sign signs a request with an in-memory body (nil for none) under
// key (the decoded access key), for callers off the hot path.
func Sign(key []byte, method, rawURL string, body []byte, t time.Time) (Headers, error) {
	return signWithHash(key, method, rawURL, sha256block.Sum256(body), t)
}

// signWithHash is Sign for a body already hashed, so large
// bodies can be streamed through NewSHA256 elsewhere.
func signWithHash(key []byte, method, rawURL string, contentSHA256 [32]byte, t time.Time) (Headers, error) {
	s, err := NewSigner(key)
	if err != nil {
		return Headers{}, err
	}
	return s.Sign(method, rawURL, t, contentSHA256)
}

// ConnectionString is a parsed "endpoint=https://…/;accesskey=<base64>"
// connection string. The key is unexported and never printed (String,
// GoString, Format, LogValue redact it; JSON sees only Endpoint).
type ConnectionString struct {
	Endpoint string // as given, e.g. "https://contoso.communication.azure.com/"
	key      *sigcore.Secret
}

// ParseConnectionString parses a Communication Services connection
// string: ';'-separated name=value fields, names case-insensitive,
// surrounding spaces ignored, empty fields ignored, unknown fields ignored
// (forward compatibility); endpoint must be an absolute http(s) URL and
// accesskey standard base64 of a non-empty key. Errors name the field and the
// problem but never quote any part of the string: a malformed string may hold
// the key anywhere.
func ParseConnectionString(s string) (ConnectionString, error) {
	fail := func(msg string) (ConnectionString, error) {
		return ConnectionString{}, fmt.Errorf("%w: connection string: %s", ErrRequest, msg)
	}
	v, found, err := sigcore.ConnectionStringFields(s, "endpoint", "accesskey")
	if err != nil {
		return fail(err.Error())
	}
	endpoint, accessKey, haveEndpoint, haveKey := v[0], v[1], found[0], found[1]
	if !haveEndpoint {
		return fail("no endpoint field")
	}
	if !haveKey {
		return fail("no accesskey field")
	}
	if _, _, _, err := azureSplitURL(endpoint); err != nil {
		return fail("endpoint is not an absolute http(s) URL with a host")
	}
	key, err := decodeAccessKey(accessKey)
	if err != nil {
		return ConnectionString{}, err
	}
	return ConnectionString{Endpoint: endpoint, key: sigcore.NewSecret(key)}, nil
}

// decodeAccessKey decodes a base64 access key (as found in a connection
// string or the portal). Errors never quote the input.
func decodeAccessKey(accessKey string) ([]byte, error) {
	key, err := sigcore.DecodeBase64Key("accesskey", accessKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrRequest, err.Error())
	}
	return key, nil
}

// Key returns a copy of the decoded access key, for NewSigner.
func (c ConnectionString) Key() []byte { return append([]byte(nil), c.key.Bytes()...) }

// String shows the endpoint only.
func (c ConnectionString) String() string {
	return "azurehmac.ConnectionString{Endpoint: " + c.Endpoint + ", accesskey: redacted}"
}

// GoString redacts the key.
func (c ConnectionString) GoString() string { return c.String() }

// Format redacts the key for every verb.
func (c ConnectionString) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue keeps the key out of structured logs.
func (c ConnectionString) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Verify checks an Azure HMAC-SHA256 signed request as the service
// would at instant now. header returns a request header's value by
// (lower-case) name, "" when absent (http.Header.Get fits). bodySHA256, when
// not nil, is the SHA-256 of the body actually received and is checked
// against x-ms-content-sha256. key is the decoded access key.
//
// It returns nil for a valid request, otherwise a *sigerr.VerifyError whose reason
// is sigerr.ErrMalformed (no or unparsable Authorization, missing or unparsable
// date), sigerr.ErrUnsignedHeader (SignedHeaders lacks x-ms-date/date, host or
// x-ms-content-sha256), sigerr.ErrSignatureMismatch, sigerr.ErrContentHashMismatch (the
// signature is good but the body is not the one it covers) or sigerr.ErrClockSkew
// (the signed date is more than sigcore.MaxClockSkew from now). Checks run in that
// order, so a skew or content reason implies an authentic signature. The
// signature comparison is constant-time; errors never contain the key or the
// expected signature.
//
// rawURL is read as a client would send it, by the rules every batchsign
// scheme shares, signing (AppendAuthorization, Sign, HostAndPath) and
// verifying alike: http or https; a host that is a DNS name (labels of 1–63
// bytes, 253 in all), an IPv4 address or a bracketed IPv6 literal, with an
// optional port 1–65535; a path and query of the bytes an HTTP/1.1 request
// target carries (a space, a control byte, a raw non-ASCII byte or
// '"<>\^`{|}[]' must be percent-encoded); no user information and no
// fragment. Anything else is sigerr.ErrMalformed, field "url" (ErrRequest
// when signing), quoting no part of the URL.
//
// A host header that is absent is taken from the URL. Any SignedHeaders list
// that includes the required three is accepted, values joined by ';' in its
// order, as the service does.
//
// It prepares the key for the one call; to verify many requests under one
// key, keep an Signer and call its Verify.
func Verify(method, rawURL string, header func(name string) string, bodySHA256 *[32]byte, key []byte, now time.Time) error {
	s, err := NewSigner(key)
	if err != nil {
		return sigcore.Fail("azure-hmac", sigerr.ErrUnknownKey, "key", "empty access key")
	}
	return s.Verify(method, rawURL, header, bodySHA256, now)
}

// Verify checks a request signed under the signer's key; see
// Verify.
func (s *Signer) Verify(method, rawURL string, header func(name string) string, bodySHA256 *[32]byte, now time.Time) error {
	const scheme = "azure-hmac"
	host, path, query, err := azureSplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(scheme, err)
	}
	auth := header("authorization")
	const prefix = "HMAC-SHA256 "
	if len(auth) < len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "Authorization", "not an HMAC-SHA256 authorization")
	}
	var signedHeaders, signature string
	var haveSH, haveSig bool
	for part := range strings.SplitSeq(strings.TrimSpace(auth[len(prefix):]), "&") {
		name, value, _ := strings.Cut(part, "=")
		switch {
		case strings.EqualFold(name, "SignedHeaders") && !haveSH:
			signedHeaders, haveSH = value, true
		case strings.EqualFold(name, "Signature") && !haveSig:
			signature, haveSig = value, true
		case strings.EqualFold(name, "SignedHeaders"), strings.EqualFold(name, "Signature"):
			return sigcore.Fail(scheme, sigerr.ErrMalformed, "Authorization", name+" given twice")
		}
	}
	if !haveSH || !haveSig || signedHeaders == "" || signature == "" {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "Authorization", "needs SignedHeaders and Signature")
	}
	var hasDate, hasHost, hasHash bool
	dateHeader := ""
	for name := range strings.SplitSeq(signedHeaders, ";") {
		switch strings.ToLower(name) {
		case "x-ms-date":
			hasDate, dateHeader = true, "x-ms-date"
		case "date":
			if !hasDate {
				hasDate, dateHeader = true, "date"
			}
		case "host":
			hasHost = true
		case "x-ms-content-sha256":
			hasHash = true
		}
	}
	switch {
	case !hasDate:
		return sigcore.Fail(scheme, sigerr.ErrUnsignedHeader, "x-ms-date", "not in SignedHeaders")
	case !hasHost:
		return sigcore.Fail(scheme, sigerr.ErrUnsignedHeader, "host", "not in SignedHeaders")
	case !hasHash:
		return sigcore.Fail(scheme, sigerr.ErrUnsignedHeader, "x-ms-content-sha256", "not in SignedHeaders")
	}
	dateValue := header(dateHeader)
	signedAt, err := time.Parse(dateLayout, dateValue)
	if err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, dateHeader, "not an RFC 1123 GMT date: "+sigcore.QuoteForError(dateValue))
	}
	contentHash := header("x-ms-content-sha256")
	if contentHash == "" {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "x-ms-content-sha256", "missing")
	}

	sts := appendAzureStringToSign(s.sts[:0], method, path, query)
	first := true
	for name := range strings.SplitSeq(signedHeaders, ";") {
		if !first {
			sts = append(sts, ';')
		}
		first = false
		v := header(strings.ToLower(name))
		if strings.EqualFold(name, "host") && v == "" {
			v = host
		}
		sts = append(sts, v...)
	}
	s.sts = sts
	var want [44]byte
	if !sigcore.ConstantTimeEqual(s.appendSignature(want[:0], sts), []byte(signature)) {
		return sigcore.Fail(scheme, sigerr.ErrSignatureMismatch, "Signature", "")
	}
	if bodySHA256 != nil {
		var got [44]byte
		if string(AppendContentHash(got[:0], bodySHA256)) != contentHash { // not secret: plain compare
			return sigcore.Fail(scheme, sigerr.ErrContentHashMismatch, "x-ms-content-sha256", "does not match the body")
		}
	}
	if d := now.Sub(signedAt); d > sigcore.MaxClockSkew || d < -sigcore.MaxClockSkew {
		return sigcore.Fail(scheme, sigerr.ErrClockSkew, dateHeader, dateValue+" is "+d.Round(time.Second).String()+" from now (limit 15m)")
	}
	return nil
}
