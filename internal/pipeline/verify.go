package pipeline

import (
	"errors"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/azurehmac"
	"github.com/batchsign/batchsign/azuresas"
	"github.com/batchsign/batchsign/gcs"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv2"
	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"
)

// verifyModes declares verify: under SchemeAuto, each row judged by the
// scheme it shows (rowScheme); under one scheme, only rows of that scheme
// can be valid: a row that shows another is invalid, reason malformed (it
// is not a request of the scheme asked for), with that scheme in the
// scheme column.
func verifyModes() []modeDef {
	verify := func(only Scheme, about string, validate func(*Config) error) modeDef {
		return modeDef{mode: Verify, scheme: only, about: about, validate: validate, verdicts: true,
			newRow: func(w *worker) rowFunc {
				v := &verifier{w: w, only: only}
				w.verifying = v
				return v.verify
			},
			fields: []string{FieldID, FieldMethod, FieldURL, FieldHeaders}, refuses: []string{FieldBucket, FieldKey},
			out: verifyTable()}
	}
	return []modeDef{
		verify(SchemeAuto, "each row by the scheme it shows: sigv2 when the query has AWSAccessKeyId and Signature, azure-hmac when the Authorization is HMAC-SHA256, sigv4a for AWS4-ECDSA-P256-SHA256, gcs-rsa or gcs-hmac by X-Goog-Algorithm, azure-sas when the query has sv and sig, else sigv4",
			(*Config).validateVerify),
		verify(SchemeSigV4, "SigV4 presigned URLs and Authorization headers only; other rows are invalid (malformed)", (*Config).validateVerifyAWS),
		verify(SchemeSigV2, "S3 SigV2 presigned URLs only; other rows are invalid (malformed)", (*Config).validateVerifyAWS),
		verify(SchemeAzureHMAC, "Azure HMAC-SHA256 requests only; other rows are invalid (malformed)", (*Config).validateVerifyAzure),
		verify(SchemeSigV4a, "SigV4a presigned URLs and Authorization headers only; other rows are invalid (malformed)", (*Config).validateVerifyAWS),
		verify(SchemeGCSRSA, "GCS GOOG4-RSA-SHA256 signed URLs only; other rows are invalid (malformed)", (*Config).validateVerifyGCS),
		verify(SchemeGCSHMAC, "GCS GOOG4-HMAC-SHA256 signed URLs only; other rows are invalid (malformed)", (*Config).validateVerifyGCS),
		verify(SchemeAzureSAS, "Azure Blob service SAS URLs only; other rows are invalid (malformed)", (*Config).validateVerifyAzureSAS),
	}
}

// verifyTable is verify's output: id, valid, reason, scheme (the scheme
// judged).
func verifyTable() table {
	return table{"VerifyRecord", []Column{
		{Name: "id"}, {Name: "valid", Kind: BoolColumn}, {Name: "reason"}, {Name: "scheme"},
	}}
}

// validateVerify is modeDef.validate for Verify under SchemeAuto: the keys
// (Lookup, an Azure key, or Credentials) and the clock.
func (c *Config) validateVerify() error {
	if c.Lookup == nil && c.AzureKey == nil && c.GCS.Account == nil && c.GCS.HMACLookup == nil && c.AzureSAS.Credential == nil {
		if err := c.validateKey(); err != nil {
			return err
		}
	}
	if c.Time.IsZero() {
		return errSigningTime
	}
	return nil
}

// validateVerifyAWS is modeDef.validate for Verify under SigV4 or SigV2:
// AWS keys (Lookup or Credentials) and the clock.
func (c *Config) validateVerifyAWS() error {
	if c.Lookup == nil {
		if err := c.validateKey(); err != nil {
			return err
		}
	}
	if c.Time.IsZero() {
		return errSigningTime
	}
	return nil
}

// validateVerifyAzure is modeDef.validate for Verify under Azure HMAC: the
// Azure key and the clock. It never mentions the key.
func (c *Config) validateVerifyAzure() error {
	if len(c.AzureKey) == 0 {
		return errors.New("no Azure access key: give a connection string (endpoint=https://…/;accesskey=…)")
	}
	if c.Time.IsZero() {
		return errSigningTime
	}
	return nil
}

