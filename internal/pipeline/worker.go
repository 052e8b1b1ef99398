package pipeline

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// maxCachedAddrs bounds a worker's cache of resolved bucket addresses; a
// manifest with more distinct (bucket, region) pairs only recomputes.
const maxCachedAddrs = 4096

type signerKey struct{ region, service string }
type addrKey struct{ bucket, region string }

// worker signs batches. It owns its Signers (one per region and service;
// they are not safe for concurrent use), its address cache and scratch
// buffers, so that the presign hot path allocates nothing per row.
type worker struct {
	cfg     *Config
	t       time.Time
	keys    *sigv4.KeyCache
	enc     Writer
	signers map[signerKey]*sigv4.Signer
	addrs   map[addrKey]Address

	url     []byte
	path    []byte
	query   []byte
	pairs   []sigv4.QueryParam
	hashBuf []byte
	send    []sigv4.Header // the headers a presigned URL signs (checksumHeaders)
	own     *fieldSet      // for the modes' own fields, made on first use
	rec     Record
	pend    pendingS3 // a presign row waiting to be signed with the next (pair.go)
	ahead   bodyAhead // a later row's body file, hashed with an earlier one's (bodySum)

	// cur and curRow: the batch and row being processed (bodySum looks
	// ahead in it).
	cur    *Batch
	curRow int
	// verifying is verify mode's row state, whose waiting row
	// flushPending judges too (verify.go); nil in other modes.
	verifying *verifier

	row rowFunc // the mode's (modeDef.newRow)
	// headers: the mode takes headers, so rows' headers are checked
	// (checkHeaders) before the mode sees them.
	headers bool
	ctx     context.Context // the run's; nil outside Run
	fatal   error           // stops the run (see MacBackend.Fatal)

	// creds sign the worker's rows: the run's Credentials, or newer ones
	// from rc (refresh.go), adopted between batches; credGen counts the
	// changes, so that a mode's state made with older ones is remade.
	creds   sigv4.Credentials
	credGen uint64
	rc      *runCreds // nil: the credentials never change
}

// newWorker returns a worker for cfg's mode, which must be valid (see
// Config.Validate).
func newWorker(cfg *Config, keys *sigv4.KeyCache, enc Writer) *worker {
	w := &worker{
		cfg: cfg, t: cfg.signingTime(), keys: keys, enc: enc, creds: cfg.Credentials,
		signers: make(map[signerKey]*sigv4.Signer),
		addrs:   make(map[addrKey]Address),
	}
	d, err := cfg.modeDef()
	if err != nil {
		w.row = func(*Row, *Batch) error { return err }
	} else {
		w.row = d.newRow(w)
		w.headers = slices.Contains(d.fields, FieldHeaders)
	}
	return w
}

// process signs every row of b, appending encoded records to b.out and
// rejects to b.rejects.
func (w *worker) process(b *Batch) {
	if err := w.checkCredentials(); err != nil {
		w.fatal = err
		return
	}
	w.cur = b
	defer func() { w.cur, w.ahead = nil, bodyAhead{} }()
	for i := range b.rows {
		r := &b.rows[i]
		w.curRow = i
		var err error
		switch {
		case r.Err != nil:
			err = r.Err
		case w.headers && len(r.Headers) > 0:
			if err = checkHeaders(r.Headers); err == nil {
				err = w.row(r, b)
			}
		default:
			err = w.row(r, b)
		}
		if err == errDeferred {
			continue // counted when signed with its pair
		}
		if err != nil {
			if w.fatal != nil {
				return // the batch is not written
			}
			w.flushPending(b)
			b.rejects = append(b.rejects, rejectOf(r, err))
			continue
		}
		b.signed++
	}
	w.flushPending(b)
	// Scratch grown for a huge row is not kept for the rows after it; nor
	// are the Signers, whose own scratch grew with it (they are remade
	// from the run's key cache).
	w.url = trim(w.url, DefaultBatchBytes)
	w.pend.url = trim(w.pend.url, DefaultBatchBytes)
	w.path = trim(w.path, DefaultBatchBytes)
	w.query = trim(w.query, DefaultBatchBytes)
	if b.textLen() > 2*b.maxBytes {
		clear(w.signers)
	}
}

