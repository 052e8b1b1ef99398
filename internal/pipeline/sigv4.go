package pipeline

import (
	"encoding/hex"
	"strconv"
	"time"

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
			fields: append(presignFields(), FieldRegionSet), refuses: presignRefuses(), out: presignTable()},
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
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(method), bytesValue(w.url), timeValue(w.t.Add(time.Duration(expires)*time.Second)))
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
	if w.hashBuf == nil {
		w.hashBuf = make([]byte, hashBufSize)
	}
	sum, _, err := hashFile(w.context(), r.BodyFile, w.hashBuf)
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
