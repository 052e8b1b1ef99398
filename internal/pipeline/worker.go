package pipeline

import (
	"context"
	"encoding/hex"
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
	rec     Record
	ver     *verifier // Verify mode only, made on first use
	v2      *sigV2State
	azure   *azureSign      // sign --scheme azure-hmac only, made on first use
	mac     *macState       // mac modes only, made on first use
	ctx     context.Context // the run's; nil outside Run
	fatal   error           // stops the run (see MacBackend.Fatal)
}

func newWorker(cfg *Config, keys *sigv4.KeyCache, enc Writer) *worker {
	return &worker{
		cfg: cfg, t: cfg.signingTime(), keys: keys, enc: enc,
		signers: make(map[signerKey]*sigv4.Signer),
		addrs:   make(map[addrKey]Address),
	}
}

// process signs every row of b, appending encoded records to b.out and
// rejects to b.rejects.
func (w *worker) process(b *Batch) {
	for i := range b.rows {
		r := &b.rows[i]
		var err error
		if r.Err != nil {
			err = r.Err
		} else {
			err = w.row(r, b)
		}
		if err != nil {
			b.rejects = append(b.rejects, rejectOf(r, err))
			continue
		}
		b.signed++
	}
}

// row processes one decoded row as the run's mode says: the one place that
// dispatches on Config.Mode, so each mode is a row processor over the same
// readers, pool and writers.
func (w *worker) row(r *Row, b *Batch) error {
	switch w.cfg.Mode {
	case Sign:
		if w.cfg.AzureHMAC {
			return w.signAzure(r, b)
		}
		return w.sign(r, b)
	case Verify:
		return w.verify(r, b)
	case MacGenerate:
		return w.macGenerate(r, b)
	case MacVerify:
		return w.macVerify(r, b)
	}
	if w.cfg.SigV2 {
		return w.presignV2(r, b)
	}
	return w.presign(r, b)
}

