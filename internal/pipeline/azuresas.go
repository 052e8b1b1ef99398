package pipeline

import (
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/batchsign/batchsign/azuresas"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// Azure Blob Storage service SAS URLs (presign --scheme azure-sas, package
// azuresas), signed with a storage account's key. A row gives:
//
//   - method: GET (default), HEAD, PUT (the output row then lists the
//     header the uploader must send, x-ms-blob-type: BlockBlob) or DELETE;
//   - bucket (the container) and key (the blob name, raw UTF-8; no key signs
//     the container, sr=c), on the account's blob endpoint (the connection
//     string's, or --endpoint-url: path-style, with the account as the
//     path, for an emulator such as http://127.0.0.1:10000/devstoreaccount1);
//   - or a url: https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB, or
//     path-style http://HOST:PORT/ACCOUNT/CONTAINER/BLOB on an IP address or
//     localhost; its account must be the key's;
//   - permissions: SAS permission letters (blob racwdxtmeiy, container
//     racwdxltmeiyf), instead of the method's (r for GET and HEAD, cw for
//     PUT, d for DELETE);
//   - expires (1 second to 7 days, as for every scheme here): se is the
//     signing time plus expires; there is no st (valid at once);
//   - query: the response headers to override, by the S3 names
//     (response-cache-control, response-content-disposition,
//     response-content-encoding, response-content-language,
//     response-content-type) or Azure's (rscc, rscd, rsce, rscl, rsct).
//     Any other query parameter is refused: a SAS signs only these.
//
// Headers, region, service and a body are refused, naming the field.

// FieldPermissions is "permissions": the SAS permissions of an azure-sas
// row, instead of those of its method.
const FieldPermissions = "permissions"

// AzureSASConfig is what the azure-sas scheme signs and verifies with.
type AzureSASConfig struct {
	// Credential is the storage account's name, blob endpoint and key;
	// nil: none (verify answers unknown_key for SAS URLs).
	Credential *azuresas.Credential
}

// azureSASModes declares presign under azure-sas. (Verify's is in
// verify.go.)
func azureSASModes() []modeDef {
	return []modeDef{{mode: Presign, scheme: SchemeAzureSAS,
		about:    "Azure Blob Storage service SAS URLs, signed with the storage account's key",
		validate: (*Config).validateAzureSAS,
		newRow:   func(w *worker) rowFunc { return (&azureSASPresigner{w: w, fields: newFieldSet()}).presign },
		fields:   []string{FieldID, FieldMethod, FieldURL, FieldBucket, FieldKey, FieldExpires, FieldQuery, FieldPermissions},
		refuses:  []string{FieldRegion, FieldService, FieldHeaders, FieldContentSHA256, FieldBodyFile, FieldBody, FieldPayload},
		out:      azureSASPresignTable()}}
}

// azureSASPresignTable is presign's output plus the headers the client must
// send (x-ms-blob-type for a PUT; {} otherwise).
func azureSASPresignTable() table {
	t := presignTable()
	t.name = "AzureSASPresignRecord"
	t.columns = append(t.columns, Column{Name: "headers", Kind: HeadersColumn, CSV: []string{"x-ms-blob-type"}})
	return t
}

// AzureSASPresignRecord is the Parquet schema of presign output under
// azure-sas: PresignRecord's columns and the headers the client must send.
type AzureSASPresignRecord struct {
	ID        string            `parquet:"id"`
	Method    string            `parquet:"method"`
	URL       string            `parquet:"url"`
	ExpiresAt string            `parquet:"expires_at"` // RFC 3339, UTC
	Headers   map[string]string `parquet:"headers"`
}

// validateAzureSAS is modeDef.validate for presign under azure-sas. It
// never mentions the key.
func (c *Config) validateAzureSAS() error {
	switch {
	case c.AzureSAS.Credential == nil:
		return errors.New("no storage account key: give a connection string (AccountName=…;AccountKey=…) or the account and key")
	case c.Time.IsZero():
		return errSigningTime
	}
	return nil
}

// blockBlob is the header a PUT through a SAS URL must send (Put Blob).
var blockBlob = []sigv4.Header{{Name: "x-ms-blob-type", Value: "BlockBlob"}}

// azureSASPresigner is a worker's SAS signer (not safe for concurrent use,
// made on first use).
type azureSASPresigner struct {
	w      *worker
	fields *fieldSet
	signer *azuresas.Signer
}

// presign signs r as a service SAS URL.
func (st *azureSASPresigner) presign(r *Row, b *Batch) error {
	w := st.w
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return err
	}
	method, ok := canonicalMethod(r.Method)
	if !ok || method == "POST" {
		return fieldErr(FieldMethod, detail(ErrMethod, "azure-sas signs GET, HEAD, PUT or DELETE; got "+sigcore.QuoteForError(r.Method)))
	}
	const why = "not used by Azure SAS URLs"
	switch {
	case r.Region != "":
		return fieldErr(FieldRegion, detail(ErrConflict, why))
	case r.Service != "":
		return fieldErr(FieldService, detail(ErrConflict, why))
	case len(r.Headers) > 0:
		return fieldErr(FieldHeaders, detail(ErrConflict, "a SAS signs no headers"))
	case r.Payload != "":
		return fieldErr(FieldPayload, detail(ErrConflict, why))
	}
	if err := checkPresignPayload(r); err != nil {
		return err
	}
	expires, _, err := w.expiresFor(r)
	if err != nil {
		return err
	}
	cred := w.cfg.AzureSAS.Credential
	p := azuresas.Presign{Method: method, Permissions: st.fields.ownField(r, FieldPermissions),
		Expiry: w.t.Add(time.Duration(expires) * time.Second)}
	if err := st.target(r, cred, &p); err != nil {
		return err
	}
	if err := azureOverrides(r.Query, &p.Overrides); err != nil {
		return err
	}
	if st.signer == nil {
		if st.signer, err = azuresas.NewSigner(*cred); err != nil {
			return err
		}
	}
	if w.url, err = st.signer.AppendPresign(w.url[:0], &p); err != nil {
		return err
	}
	var hs []sigv4.Header
	if method == "PUT" {
		hs = blockBlob
	}
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(method), bytesValue(w.url),
		timeValue(p.Expiry), headersValue(hs))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// target places r's container and blob in p: from bucket and key on the