// validateVerifyGCS is modeDef.validate for Verify under a GCS scheme: the
// key of that algorithm and the clock. It never mentions key material.
func (c *Config) validateVerifyGCS() error {
	switch {
	case c.Scheme == SchemeGCSRSA && c.GCS.Account == nil:
		return errors.New("no service-account key: give a service-account JSON key file")
	case c.Scheme == SchemeGCSHMAC && c.GCS.HMACLookup == nil:
		return errors.New("no GCS HMAC key: give its access ID and secret")
	case c.Time.IsZero():
		return errSigningTime
	}
	return nil
}

// validateVerifyAzureSAS is modeDef.validate for Verify under azure-sas:
// the storage account key and the clock. It never mentions the key.
func (c *Config) validateVerifyAzureSAS() error {
	if c.AzureSAS.Credential == nil {
		return errors.New("no storage account key: give a connection string (AccountName=…;AccountKey=…) or the account and key")
	}
	if c.Time.IsZero() {
		return errSigningTime
	}
	return nil
}

// verifier is a worker's Verify-mode state: its own SigV4 and SigV2
// verifiers and Azure signer (none is safe for concurrent use), made on
// first use.
type verifier struct {
	w      *worker
	only   Scheme // the scheme rows must show; SchemeAuto: any
	ready  bool
	lookup sigv4.SecretLookup
	v4     *sigv4.Verifier
	v2     *sigv2.Verifier
	az     *azurehmac.Signer
	v4a    *sigv4a.Verifier
	gcs    *gcs.Verifier
	sas    *azuresas.Verifier
	// pend is a SigV4 presigned URL row waiting for the next, to be
	// judged with it (verifyPaired).
	pend pendingVerify
}

// pendingVerify is a row verifyPaired holds back: the row and its method.
type pendingVerify struct {
	ok     bool
	r      *Row
	method string
}

// credentialsLookup knows the one access key of c.
func credentialsLookup(c sigv4.Credentials) sigv4.SecretLookup {
	return func(id string) (string, bool) {
		if id == "" || id != c.AccessKeyID || c.SecretAccessKey == "" {
			return "", false
		}
		return c.SecretAccessKey, true
	}
}

// init makes the verifiers on first use.
func (v *verifier) init() {
	if v.ready {
		return
	}
	w := v.w
	v.lookup = w.cfg.Lookup
	if v.lookup == nil {
		v.lookup = credentialsLookup(w.cfg.Credentials)
	}
	v.v4 = sigv4.NewVerifier(v.lookup, sigv4.VerifyOptions{Now: w.t, Region: w.cfg.Region, Service: w.cfg.Service, Keys: w.keys})
	v.v2 = sigv2.NewVerifier(v.lookup)
	v.v4a = sigv4a.NewVerifier(v.lookup, sigv4a.VerifyOptions{Now: w.t, Region: w.cfg.Region, Service: w.cfg.Service, Keys: w.cfg.SigV4aKeys})
	v.gcs = gcs.NewVerifier(w.cfg.gcsKeys(), gcs.VerifyOptions{Now: w.t})
	v.sas = azuresas.NewVerifier(w.cfg.azureSASLookup(), w.t)
	if len(w.cfg.AzureKey) > 0 {
		v.az, _ = azurehmac.NewSigner(w.cfg.AzureKey)
	}
	v.ready = true
}

// verify judges r: a presigned URL (SigV4 or SigV2) when its headers carry
// no Authorization, else a signed request (SigV4, or Azure HMAC-SHA256 when
// the Authorization says so). An invalid signature is an answer, written
// with its reason; only a row that cannot be judged (no url, a bad method
// or id) is an error, and so a reject.
func (v *verifier) verify(r *Row, b *Batch) error {
	w := v.w
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return err
	}
	method, ok := canonicalMethod(r.Method)
	if !ok && isAzureAuth(headerValue(r.Headers, "authorization")) {
		method, ok = azureMethod(r.Method) // Azure REST APIs also PATCH
	}
	if !ok {
		return fieldErr(FieldMethod, detail(ErrMethod, "got "+strconv.Quote(r.Method)))
	}
	switch {
	case r.URL == "":
		return fieldErr(FieldURL, detail(sigerr.ErrMissingField, "verify needs the url to judge"))
	case r.Bucket != "" || r.Key != "":
		return fieldErr(FieldURL, detail(ErrConflict, "verify takes a url, not bucket and key"))
	}
	v.init()
	auth := headerValue(r.Headers, "authorization")
	scheme := rowScheme(r.URL, auth)
	if scheme == SchemeSigV4 && auth == "" && (v.only == SchemeAuto || v.only == SchemeSigV4) {
		return v.verifyPaired(r, b, method)
	}
	v.flush(b)
	var err error
	switch {
	case v.only != SchemeAuto && scheme != v.only:
		scheme = v.only
		err = sigerr.ErrMalformed
	case scheme == SchemeSigV2:
		err = v.v2.Verify(r.URL, w.t, &sigv2.VerifyOptions{Method: method, Headers: r.Headers})
	case scheme == SchemeGCSRSA || scheme == SchemeGCSHMAC:
		err = v.gcs.PresignedURL(method, r.URL, r.Headers)
	case scheme == SchemeAzureSAS:
		err = v.sas.PresignedURL(method, r.URL)
	case scheme == SchemeSigV4a && auth == "":
		err = v.v4a.PresignedURL(method, r.URL, r.Headers, "")
	case scheme == SchemeSigV4a:
		err = v.v4a.Request(method, r.URL, r.Headers, "")
	case auth == "":
		err = v.v4.PresignedURL(method, r.URL, r.Headers, "")
	case scheme == SchemeAzureHMAC:
		if v.az == nil {
			err = sigerr.ErrUnknownKey
		} else {
			hs := r.Headers
			err = v.az.Verify(method, r.URL, func(name string) string { return headerValue(hs, name) }, nil, w.t)
		}
	default:
		err = v.v4.Request(method, r.URL, r.Headers, "")
	}
	return w.appendVerdict(r, b, scheme, err)
}

