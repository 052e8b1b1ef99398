package pipeline

import (
	"errors"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"
)

// SigV4a presign and sign (--scheme sigv4a), and the Multi-Region Access
// Point rows that --scheme sigv4 hands to it. A row is a SigV4 row with one
// more field, region_set (Config.RegionSet, "*", when absent): the regions
// the signature is valid in. The credential scope holds no region, so a url
// row needs none; a bucket+key row still needs one to address an ordinary
// bucket (bucket.s3.<region>.amazonaws.com), but not a Multi-Region Access
// Point ARN, which is addressed at its global host:
//
//	arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap
//	→ https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/KEY
//
// (the alias, ".mrap" included, is the host's first labels, as AWS's SDKs
// resolve it). Under --scheme sigv4, a row whose url host ends in
// .accesspoint.s3-global.amazonaws.com, or whose bucket is such an ARN, is
// signed with SigV4a: a Multi-Region Access Point refuses SigV4.

// FieldRegionSet is "region_set": the SigV4a region set of a row
// ("us-east-1,eu-west-1", "us-*", "*"), overriding Config.RegionSet.
const FieldRegionSet = "region_set"

// mrapSuffix ends every Multi-Region Access Point host name.
const mrapSuffix = ".accesspoint.s3-global.amazonaws.com"

// sigV4aModes declares presign and sign under SigV4a. (Verify's SigV4a
// support is in verify.go.)
func sigV4aModes() []modeDef {
	return []modeDef{
		{mode: Presign, scheme: SchemeSigV4a, about: "AWS SigV4a (ECDSA P-256) query auth: X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256, X-Amz-Region-Set, for S3 Multi-Region Access Points",
			validate: (*Config).validateSigV4a,
			newRow:   func(w *worker) rowFunc { return newSigV4aRows(w).presign },
			fields:   append(presignFields(), FieldRegionSet), refuses: presignRefuses(), out: s3PresignTable()},
		{mode: Sign, scheme: SchemeSigV4a, about: "AWS SigV4a headers: Authorization, X-Amz-Date, X-Amz-Region-Set, x-amz-content-sha256, X-Amz-Security-Token",
			validate: (*Config).validateSigV4a,
			newRow:   func(w *worker) rowFunc { return newSigV4aRows(w).sign },
			fields: []string{FieldID, FieldMethod, FieldURL, FieldBucket, FieldKey, FieldRegion, FieldService,
				FieldHeaders, FieldQuery, FieldPayload, FieldContentSHA256, FieldBodyFile, FieldRegionSet},
			refuses: []string{FieldBody},
			out:     signTable("Authorization", "X-Amz-Date", "X-Amz-Region-Set", "x-amz-content-sha256", "X-Amz-Security-Token")},
	}
}

// validateSigV4a is modeDef.validate for SigV4a: the AWS credentials, and
// a region set SigV4a accepts.
func (c *Config) validateSigV4a() error {
	if err := c.validateCredentials(); err != nil {
		return err
	}
	return c.validateRegionSet()
}

// validateRegionSet checks Config.RegionSet, when given.
func (c *Config) validateRegionSet() error {
	if c.RegionSet == "" {
		return nil
	}
	if _, err := sigv4a.NewSigner(sigv4a.Credentials{AccessKeyID: "check"}, checkKey(), c.signingTime(),
		sigv4a.Options{RegionSet: c.RegionSet, Service: "s3"}); err != nil {
		return errors.New("region set " + sigcore.QuoteForError(c.RegionSet) + ": want region names (a-z, 0-9, '-', '*' wildcards) separated by commas")
	}
	return nil
}

// checkKey is a key that only lets validateRegionSet ask NewSigner about a
// region set.
func checkKey() *sigv4a.SigningKey {
	k, _ := sigv4a.DeriveKey("check", "check")
	return k
}

// sigV4aRows is a worker's SigV4a state: its Signers, one per (region set,
// service), made on first use and sharing the run's KeyCache.
type sigV4aRows struct {
	w       *worker
	fields  *fieldSet
	keys    *sigv4a.KeyCache // the run's (Config.SigV4aKeys)
	signers map[signerKey]*sigv4a.Signer
	gen     uint64 // the worker's credGen when signers were made
}