// checkHeaders refuses a row's header that could not be sent as one HTTP
// header field (sigcore.CheckHeaderField): a CR, LF or NUL in a value would
// let a manifest row inject headers into the request it signs. The check is
// the manifest's, not the signers': they keep accepting the multi-line
// values of the SigV4 test suite.
func checkHeaders(hs []sigv4.Header) error {
	for _, h := range hs {
		if err := sigcore.CheckHeaderField(h.Name, h.Value); err != nil {
			return fieldErr(FieldHeaders, err)
		}
	}
	return nil
}

// signer returns the worker's Signer for region and service.
func (w *worker) signer(region, service string) (*sigv4.Signer, error) {
	k := signerKey{region, service}
	if s := w.signers[k]; s != nil {
		return s, nil
	}
	k = signerKey{strings.Clone(region), strings.Clone(service)} // keep no batch text alive
	c := w.creds
	s, err := sigv4.NewSigner(c, w.keys.Get(c.AccessKeyID, c.SecretAccessKey, w.t, k.region, k.service), w.t,
		sigv4.Options{Region: k.region, Service: k.service})
	if err != nil {
		return nil, err
	}
	w.signers[k] = s
	return s, nil
}

// urlTarget parses a url row and picks its region: the row's, else the one
// in an AWS host name, else the run's.
func (w *worker) urlTarget(r *Row) (ParsedURL, string, error) {
	u, err := ParseURL(r.URL)
	if err != nil {
		return u, "", err
	}
	region := r.Region
	if region == "" {
		if region = regionFromHost(u.Host); region == "" {
			region = w.cfg.Region
		}
	}
	return u, region, checkRegion(region)
}

// bucketTarget addresses a bucket+key row in its region: the row's, else
// the run's.
func (w *worker) bucketTarget(r *Row) (Address, string, error) {
	region := r.Region
	if region == "" {
		region = w.cfg.Region
	}
	if err := checkRegion(region); err != nil {
		return Address{}, "", err
	}
	a, err := w.address(r.Bucket, region)
	return a, region, err
}

// address returns the cached address of bucket in region.
func (w *worker) address(bucket, region string) (Address, error) {
	k := addrKey{bucket, region}
	if a, ok := w.addrs[k]; ok {
		return a, nil
	}
	a, err := ResolveS3(bucket, region, w.cfg.Endpoint, w.cfg.Addressing)
	if err != nil {
		return a, err
	}
	if len(w.addrs) >= maxCachedAddrs {
		clear(w.addrs)
	}
	a.Bucket = strings.Clone(a.Bucket) // keep no batch text alive
	w.addrs[addrKey{strings.Clone(bucket), strings.Clone(region)}] = a
	return a, nil
}

// common validates what presign and sign share and returns the method,
// service and region-independent checks' result.
func (w *worker) common(r *Row) (method, service string, err error) {
	method, ok := canonicalMethod(r.Method)
	if !ok {
		return "", "", fieldErr(FieldMethod, detail(ErrMethod, "got "+strconv.Quote(r.Method)))
	}
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return "", "", err
	}
	service = r.Service
	if service == "" {
		service = "s3"
	} else if err := checkService(service); err != nil {
		return "", "", err
	}
	if r.URL != "" && (r.Bucket != "" || r.Key != "") {
		return "", "", fieldErr(FieldURL, detail(ErrConflict, "give either url or bucket and key, not both"))
	}
	if r.URL == "" {
		switch {
		case r.Bucket == "" && r.Key == "":
			return "", "", fieldErr(FieldURL, detail(sigerr.ErrMissingField, "give url, or bucket and key"))
		case r.Bucket == "":
			return "", "", fieldErr(FieldBucket, sigerr.ErrMissingField)
		case r.Key == "":
			return "", "", fieldErr(FieldKey, sigerr.ErrMissingField)
		case service != "s3":
			return "", "", fieldErr(FieldService, detail(sigerr.ErrInvalidValue, "bucket and key address S3; give a url for service "+strconv.Quote(service)))
		}
	}
	return method, service, nil
}

func checkService(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') || len(s) > 64 {
			return fieldErr(FieldService, detail(sigerr.ErrInvalidValue, "service names are a-z, 0-9 and '-'"))
		}
	}
	return nil
}