// verifyPaired judges a SigV4 presigned URL row two at a time: the first
// of a pair waits (errDeferred); the second is judged with it in one
// two-lane SHA-256 pass (sigv4.Verifier.PresignedURLPair), the first's
// verdict written first. Any other row flushes the waiting one before its
// own verdict or reject (flush, called by worker.flushPending), so the
// output stays in row order.
func (v *verifier) verifyPaired(r *Row, b *Batch, method string) error {
	q := &v.pend
	if !q.ok {
		q.ok, q.r, q.method = true, r, method
		return errDeferred
	}
	err0, err1 := v.v4.PresignedURLPair(q.method, q.r.URL, q.r.Headers, method, r.URL, r.Headers)
	v.finish(b, err0)
	return v.w.appendVerdict(r, b, SchemeSigV4, err1)
}

// flush judges the row waiting for a partner alone, if there is one.
func (v *verifier) flush(b *Batch) {
	if v.pend.ok {
		q := &v.pend
		v.finish(b, v.v4.PresignedURL(q.method, q.r.URL, q.r.Headers, ""))
	}
}

// finish writes the waiting row's verdict under err, or its reject, and
// lets it go.
func (v *verifier) finish(b *Batch, err error) {
	q := &v.pend
	r := q.r
	*q = pendingVerify{}
	if err := v.w.appendVerdict(r, b, SchemeSigV4, err); err != nil {
		b.rejects = append(b.rejects, rejectOf(r, err))
		return
	}
	b.signed++
}

