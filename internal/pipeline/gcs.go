package pipeline

import (
	"crypto/rsa"
	"errors"
	"strings"
	"time"

	"github.com/batchsign/batchsign/gcs"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// Google Cloud Storage V4 signed URLs (presign --scheme gcs-rsa and
// gcs-hmac, package gcs). A row gives:
//
//   - method: GET (default), HEAD, PUT, POST (a resumable upload's start:
//     sign "x-goog-resumable: start") or DELETE;
//   - bucket and key (the object name, raw UTF-8; no key signs the bucket,
//     a listing), placed path-style, https://storage.googleapis.com/BUCKET/KEY,
//     or virtual-hosted, https://BUCKET.storage.googleapis.com/KEY, with
//     --addressing-style virtual; --endpoint-url changes the endpoint (an
//     emulator, another universe domain);
//   - or a url, which says where the bucket is: path-style on the endpoint's
//     host, virtual-hosted on a host under it, and any other host is a
//     bucket-bound host name (https://cdn.example.com/KEY; the bucket is not
//     in the URL). The url's query is signed with the row's;
//   - expires (1 second to 7 days), headers the client must send (their
//     names and values are signed, and the output row lists them), query.
//
// The SigV4 fields (region, service, a body) are refused, naming the field.
// The credential scope's location is Config.GCS.Region, "auto" when empty.

// GCSConfig is what the Google Cloud Storage schemes sign and verify with.
type GCSConfig struct {
	// Account signs under SchemeGCSRSA; in Verify mode, RSA URLs of its
	// client email are checked with its public key. nil: none.
	Account *gcs.ServiceAccount
	// HMAC signs under SchemeGCSHMAC. A zero AccessID: none.
	HMAC gcs.HMACKey
	// HMACLookup finds the secret of an HMAC access ID in Verify mode;
	// nil: HMAC URLs are answered unknown_key.
	HMACLookup gcs.SecretLookup
	// Region is the credential scope's location ("auto" when empty).
	Region string
}

// gcsModes declares presign under the two GCS algorithms. (Verify's GCS
// support is in verify.go.)
func gcsModes() []modeDef {
	presign := func(s Scheme, about string, validate func(*Config) error) modeDef {
		return modeDef{mode: Presign, scheme: s, about: about, validate: validate,
			newRow:  func(w *worker) rowFunc { return (&gcsPresigner{w: w}).presign },
			fields:  []string{FieldID, FieldMethod, FieldURL, FieldBucket, FieldKey, FieldExpires, FieldHeaders, FieldQuery, FieldPayload},
			refuses: []string{FieldRegion, FieldService, FieldContentSHA256, FieldBodyFile, FieldBody},
			out:     gcsPresignTable()}
	}
	return []modeDef{
		presign(SchemeGCSRSA, "Google Cloud Storage V4 signed URLs, GOOG4-RSA-SHA256 with a service account's key", (*Config).validateGCSRSA),
		presign(SchemeGCSHMAC, "Google Cloud Storage V4 signed URLs, GOOG4-HMAC-SHA256 with an HMAC key", (*Config).validateGCSHMAC),
	}
}

// gcsPresignTable is presign's output plus the headers the client must send
// (those the row signed; {} when none). CSV has columns for the usual ones.
func gcsPresignTable() table {
	t := presignTable()
	t.name = "GCSPresignRecord"
	t.columns = append(t.columns, Column{Name: "headers", Kind: HeadersColumn,
		CSV: []string{"Content-Type", "Content-MD5", "x-goog-content-sha256", "x-goog-resumable"}})
	return t
}

// validateGCSRSA is modeDef.validate for SchemeGCSRSA. It never mentions
// the key.
func (c *Config) validateGCSRSA() error {
	switch {
	case c.GCS.Account == nil:
		return errors.New("no service-account key: give a service-account JSON key file")
	case c.Time.IsZero():
		return errSigningTime
	}
	return c.validateGCSRegion()
}

// validateGCSHMAC is modeDef.validate for SchemeGCSHMAC. It never mentions
// the secret.
func (c *Config) validateGCSHMAC() error {
	switch {
	case c.GCS.HMAC.AccessID == "":
		return errors.New("no GCS HMAC key: give its access ID and secret")
	case c.Time.IsZero():
		return errSigningTime
	}
	return c.validateGCSRegion()
}

// validateGCSRegion checks the credential scope's location.
func (c *Config) validateGCSRegion() error {
	if c.GCS.Region != "" && checkRegion(c.GCS.Region) != nil {
		return errors.New("GCS region " + sigcore.QuoteForError(c.GCS.Region) + ": want lower-case letters, digits and '-' (default auto)")
	}
	return nil
}

// gcsPresigner is a worker's GCS signer (not safe for concurrent use, made
// on first use) and its scratch space.
type gcsPresigner struct {
	w      *worker
	signer *gcs.Signer
	query  []gcs.QueryParam
}

// presign signs r as a V4 signed URL.
func (st *gcsPresigner) presign(r *Row, b *Batch) error {
	w := st.w
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return err
	}
	method, ok := canonicalMethod(r.Method)
	if !ok {
		return fieldErr(FieldMethod, detail(ErrMethod, "got "+sigcore.QuoteForError(r.Method)))
	}
	if err := checkGCSFields(r); err != nil {
		return err
	}
	expires, _, err := w.expiresFor(r)
	if err != nil {
		return err
	}
	p := gcs.Presign{Method: method, Headers: r.Headers, Expires: expires}
	if err := st.target(r, &p); err != nil {
		return err
	}
	if st.signer == nil {
		if st.signer, err = w.cfg.newGCSSigner(w.t); err != nil {
			return err
		}
	}
	if w.url, err = st.signer.AppendPresign(w.url[:0], &p); err != nil {
		return err
	}
	w.appendPresignRecord(b, r, method, bytesValue(w.url), expires, false, r.Headers)
	return nil
}