func newSigV4aRows(w *worker) *sigV4aRows {
	keys := w.cfg.SigV4aKeys
	if keys == nil { // a worker made outside Run
		keys = sigv4a.NewKeyCache(0)
	}
	return &sigV4aRows{w: w, fields: newFieldSet(), keys: keys, signers: make(map[signerKey]*sigv4a.Signer)}
}

// withMRAP is a SigV4 row function that hands Multi-Region Access Point
// rows to SigV4a (made on the first such row), since an MRAP refuses SigV4.
func withMRAP(w *worker, v4 func(*Row, *Batch) error, m Mode) rowFunc {
	var a *sigV4aRows
	return func(r *Row, b *Batch) error {
		if !isMRAPRow(r) {
			return v4(r, b)
		}
		w.flushPending(b) // its record comes first
		if a == nil {
			a = newSigV4aRows(w)
		}
		if m == Sign {
			return a.sign(r, b)
		}
		// Checksum-bound URLs are SigV4's (checksumHeaders): refused here
		// rather than signed without the checksum.
		for _, f := range [...]string{FieldChecksumSHA256, FieldContentMD5} {
			if a.fields.ownField(r, f) != "" {
				return fieldErr(f, detail(ErrConflict, "checksum-bound URLs are SigV4 only, and a Multi-Region Access Point needs SigV4a"))
			}
		}
		return a.presign(r, b)
	}
}

// isMRAPRow reports whether r addresses a Multi-Region Access Point: a url
// whose host ends in .accesspoint.s3-global.amazonaws.com, or an ARN as its
// bucket (which mrapAddress then checks). It only looks, without
// allocating.
func isMRAPRow(r *Row) bool {
	if r.URL == "" {
		return strings.HasPrefix(r.Bucket, "arn:")
	}
	_, rest, ok := strings.Cut(r.URL, "://")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return isMRAPHost(rest)
}

// isMRAPHost reports whether host (with or without a port) is a Multi-Region
// Access Point's.
func isMRAPHost(host string) bool {
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return len(host) > len(mrapSuffix) && strings.EqualFold(host[len(host)-len(mrapSuffix):], mrapSuffix)
}

// errMRAPARN explains the one ARN form a bucket may take.
const errMRAPARN = "the only ARN a bucket may be is a Multi-Region Access Point's, arn:aws:s3::ACCOUNT:accesspoint/ALIAS.mrap"

// mrapAddress returns the host of a Multi-Region Access Point ARN given as
// a bucket: arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap is
// mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com. The account is
// 12 digits, the alias DNS labels ending in ".mrap".
func mrapAddress(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "s3" || parts[3] != "" {
		return "", fieldErr(FieldBucket, detail(ErrBucket, errMRAPARN))
	}
	if parts[1] != "aws" {
		return "", fieldErr(FieldBucket, detail(ErrBucket, "Multi-Region Access Points are in the aws partition only"))
	}
	if len(parts[4]) != 12 || strings.Trim(parts[4], "0123456789") != "" {
		return "", fieldErr(FieldBucket, detail(ErrBucket, "the ARN's account is not 12 digits; "+errMRAPARN))
	}
	alias, ok := strings.CutPrefix(parts[5], "accesspoint/")
	if !ok || !strings.HasSuffix(alias, ".mrap") {
		return "", fieldErr(FieldBucket, detail(ErrBucket, errMRAPARN))
	}
	host := strings.ToLower(alias) + mrapSuffix
	if alias != strings.ToLower(alias) || sigcore.CheckHost(host) != nil {
		return "", fieldErr(FieldBucket, detail(ErrBucket, "the access point alias is not lower-case DNS labels; "+errMRAPARN))
	}
	return host, nil
}

