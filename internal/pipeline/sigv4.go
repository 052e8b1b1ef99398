package pipeline

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// sigV4Modes declares presign and sign under SigV4, the default scheme of
// both. Rows that address an S3 Multi-Region Access Point are signed with
// SigV4a instead, which an MRAP requires (withMRAP, sigv4a.go); region_set
// is theirs.
func sigV4Modes() []modeDef {
	return []modeDef{
		{mode: Presign, scheme: SchemeSigV4, about: "AWS SigV4 query auth: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-Signature",
			validate: (*Config).validateSigV4, newRow: func(w *worker) rowFunc { return withMRAP(w, w.presign, Presign) },
			fields:  append(presignFields(), FieldRegionSet, FieldBodyFile, FieldChecksumSHA256, FieldContentMD5),
			refuses: []string{FieldContentSHA256, FieldBody}, out: s3PresignTable()},
		{mode: Sign, scheme: SchemeSigV4, about: "AWS SigV4 headers: Authorization, X-Amz-Date, x-amz-content-sha256, X-Amz-Security-Token",
			validate: (*Config).validateSigV4, newRow: func(w *worker) rowFunc { return withMRAP(w, w.sign, Sign) },
			fields: []string{FieldID, FieldMethod, FieldURL, FieldBucket, FieldKey, FieldRegion, FieldService,
				FieldHeaders, FieldQuery, FieldPayload, FieldContentSHA256, FieldBodyFile, FieldRegionSet},
			refuses: []string{FieldBody},
			out:     signTable("Authorization", "X-Amz-Date", "x-amz-content-sha256", "X-Amz-Security-Token")},
	}
}

// presignFields are what a presign row takes, whatever the scheme.
func presignFields() []string {
	return []string{FieldID, FieldMethod, FieldURL, FieldBucket, FieldKey, FieldRegion, FieldService,
		FieldExpires, FieldHeaders, FieldQuery, FieldPayload}
}

// The fields that bind a presigned PUT to one body (see checksumHeaders).
const (
	// FieldChecksumSHA256 is "checksum_sha256": the base64 SHA-256 of the
	// body, signed as x-amz-checksum-sha256.
	FieldChecksumSHA256 = "checksum_sha256"
	// FieldContentMD5 is "content_md5": the base64 MD5 of the body, signed
	// as Content-MD5.
	FieldContentMD5 = "content_md5"
)