// signer returns the worker's Signer for region and service.
func (w *worker) signer(region, service string) (*sigv4.Signer, error) {
	k := signerKey{region, service}
	if s := w.signers[k]; s != nil {
		return s, nil
	}
	k = signerKey{strings.Clone(region), strings.Clone(service)} // keep no batch text alive
	c := w.cfg.Credentials
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
	if ce := w.cfg.Credentials.Expires; !ce.IsZero() {
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

// presign signs r as a presigned URL. S3 rows without headers take the
// engine's zero-allocation path; rows with headers to sign, and other
// services, take the generic one.
func (w *worker) presign(r *Row, b *Batch) error {
	method, service, err := w.common(r)
	if err != nil {
		return err
	}
	if err := checkPresignPayload(r); err != nil {
		return err
	}
	expires, clamped, err := w.expiresFor(r)
	if err != nil {
		return err
	}

	var p sigv4.S3Presign
	var req sigv4.Request
	var scheme string
	generic := len(r.Headers) > 0 || service != "s3"
	var s *sigv4.Signer
	if r.URL != "" {
		u, region, err := w.urlTarget(r)
		if err != nil {
			return err
		}
		if s, err = w.signer(region, service); err != nil {
			return err
		}
		if generic {
			scheme = u.Scheme
			req = sigv4.Request{Method: method, Host: u.Host, Path: u.Path, Query: w.joinQuery(u.RawQuery, r.Query), Headers: r.Headers}
		} else {
			key, err := sigcore.URIUnescape(u.Path)
			if err != nil {
				return fieldErr(FieldURL, err)
			}
			if key != "" {
				key = key[1:]
			}
			if w.pairs, err = queryPairs(w.pairs[:0], u.RawQuery); err != nil {
				return err
			}
			w.pairs = append(w.pairs, r.Query...)
			p = sigv4.S3Presign{Method: method, Scheme: u.Scheme, Host: u.Host, Key: key, Query: w.pairs, Expires: expires}
		}
	} else {
		a, region, err := w.bucketTarget(r)
		if err != nil {
			return err
		}
		if s, err = w.signer(region, service); err != nil {
			return err
		}
		if generic {
			if err := checkUTF8(FieldKey, r.Key); err != nil {
				return err
			}
			scheme = a.Scheme
			req = sigv4.Request{Method: method, Host: a.Host, Path: w.s3Path(a.Bucket, r.Key), Query: w.joinQuery("", r.Query), Headers: r.Headers}
		} else {
			p = sigv4.S3Presign{Method: method, Scheme: a.Scheme, Host: a.Host, Bucket: a.Bucket, Key: r.Key, Query: r.Query, Expires: expires}
		}
	}
	if generic {
		u, err := s.PresignURL(scheme, &req, expires)
		if err != nil {
			return err
		}
		w.url = append(w.url[:0], u...)
	} else {
		w.url, err = s.AppendPresignS3(w.url[:0], &p)
		if err != nil {
			return err
		}
	}
	w.rec = Record{ID: r.ID, Method: method, URL: w.url, ExpiresAt: w.t.Add(time.Duration(expires) * time.Second)}
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	if clamped {
		b.clamped++
	}
	return nil
}

// checkPresignPayload refuses body fields in a presign row: presigned URLs
// carry UNSIGNED-PAYLOAD.
func checkPresignPayload(r *Row) error {
	switch {
	case r.Payload != "" && r.Payload != "unsigned":
		return fieldErr(FieldPayload, detail(sigerr.ErrInvalidValue, "presigned URLs carry UNSIGNED-PAYLOAD; use sign for "+strconv.Quote(r.Payload)))
	case r.ContentSHA256 != "":
		return fieldErr(FieldContentSHA256, detail(ErrConflict, "presigned URLs carry UNSIGNED-PAYLOAD; use sign to sign a body hash"))
	case r.BodyFile != "":
		return fieldErr(FieldBodyFile, detail(ErrConflict, "presigned URLs carry UNSIGNED-PAYLOAD; use sign to sign a body"))
	case r.Body != "":
		return fieldErr(FieldBody, detail(ErrConflict, "an inline body is for sign --scheme azure-hmac"))
	}
	return nil
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

// sign signs r for an Authorization header and emits the URL and the
// headers to add.
func (w *worker) sign(r *Row, b *Batch) error {
	method, service, err := w.common(r)
	if err != nil {
		return err
	}
	payload, err := w.payloadHash(r)
	if err != nil {
		return err
	}
	var req sigv4.Request
	var scheme string
	var s *sigv4.Signer
	if r.URL != "" {
		u, region, err := w.urlTarget(r)
		if err != nil {
			return err
		}
		if s, err = w.signer(region, service); err != nil {
			return err
		}
		scheme = u.Scheme
		req = sigv4.Request{Method: method, Host: u.Host, Path: u.Path, Query: w.joinQuery(u.RawQuery, r.Query)}
	} else {
		if err := checkUTF8(FieldKey, r.Key); err != nil {
			return err
		}
		a, region, err := w.bucketTarget(r)
		if err != nil {
			return err
		}
		if s, err = w.signer(region, service); err != nil {
			return err
		}
		scheme = a.Scheme
		req = sigv4.Request{Method: method, Host: a.Host, Path: w.s3Path(a.Bucket, r.Key), Query: w.joinQuery("", r.Query)}
	}
	req.Headers, req.PayloadHash = r.Headers, payload
	hs, err := s.SignHeaders(&req)
	if err != nil {
		return err
	}
	u := append(w.url[:0], scheme...)
	u = append(u, "://"...)
	u = append(u, req.Host...)
	if req.Path == "" {
		u = append(u, '/')
	}
	u = append(u, req.Path...)
	if req.Query != "" {
		u = append(u, '?')
		u = append(u, req.Query...)
	}
	w.url = u
	w.rec = Record{ID: r.ID, Method: method, URL: w.url, Headers: hs}
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// payloadHash decides the x-amz-content-sha256 of a signed request:
// UNSIGNED-PAYLOAD when the row says payload "unsigned", else the SHA-256 of
// body_file (checked against content_sha256 when both are given), else
// content_sha256, else "" (the engine's empty-body hash).
func (w *worker) payloadHash(r *Row) (string, error) {
	if r.Body != "" {
		return "", fieldErr(FieldBody, detail(ErrConflict, "an inline body is for --scheme azure-hmac; SigV4 rows give body_file or content_sha256"))
	}
	switch r.Payload {
	case "", "signed":
	case "unsigned":
		if r.BodyFile != "" || r.ContentSHA256 != "" {
			return "", fieldErr(FieldPayload, detail(ErrConflict, "payload \"unsigned\" with a body_file or content_sha256"))
		}
		return sigv4.UnsignedPayload, nil
	default:
		return "", fieldErr(FieldPayload, detail(sigerr.ErrInvalidValue, "want \"unsigned\" or \"signed\", got "+strconv.Quote(r.Payload)))
	}
	given := ""
	if r.ContentSHA256 != "" {
		if len(r.ContentSHA256) != 64 {
			return "", fieldErr(FieldContentSHA256, detail(sigerr.ErrInvalidValue, "want 64 hex digits"))
		}
		var sum [32]byte
		if _, err := hex.Decode(sum[:], []byte(r.ContentSHA256)); err != nil {
			return "", fieldErr(FieldContentSHA256, detail(sigerr.ErrInvalidValue, "want 64 hex digits"))
		}
		given = hex.EncodeToString(sum[:]) // lower case, as SigV4 wants
	}
	if r.BodyFile == "" {
		return given, nil
	}
	if w.hashBuf == nil {
		w.hashBuf = make([]byte, hashBufSize)
	}
	sum, _, err := hashFile(r.BodyFile, w.hashBuf)
	if err != nil {
		return "", fieldErr(FieldBodyFile, err)
	}
	got := hex.EncodeToString(sum[:])
	if given != "" && given != got {
		return "", fieldErr(FieldContentSHA256, detail(sigerr.ErrInvalidValue, "does not match the SHA-256 of body_file ("+got+")"))
	}
	return got, nil
}