// signer returns the worker's SigV4a Signer for the row's region set and
// service.
func (st *sigV4aRows) signer(r *Row, service string) (*sigv4a.Signer, error) {
	w := st.w
	rs := st.fields.ownField(r, FieldRegionSet)
	if rs == "" {
		rs = w.cfg.RegionSet
	}
	if rs == "" {
		rs = sigv4a.DefaultRegionSet
	}
	if st.gen != w.credGen {
		clear(st.signers) // made with older credentials
		st.gen = w.credGen
	}
	k := signerKey{rs, service}
	if s := st.signers[k]; s != nil {
		return s, nil
	}
	k = signerKey{strings.Clone(rs), strings.Clone(service)} // keep no batch text alive
	c := w.creds
	key, err := st.keys.Get(c.AccessKeyID, c.SecretAccessKey)
	if err != nil {
		return nil, err
	}
	s, err := sigv4a.NewSigner(c, key, w.t, sigv4a.Options{RegionSet: k.region, Service: k.service})
	if err != nil {
		return nil, err
	}
	if len(st.signers) >= maxCachedAddrs {
		clear(st.signers)
	}
	st.signers[k] = s
	return s, nil
}

// target is where a SigV4a row goes: a url row's parts, or a bucket+key
// row's address (a Multi-Region Access Point ARN's global host, else the
// bucket in the row's or run's region, as for SigV4).
func (st *sigV4aRows) target(r *Row) (u ParsedURL, a Address, err error) {
	w := st.w
	if r.URL != "" {
		u, err = ParseURL(r.URL)
		return u, a, err
	}
	if strings.HasPrefix(r.Bucket, "arn:") {
		host, err := mrapAddress(r.Bucket)
		return u, Address{Scheme: "https", Host: host}, err
	}
	a, _, err = w.bucketTarget(r)
	return u, a, err
}

// presign signs r as a SigV4a presigned URL: S3 rows without headers to
// sign through the engine's S3 path, the others through the generic one.
func (st *sigV4aRows) presign(r *Row, b *Batch) error {
	w := st.w
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
	u, a, err := st.target(r)
	if err != nil {
		return err
	}
	s, err := st.signer(r, service)
	if err != nil {
		return err
	}
	if len(r.Headers) > 0 || service != "s3" {
		req := sigv4.Request{Method: method, Headers: r.Headers}
		scheme, err := w.setTarget(&req, r, u, a)
		if err != nil {
			return err
		}
		out, err := s.PresignURL(scheme, &req, expires)
		if err != nil {
			return err
		}
		w.url = append(w.url[:0], out...)
	} else {
		p := sigv4.S3Presign{Method: method, Expires: expires}
		if r.URL != "" {
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
			p.Scheme, p.Host, p.Key, p.Query = u.Scheme, u.Host, key, w.pairs
		} else {
			p.Scheme, p.Host, p.Bucket, p.Key, p.Query = a.Scheme, a.Host, a.Bucket, r.Key, r.Query
		}
		if w.url, err = s.AppendPresignS3(w.url[:0], &p); err != nil {
			return err
		}
	}
	w.appendPresignRecord(b, r, method, bytesValue(w.url), expires, clamped, r.Headers)
	return nil
}

// sign signs r for a SigV4a Authorization header and emits the URL and the
// headers to add.
func (st *sigV4aRows) sign(r *Row, b *Batch) error {
	w := st.w
	method, service, err := w.common(r)
	if err != nil {
		return err
	}
	payload, err := w.payloadHash(r)
	if err != nil {
		return err
	}
	u, a, err := st.target(r)
	if err != nil {
		return err
	}
	s, err := st.signer(r, service)
	if err != nil {
		return err
	}
	req := sigv4.Request{Method: method, Headers: r.Headers, PayloadHash: payload}
	scheme, err := w.setTarget(&req, r, u, a)
	if err != nil {
		return err
	}
	hs, err := s.SignHeaders(&req)
	if err != nil {
		return err
	}
	w.url = appendRequestURL(w.url[:0], scheme, &req)
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(method), bytesValue(w.url), headersValue(hs))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	return nil
}

// validateSigV4 is modeDef.validate for SigV4 presign and sign: the AWS
// credentials, and the region set its Multi-Region Access Point rows use.
func (c *Config) validateSigV4() error {
	if err := c.validateCredentials(); err != nil {
		return err
	}
	return c.validateRegionSet()
}