// run's endpoint, or from its url.
func (st *azureSASPresigner) target(r *Row, cred *azuresas.Credential, p *azuresas.Presign) error {
	w := st.w
	switch {
	case r.URL != "" && (r.Bucket != "" || r.Key != ""):
		return fieldErr(FieldURL, detail(ErrConflict, "give either url or bucket and key, not both"))
	case r.URL == "" && r.Bucket == "":
		return fieldErr(FieldBucket, detail(sigerr.ErrMissingField, "give bucket (the container) and key (the blob), or url"))
	case r.URL == "":
		p.Container, p.Blob = r.Bucket, r.Key
		if !w.cfg.Endpoint.IsZero() {
			p.Endpoint = w.cfg.Endpoint.Scheme + "://" + w.cfg.Endpoint.Host + "/" + cred.Account
			if !isIPOrLocalhost(w.cfg.Endpoint.Host) {
				p.Endpoint = w.cfg.Endpoint.Scheme + "://" + w.cfg.Endpoint.Host
			}
		}
		return nil
	}
	u, err := ParseURL(r.URL)
	if err != nil {
		return err
	}
	if u.RawQuery != "" {
		return fieldErr(FieldURL, detail(ErrConflict, "a SAS URL's query is its own: give overrides in query"))
	}
	path, err := sigcore.URIUnescape(u.Path)
	if err != nil {
		return fieldErr(FieldURL, err)
	}
	path = strings.TrimPrefix(path, "/")
	account := ""
	if isIPOrLocalhost(u.Host) {
		account, path, _ = strings.Cut(path, "/")
		p.Endpoint = u.Scheme + "://" + u.Host + "/" + account
	} else {
		account, _, _ = strings.Cut(u.Host, ".")
		p.Endpoint = u.Scheme + "://" + u.Host
	}
	if account != cred.Account {
		return fieldErr(FieldURL, detail(sigerr.ErrInvalidValue, "the URL's account "+sigcore.QuoteForError(account)+" is not the key's ("+cred.Account+")"))
	}
	p.Container, p.Blob, _ = strings.Cut(path, "/")
	return nil
}

// isIPOrLocalhost reports whether a host[:port] is an IP address or
// localhost: the hosts whose URLs are path-style, the account first.
func isIPOrLocalhost(hostport string) bool {
	host := hostport
	if h, _, ok := strings.Cut(host, "]"); ok && strings.HasPrefix(h, "[") {
		host = h[1:]
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// azureOverrides maps a row's query to the SAS response overrides, by the
// S3 names or Azure's; anything else is refused.
func azureOverrides(q []sigv4.QueryParam, o *azuresas.Overrides) error {
	for _, kv := range q {
		var to *string
		switch kv.Key {
		case "response-cache-control", "rscc":
			to = &o.CacheControl
		case "response-content-disposition", "rscd":
			to = &o.ContentDisposition
		case "response-content-encoding", "rsce":
			to = &o.ContentEncoding
		case "response-content-language", "rscl":
			to = &o.ContentLanguage
		case "response-content-type", "rsct":
			to = &o.ContentType
		default:
			return fieldErr(FieldQuery, detail(sigerr.ErrInvalidValue, "azure-sas signs only the response overrides (response-content-disposition or rscd, …); got "+sigcore.QuoteForError(kv.Key)))
		}
		if *to != "" {
			return fieldErr(FieldQuery, detail(ErrConflict, kv.Key+": this override is given twice"))
		}
		*to = kv.Value
	}
	return nil
}

// azureSASLookup is the verify lookup of the run's storage account.
func (c *Config) azureSASLookup() azuresas.CredentialLookup {
	cred := c.AzureSAS.Credential
	return func(account string) (azuresas.Credential, bool) {
		if cred == nil || account != cred.Account {
			return azuresas.Credential{}, false
		}
		return *cred, true
	}
}