// appendVerdict writes the verify output row of r judged under scheme:
// valid when err is nil, else invalid with err's reason, counted in b. An
// error without a verification reason could not judge the row: it is
// returned, naming the url, and the row becomes a reject.
func (w *worker) appendVerdict(r *Row, b *Batch, scheme Scheme, err error) error {
	reason := sigerr.ReasonOf(err)
	if err != nil && reason == 0 {
		return fieldErr(FieldURL, err)
	}
	code := ""
	if err == nil {
		b.valid++
	} else {
		code = reason.Code()
		b.invalid[min(int(reason), reasonSlots-1)]++
	}
	w.rec = append(w.rec[:0], stringValue(r.ID), boolValue(err == nil), stringValue(code), stringValue(string(scheme)))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// rowScheme is the scheme a row shows: SigV2 for a URL with SigV2 query
// auth and no Authorization, Azure HMAC for an Azure HMAC-SHA256
// Authorization, SigV4a for AWS4-ECDSA-P256-SHA256 (X-Amz-Algorithm or the
// Authorization), GCS for a URL with X-Goog-Algorithm (gcs-hmac when it is
// GOOG4-HMAC-SHA256, else gcs-rsa), Azure SAS for a URL whose query has
// sv and sig, else SigV4 (query auth or an Authorization header). A row
// with an Authorization is judged by it alone; a URL's query is read once
// (queryMarks).
func rowScheme(rawURL, auth string) Scheme {
	if auth != "" {
		switch {
		case isAzureAuth(auth):
			return SchemeAzureHMAC
		case strings.HasPrefix(auth, sigv4a.Algorithm):
			return SchemeSigV4a
		}
		return SchemeSigV4
	}
	m := marksOf(rawURL)
	switch {
	case m.awsAccessKeyID && m.signature:
		return SchemeSigV2
	case m.amzAlgorithm == sigv4a.Algorithm:
		return SchemeSigV4a
	case m.sv && m.sig:
		return SchemeAzureSAS
	}
	switch m.googAlgorithm {
	case "":
	case gcs.AlgorithmHMAC:
		return SchemeGCSHMAC
	default:
		return SchemeGCSRSA
	}
	return SchemeSigV4
}

// queryMarks are the query parameters by which rowScheme tells the schemes
// apart, read in one pass over the text after the URL's first '?'.
type queryMarks struct {
	// awsAccessKeyID and signature: SigV2 query authentication.
	awsAccessKeyID, signature bool
	// amzAlgorithm is the first X-Amz-Algorithm's value, googAlgorithm the
	// first X-Goog-Algorithm's (its name in any case, as Cloud Storage
	// reads it).
	amzAlgorithm, googAlgorithm string
	// sv and sig: an Azure SAS. These two are looked for past a '#' too.
	sv, sig bool
}

// marksOf reads the queryMarks of rawURL. A parameter whose name begins
// with none of the letters the marks begin with is passed over by its first
// byte; the one that holds the first '#' is read as rowSchemeReference
// reads it.
func marksOf(rawURL string) (m queryMarks) {
	q := strings.IndexByte(rawURL, '?')
	if q < 0 {
		return m
	}
	query := rawURL[q+1:]
	var amzSeen, googSeen, fragment bool
	hash := strings.IndexByte(query, '#') // where the fragment starts, -1 without one
	for off := 0; off < len(query); {
		start, end := off, strings.IndexByte(query[off:], '&')
		if end < 0 {
			end = len(query)
		} else {
			end += off
		}
		off = end + 1
		part := query[start:end]
		switch {
		case part == "":
		case fragment || (hash >= start && hash < end):
			if isName(part, "sv") {
				m.sv = true
			} else if isName(part, "sig") {
				m.sig = true
			}
			if fragment {
				continue
			}
			fragment = true
			name, v, _ := strings.Cut(part[:hash-start], "=")
			switch name {
			case "AWSAccessKeyId":
				m.awsAccessKeyID = true
			case "Signature":
				m.signature = true
			case "X-Amz-Algorithm":
				if !amzSeen {
					amzSeen, m.amzAlgorithm = true, v
				}
			}
			if !googSeen && len(name) == len("X-Goog-Algorithm") && strings.EqualFold(name, "X-Goog-Algorithm") {
				googSeen, m.googAlgorithm = true, v
			}
		case part[0] == 's':
			if isName(part, "sv") {
				m.sv = true
			} else if isName(part, "sig") {
				m.sig = true
			}
		case part[0] == 'A':
			m.awsAccessKeyID = m.awsAccessKeyID || isName(part, "AWSAccessKeyId")
		case part[0] == 'S':
			m.signature = m.signature || isName(part, "Signature")
		case part[0] == 'X' || part[0] == 'x':
			if !amzSeen && isName(part, "X-Amz-Algorithm") {
				amzSeen, m.amzAlgorithm = true, part[min(len("X-Amz-Algorithm="), len(part)):]
			}
			if !googSeen && len(part) >= len("X-Goog-Algorithm") && (len(part) == len("X-Goog-Algorithm") || part[len("X-Goog-Algorithm")] == '=') &&
				strings.EqualFold(part[:len("X-Goog-Algorithm")], "X-Goog-Algorithm") {
				googSeen, m.googAlgorithm = true, part[min(len("X-Goog-Algorithm="), len(part)):]
			}
		}
	}
	return m
}

// isName reports whether the query parameter part ("name=value" or "name")
// is named name.
func isName(part, name string) bool {
	return len(part) >= len(name) && part[:len(name)] == name && (len(part) == len(name) || part[len(name)] == '=')
}

// isAzureAuth reports whether an Authorization value is Azure HMAC-SHA256.
func isAzureAuth(auth string) bool {
	return len(auth) >= 11 && strings.EqualFold(auth[:11], "HMAC-SHA256")
}

// headerValue returns the value of the last header named name (any case),
// "" when there is none.
func headerValue(hs []sigv4.Header, name string) string {
	v := ""
	for _, h := range hs {
		if strings.EqualFold(strings.TrimSpace(h.Name), name) {
			v = h.Value
		}
	}
	return strings.TrimSpace(v)
}