// expiresFor returns the row's lifetime in seconds, clamped to the
// credentials' remaining lifetime when the run allows it.
func (w *worker) expiresFor(r *Row) (e int64, clamped bool, err error) {
	e = w.cfg.expires()
	if r.HasExpires {
		e = r.Expires
	}
	if e < 1 || e > sigv4.MaxExpires {
		return 0, false, fieldErr(FieldExpires, detail(sigv4.ErrExpiresRange, "got "+strconv.FormatInt(e, 10)))
	}
	if ce := w.creds.Expires; !ce.IsZero() {
		left := int64(ce.Sub(w.t) / time.Second)
		if e > left {
			if !w.cfg.ClampExpiry || left < 1 {
				return 0, false, fieldErr(FieldExpires, detail(sigv4.ErrOutlivesCredentials,
					"the URL would work until "+w.t.Add(time.Duration(e)*time.Second).Format(time.RFC3339)+
						" but the temporary credentials expire at "+ce.UTC().Format(time.RFC3339)+
						" ("+strconv.FormatInt(left, 10)+"s from the signing time); shorten expires or pass --clamp-expiry"))
			}
			return left, true, nil
		}
	}
	return e, false, nil
}

// checkUTF8 rejects text of field that is not valid UTF-8, naming the byte
// offset (sigcore.CheckUTF8): S3 keys and ids are never silently repaired.
func checkUTF8(field, s string) error {
	if err := sigcore.CheckUTF8(s); err != nil {
		return fieldErr(field, err)
	}
	return nil
}

// s3Path returns the wire path for key, with the bucket first for
// path-style addresses: each byte outside A-Z a-z 0-9 - . _ ~ / escaped
// once, as S3 expects.
func (w *worker) s3Path(bucket, key string) string {
	p := append(w.path[:0], '/')
	if bucket != "" {
		p = sigcore.AppendURIEscape(p, bucket, false)
		p = append(p, '/')
	}
	p = sigcore.AppendURIEscape(p, key, true)
	w.path = p
	return string(p)
}

// joinQuery appends the row's query pairs, escaped, to a raw query.
func (w *worker) joinQuery(raw string, pairs []sigv4.QueryParam) string {
	if len(pairs) == 0 {
		return raw
	}
	q := append(w.query[:0], raw...)
	for _, kv := range pairs {
		if len(q) > 0 {
			q = append(q, '&')
		}
		q = sigcore.AppendURIEscape(q, kv.Key, false)
		q = append(q, '=')
		q = sigcore.AppendURIEscape(q, kv.Value, false)
	}
	w.query = q
	return string(q)
}

// setTarget fills req's host, path and query from a url row (u) or a
// bucket/key row (a), the row's own query parameters joined, and returns
// the URL's scheme. A key must be valid UTF-8.
func (w *worker) setTarget(req *sigv4.Request, r *Row, u ParsedURL, a Address) (scheme string, err error) {
	if r.URL != "" {
		req.Host, req.Path, req.Query = u.Host, u.Path, w.joinQuery(u.RawQuery, r.Query)
		return u.Scheme, nil
	}
	if err := checkUTF8(FieldKey, r.Key); err != nil {
		return "", err
	}
	req.Host, req.Path, req.Query = a.Host, w.s3Path(a.Bucket, r.Key), w.joinQuery("", r.Query)
	return a.Scheme, nil
}

// appendRequestURL appends scheme://host/path?query of a header-signed
// request to dst: the URL the client sends with the signed headers.
func appendRequestURL(dst []byte, scheme string, req *sigv4.Request) []byte {
	dst = append(dst, scheme...)
	dst = append(dst, "://"...)
	dst = append(dst, req.Host...)
	if req.Path == "" {
		dst = append(dst, '/')
	}
	dst = append(dst, req.Path...)
	if req.Query != "" {
		dst = append(dst, '?')
		dst = append(dst, req.Query...)
	}
	return dst
}

// appendPresignRecord appends a presigned URL's record to b.out: id,
// method, URL, expiry and the headers the client must send (presignTable),
// and counts a clamped expiry. Every presigning scheme with an expiry in
// seconds writes its record here.
func (w *worker) appendPresignRecord(b *Batch, r *Row, method string, url Value, expires int64, clamped bool, send []sigv4.Header) {
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(method), url,
		timeValue(w.t.Add(time.Duration(expires)*time.Second)), headersValue(send))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	if clamped {
		b.clamped++
	}
}
