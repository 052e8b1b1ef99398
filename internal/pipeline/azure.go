package pipeline

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batchsign/batchsign/azurehmac"
	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// Azure Communication Services HMAC-SHA256 signing (sign --scheme
// azure-hmac). A row gives:
//
//   - method: GET (default), HEAD, POST, PUT, PATCH or DELETE;
//   - url: an absolute http(s) URL, signed exactly as written (path and query
//     are neither decoded nor re-encoded nor sorted), or a path starting with
//     a single '/', resolved against the connection string's endpoint
//     (trailing slashes of the endpoint dropped: endpoint
//     https://contoso.communication.azure.com/ and url /identities?x=1 give
//     https://contoso.communication.azure.com/identities?x=1);
//   - the body as inline text (body), or a file to stream (body_file), or
//     neither (an empty body); content_sha256 (hex), when given, is checked
//     against the body's hash, or stands for the body when there is none.
//
// SigV4-only fields (bucket, key, region, service, query, headers, payload
// "unsigned") are refused, naming the field: nothing a row asks for is
// silently dropped. The output row carries the URL as resolved and the
// headers Host, x-ms-date, x-ms-content-sha256 and Authorization. Host is
// the authority that was signed (port included when the URL has one); the
// request must be sent with exactly that Host.

// azureHMACModes declares sign under Azure HMAC-SHA256. (Verify's Azure
// support is in verify.go.)
func azureHMACModes() []modeDef {
	return []modeDef{
		{mode: Sign, scheme: SchemeAzureHMAC, about: "Azure Communication Services HMAC-SHA256 headers: Host, x-ms-date, x-ms-content-sha256, Authorization",
			validate: (*Config).validateAzureSign,
			newRow:   func(w *worker) rowFunc { return (&azureSign{w: w}).sign },
			fields:   []string{FieldID, FieldMethod, FieldURL, FieldBody, FieldBodyFile, FieldContentSHA256, FieldPayload},
			refuses:  []string{FieldBucket, FieldKey, FieldRegion, FieldService, FieldExpires, FieldQuery, FieldHeaders},
			out:      signTable("Host", "x-ms-date", "x-ms-content-sha256", "Authorization")},
	}
}

// azureSign is a worker's Azure signer (not safe for concurrent use, made
// on first use) and its scratch space.
type azureSign struct {
	w      *worker
	signer *azurehmac.Signer
	date   string // x-ms-date: one signing instant per run
	hdrs   [4]sigv4.Header
	buf    []byte // x-ms-content-sha256 and Authorization of the current row
	body   []byte // the inline body, as bytes to hash
}

// validateAzureSign checks what Sign under SchemeAzureHMAC needs instead of
// credentials. It never mentions the key.
func (c *Config) validateAzureSign() error {
	switch {
	case len(c.AzureKey) == 0:
		return errors.New("no Azure access key: give a connection string (endpoint=https://…/;accesskey=…)")
	case c.Time.IsZero():
		return errSigningTime
	}
	if c.AzureEndpoint != "" {
		if _, err := ParseURL(c.AzureEndpoint); err != nil || strings.ContainsAny(c.AzureEndpoint, "?") {
			return errors.New("the connection string's endpoint is not an absolute http(s) URL without a query")
		}
	}
	return nil
}

// azureMethod is canonicalMethod plus PATCH, which Azure REST APIs use.
func azureMethod(m string) (string, bool) {
	if c, ok := canonicalMethod(m); ok {
		return c, true
	}
	if strings.EqualFold(m, "PATCH") {
		return "PATCH", true
	}
	return "", false
}

// sign signs r with Azure HMAC-SHA256 and emits the URL and headers.
func (st *azureSign) sign(r *Row, b *Batch) error {
	w := st.w
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return err
	}
	method, ok := azureMethod(r.Method)
	if !ok {
		return fieldErr(FieldMethod, detail(ErrMethod, "azure-hmac also takes PATCH; got "+strconv.Quote(r.Method)))
	}
	if err := checkAzureFields(r); err != nil {
		return err
	}
	rawURL, err := w.azureURL(r.URL)
	if err != nil {
		return err
	}
	if err := st.init(); err != nil {
		return err
	}
	sum, err := st.contentHash(r)
	if err != nil {
		return err
	}
	buf := azurehmac.AppendContentHash(st.buf[:0], &sum)
	hashEnd := len(buf)
	buf, err = st.signer.AppendAuthorization(buf, method, rawURL, w.t, &sum)
	if err != nil {
		return fieldErr(FieldURL, err)
	}
	st.buf = buf
	vals := string(buf) // one allocation for both per-row values
	host, _, _ := azurehmac.HostAndPath(rawURL)
	st.hdrs = [4]sigv4.Header{
		{Name: "Host", Value: host},
		{Name: "x-ms-date", Value: st.date},
		{Name: "x-ms-content-sha256", Value: vals[:hashEnd]},
		{Name: "Authorization", Value: vals[hashEnd:]},
	}
	w.url = append(w.url[:0], rawURL...)
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(method), bytesValue(w.url), headersValue(st.hdrs[:]))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// init makes the signer on first use.
func (st *azureSign) init() error {
	if st.signer != nil {
		return nil
	}
	s, err := azurehmac.NewSigner(st.w.cfg.AzureKey)
	if err != nil {
		return err
	}
	st.signer, st.date = s, string(azurehmac.AppendDate(nil, st.w.t))
	return nil
}