// s3PresignTable is presign's output under the S3 schemes (sigv4, sigv2,
// sigv4a): presignTable's columns and the headers the client must send,
// those the row signed (its own, and the checksum headers of a
// checksum-bound PUT). NDJSON leaves headers out of a row that signed none;
// CSV has columns for the usual ones.
func s3PresignTable() table {
	t := presignTable()
	t.name = "S3PresignRecord"
	t.columns = append(t.columns, Column{Name: "headers", Kind: HeadersColumn, OmitEmpty: true,
		CSV: []string{"Content-Type", "Content-MD5", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm"}})
	return t
}

// S3PresignRecord is the Parquet schema of presign output under sigv4,
// sigv2 and sigv4a: PresignRecord's columns and the headers the client must
// send (an empty map when none), sorted by name.
type S3PresignRecord struct {
	ID        string            `parquet:"id"`
	Method    string            `parquet:"method"`
	URL       string            `parquet:"url"`
	ExpiresAt string            `parquet:"expires_at"` // RFC 3339, UTC
	Headers   map[string]string `parquet:"headers"`
}

// presignRefuses are the body fields: presigned URLs carry
// UNSIGNED-PAYLOAD (checkPresignPayload).
func presignRefuses() []string { return []string{FieldContentSHA256, FieldBodyFile, FieldBody} }

// presign signs r as a presigned URL. S3 rows without headers take the
// engine's zero-allocation path; rows with headers to sign, and other
// services, take the generic one.
func (w *worker) presign(r *Row, b *Batch) error {
	method, service, err := w.common(r)
	if err != nil {
		return err
	}
	if err := checkPresignNoBody(r); err != nil {
		return err
	}
	send, err := w.checksumHeaders(r, method)
	if err != nil {
		return err
	}
	expires, clamped, err := w.expiresFor(r)
	if err != nil {
		return err
	}

	var p sigv4.S3Presign
	var req sigv4.Request
	var scheme string
	generic := len(send) > 0 || service != "s3"
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
			req = sigv4.Request{Method: method, Host: u.Host, Path: u.Path, Query: w.joinQuery(u.RawQuery, r.Query), Headers: send}
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
			req = sigv4.Request{Method: method, Host: a.Host, Path: w.s3Path(a.Bucket, r.Key), Query: w.joinQuery("", r.Query), Headers: send}
		} else {
			p = sigv4.S3Presign{Method: method, Scheme: a.Scheme, Host: a.Host, Bucket: a.Bucket, Key: r.Key, Query: r.Query, Expires: expires}
		}
	}
	if !generic {
		return w.presignS3(r, b, s, &p, method, expires, clamped)
	}
	w.flushPending(b)
	u, err := s.PresignURL(scheme, &req, expires)
	if err != nil {
		return err
	}
	w.url = append(w.url[:0], u...)
	w.appendPresignRecord(b, r, method, bytesValue(w.url), expires, clamped, send)
	return nil
}

// checksumHeaders returns the headers a presigned SigV4 URL for r signs,
// which the client must send: the row's own, then, for a PUT bound to one
// body, x-amz-checksum-sha256 (the base64 SHA-256 of body_file, or
// checksum_sha256; both given, they must agree) with
// x-amz-sdk-checksum-algorithm SHA256, and Content-MD5 (content_md5). S3
// then refuses any other body under the URL.
func (w *worker) checksumHeaders(r *Row, method string) ([]sigv4.Header, error) {
	if w.own == nil {
		w.own = newFieldSet()
	}
	sha, md5 := w.own.ownField(r, FieldChecksumSHA256), w.own.ownField(r, FieldContentMD5)
	if sha == "" && md5 == "" && r.BodyFile == "" {
		return r.Headers, nil
	}
	field := FieldChecksumSHA256
	switch {
	case r.BodyFile != "":
		field = FieldBodyFile
	case sha == "":
		field = FieldContentMD5
	}
	if method != "PUT" {
		return nil, fieldErr(field, detail(ErrConflict, "a checksum binds the body of a PUT, not a "+method))
	}
	for _, h := range r.Headers {
		for _, n := range [...]string{"x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm", "Content-MD5"} {
			if sigcore.EqualFoldASCII(h.Name, n) {
				return nil, fieldErr(FieldHeaders, detail(ErrConflict, h.Name+" comes from body_file, checksum_sha256 or content_md5"))
			}
		}
	}
	w.send = append(w.send[:0], r.Headers...)
	if sha != "" {
		var sum [sha256Size + 1]byte // 44 base64 characters decode to at most 33 bytes
		if len(sha) != 44 {
			return nil, fieldErr(FieldChecksumSHA256, detail(sigerr.ErrInvalidValue, "want the base64 of a SHA-256 (44 characters)"))
		}
		if n, err := base64.StdEncoding.Decode(sum[:], []byte(sha)); err != nil || n != sha256Size {
			return nil, fieldErr(FieldChecksumSHA256, detail(sigerr.ErrInvalidValue, "want the base64 of a SHA-256 (44 characters)"))
		}
	}
	if r.BodyFile != "" {
		sum, err := w.bodySum(r)
		if err != nil {
			return nil, fieldErr(FieldBodyFile, err)
		}
		got := base64.StdEncoding.EncodeToString(sum[:])
		if sha != "" && sha != got {
			return nil, fieldErr(FieldChecksumSHA256, detail(sigerr.ErrInvalidValue, "does not match the SHA-256 of body_file ("+got+")"))
		}
		sha = got
	}
	if sha != "" {
		w.send = append(w.send, sigv4.Header{Name: "x-amz-checksum-sha256", Value: sha},
			sigv4.Header{Name: "x-amz-sdk-checksum-algorithm", Value: "SHA256"})
	}
	if md5 != "" {
		var sum [16 + 2]byte // 24 base64 characters decode to at most 18 bytes
		if len(md5) != 24 {
			return nil, fieldErr(FieldContentMD5, detail(sigerr.ErrInvalidValue, "want the base64 of an MD5 (24 characters)"))
		}
		if n, err := base64.StdEncoding.Decode(sum[:], []byte(md5)); err != nil || n != 16 {
			return nil, fieldErr(FieldContentMD5, detail(sigerr.ErrInvalidValue, "want the base64 of an MD5 (24 characters)"))
		}
		w.send = append(w.send, sigv4.Header{Name: "Content-MD5", Value: md5})
	}
	return w.send, nil
}

// sha256Size is the length of a SHA-256 digest.
const sha256Size = 32

// checkPresignPayload refuses body fields in a presign row: presigned URLs
// carry UNSIGNED-PAYLOAD.
func checkPresignPayload(r *Row) error {
	if r.BodyFile != "" {
		return fieldErr(FieldBodyFile, detail(ErrConflict, "presigned URLs carry UNSIGNED-PAYLOAD; use sign to sign a body"))
	}
	return checkPresignNoBody(r)
}

// checkPresignNoBody is checkPresignPayload but for body_file, which a
// SigV4 presign turns into a checksum (checksumHeaders).
func checkPresignNoBody(r *Row) error {
	switch {
	case r.Payload != "" && r.Payload != "unsigned":
		return fieldErr(FieldPayload, detail(sigerr.ErrInvalidValue, "presigned URLs carry UNSIGNED-PAYLOAD; use sign for "+strconv.Quote(r.Payload)))
	case r.ContentSHA256 != "":
		return fieldErr(FieldContentSHA256, detail(ErrConflict, "presigned URLs carry UNSIGNED-PAYLOAD; use sign to sign a body hash"))
	case r.Body != "":
		return fieldErr(FieldBody, detail(ErrConflict, "an inline body is for sign --scheme azure-hmac"))
	}
	return nil
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
	w.url = appendRequestURL(w.url[:0], scheme, &req)
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(method), bytesValue(w.url), headersValue(hs))
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
	sum, err := w.bodySum(r)
	if err != nil {
		return "", fieldErr(FieldBodyFile, err)
	}
	// Hashing a large body takes long: the credentials may have come
	// due meanwhile, and the row is signed after this.
	if err := w.checkCredentialsAt(r); err != nil {
		return "", err
	}
	got := hex.EncodeToString(sum[:])
	if given != "" && given != got {
		return "", fieldErr(FieldContentSHA256, detail(sigerr.ErrInvalidValue, "does not match the SHA-256 of body_file ("+got+")"))
	}
	return got, nil
}