// newGCSSigner makes the Signer of the run's scheme.
func (c *Config) newGCSSigner(t time.Time) (*gcs.Signer, error) {
	opts := gcs.Options{Region: c.GCS.Region}
	if c.Scheme == SchemeGCSHMAC {
		return gcs.NewHMACSigner(c.GCS.HMAC, t, opts)
	}
	return gcs.NewRSASigner(c.GCS.Account, t, opts)
}

// checkGCSFields refuses what a GCS row cannot use.
func checkGCSFields(r *Row) error {
	const why = "not used by Cloud Storage signed URLs"
	switch {
	case r.URL != "" && (r.Bucket != "" || r.Key != ""):
		return fieldErr(FieldURL, detail(ErrConflict, "give either url or bucket and key, not both"))
	case r.URL == "" && r.Bucket == "":
		return fieldErr(FieldBucket, detail(sigerr.ErrMissingField, "give bucket and key, or url"))
	case r.Region != "":
		return fieldErr(FieldRegion, detail(ErrConflict, why+" (the scope's location is --gcs-region)"))
	case r.Service != "":
		return fieldErr(FieldService, detail(ErrConflict, why))
	}
	return checkPresignPayload(r)
}

// target places r's bucket and object in p: from its url, or from bucket
// and key with the run's endpoint and addressing style.
func (st *gcsPresigner) target(r *Row, p *gcs.Presign) error {
	w := st.w
	endpoint := gcs.DefaultHost
	if !w.cfg.Endpoint.IsZero() {
		endpoint = w.cfg.Endpoint.Host
	}
	if r.URL == "" {
		if err := checkUTF8(FieldKey, r.Key); err != nil {
			return err
		}
		p.Bucket, p.Object, p.Query = r.Bucket, r.Key, r.Query
		if !w.cfg.Endpoint.IsZero() {
			p.Scheme, p.Host = w.cfg.Endpoint.Scheme, w.cfg.Endpoint.Host
		}
		if w.cfg.Addressing == AddressingVirtual {
			p.Style = gcs.VirtualHostedStyle
		}
		return nil
	}
	u, err := ParseURL(r.URL)
	if err != nil {
		return err
	}
	path, err := sigcore.URIUnescape(u.Path)
	if err != nil {
		return fieldErr(FieldURL, err)
	}
	path = strings.TrimPrefix(path, "/")
	p.Scheme = u.Scheme
	host := strings.ToLower(u.Host)
	switch {
	case host == endpoint:
		p.Host, p.Style = u.Host, gcs.PathStyle
		p.Bucket, p.Object, _ = strings.Cut(path, "/")
		if p.Bucket == "" {
			return fieldErr(FieldURL, detail(sigerr.ErrMissingField, "a path-style URL on "+endpoint+" names the bucket first in its path"))
		}
	case strings.HasSuffix(host, "."+endpoint):
		p.Host, p.Style = u.Host[len(host)-len(endpoint):], gcs.VirtualHostedStyle
		p.Bucket, p.Object = u.Host[:len(host)-len(endpoint)-1], path
	default:
		p.Host, p.Style, p.Object = u.Host, gcs.BucketBoundHostname, path
	}
	if st.query, err = queryPairs(st.query[:0], u.RawQuery); err != nil {
		return err
	}
	st.query = append(st.query, r.Query...)
	p.Query = st.query
	return nil
}

// gcsKeys are the keys a Verifier checks GCS URLs with: the run's service
// account (by its client email) and HMAC key (by its access ID).
func (c *Config) gcsKeys() gcs.Keys {
	var k gcs.Keys
	if a := c.GCS.Account; a != nil {
		pub := a.PublicKey()
		k.RSA = func(email string) (*rsa.PublicKey, bool) { return pub, email == a.ClientEmail }
	}
	k.HMAC = c.GCS.HMACLookup
	return k
}

// GCSPresignRecord is the Parquet schema of presign output under the GCS
// schemes: PresignRecord's columns and the headers the client must send,
// a map sorted by name.
type GCSPresignRecord struct {
	ID        string            `parquet:"id"`
	Method    string            `parquet:"method"`
	URL       string            `parquet:"url"`
	ExpiresAt string            `parquet:"expires_at"` // RFC 3339, UTC
	Headers   map[string]string `parquet:"headers"`
}