// checkAzureFields refuses the SigV4 fields an Azure row cannot use.
func checkAzureFields(r *Row) error {
	const why = "not used by azure-hmac"
	switch {
	case r.Bucket != "":
		return fieldErr(FieldBucket, detail(ErrConflict, why+"; give a url"))
	case r.Key != "":
		return fieldErr(FieldKey, detail(ErrConflict, why+"; give a url"))
	case r.Region != "":
		return fieldErr(FieldRegion, detail(ErrConflict, why))
	case r.Service != "":
		return fieldErr(FieldService, detail(ErrConflict, why))
	case r.HasExpires:
		return fieldErr(FieldExpires, detail(ErrConflict, why+" (x-ms-date is checked against a 15-minute clock skew)"))
	case len(r.Query) > 0:
		return fieldErr(FieldQuery, detail(ErrConflict, why+"; write the query in the url, encoded as it is to be sent"))
	case len(r.Headers) > 0:
		return fieldErr(FieldHeaders, detail(ErrConflict, "azure-hmac signs x-ms-date, host and x-ms-content-sha256 only"))
	case r.Payload != "" && r.Payload != "signed":
		return fieldErr(FieldPayload, detail(sigerr.ErrInvalidValue, "azure-hmac always signs the body's SHA-256; want \"signed\" or nothing, got "+strconv.Quote(r.Payload)))
	}
	return nil
}

// azureURL returns the URL to sign: r's url as written when absolute, or
// resolved against the endpoint when it is a path. The URL must be plain
// ASCII without spaces, controls or a fragment: what is signed is what a
// client sends, byte for byte.
func (w *worker) azureURL(u string) (string, error) {
	if u == "" {
		return "", fieldErr(FieldURL, detail(sigerr.ErrMissingField, "give an absolute URL or a path starting with '/'"))
	}
	if u[0] == '/' {
		if strings.HasPrefix(u, "//") {
			return "", fieldErr(FieldURL, detail(ErrURL, "a path must not start with '//'"))
		}
		if w.cfg.AzureEndpoint == "" {
			return "", fieldErr(FieldURL, detail(ErrURL, "a path needs the connection string's endpoint; give an absolute URL"))
		}
		u = strings.TrimRight(w.cfg.AzureEndpoint, "/") + u
	} else if !strings.Contains(u, "://") {
		return "", fieldErr(FieldURL, detail(ErrURL, "want an absolute http(s) URL or a path starting with '/' (resolved against the endpoint)"))
	}
	if _, err := ParseURL(u); err != nil {
		return "", err
	}
	for i := 0; i < len(u); i++ {
		if u[i] >= utf8.RuneSelf {
			return "", fieldErr(FieldURL, detail(ErrURL, "non-ASCII byte at "+strconv.Itoa(i)+" (percent-encode it as it is to be sent)"))
		}
	}
	return u, nil
}

// contentHash returns the SHA-256 that x-ms-content-sha256 carries: of
// body, of body_file (streamed through the worker's reused buffer, as for
// SigV4), of content_sha256's value, or of an empty body.
func (st *azureSign) contentHash(r *Row) ([32]byte, error) {
	var sum [32]byte
	if r.Body == "" {
		h, err := st.w.payloadHash(r) // body_file and content_sha256, checked alike
		if err != nil || h == "" {
			return sha256block.Sum256(nil), err
		}
		_, err = hex.Decode(sum[:], []byte(h))
		return sum, err
	}
	if r.BodyFile != "" {
		return sum, fieldErr(FieldBody, detail(ErrConflict, "give body or body_file, not both"))
	}
	st.body = append(st.body[:0], r.Body...)
	sum = sha256block.Sum256(st.body)
	if r.ContentSHA256 != "" {
		var given [32]byte
		if len(r.ContentSHA256) != 64 {
			return sum, fieldErr(FieldContentSHA256, detail(sigerr.ErrInvalidValue, "want 64 hex digits"))
		}
		if _, err := hex.Decode(given[:], []byte(r.ContentSHA256)); err != nil || given != sum {
			return sum, fieldErr(FieldContentSHA256, detail(sigerr.ErrInvalidValue, "does not match the SHA-256 of body ("+hex.EncodeToString(sum[:])+")"))
		}
	}
	return sum, nil
}
