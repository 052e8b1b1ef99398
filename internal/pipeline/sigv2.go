package pipeline

import (
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv2"
)

// sigV2Modes declares presign under SigV2.
func sigV2Modes() []modeDef {
	return []modeDef{
		{mode: Presign, scheme: SchemeSigV2, about: "S3 legacy SigV2 query auth: AWSAccessKeyId, Expires in epoch seconds, Signature",
			validate: (*Config).validateCredentials,
			newRow:   func(w *worker) rowFunc { return (&sigV2Presigner{w: w}).presign },
			fields:   presignFields(), refuses: presignRefuses(), out: s3PresignTable()},
	}
}

// sigV2Presigner is a worker's SigV2 presigner (not safe for concurrent
// use, made on first use) and its scratch slices.
type sigV2Presigner struct {
	w      *worker
	signer *sigv2.Signer
	gen    uint64 // the worker's credGen when signer was made
	query  []sigv2.Param
}

// presign signs r as an S3 SigV2 presigned URL: Expires is the signing
// time plus the row's lifetime, in epoch seconds. Rows address S3 by
// bucket and key (the run's endpoint and addressing style apply) or by a
// URL: virtual-hosted when its host is <bucket>.s3…amazonaws.com, path
// style (bucket first in the path) otherwise.
func (st *sigV2Presigner) presign(r *Row, b *Batch) error {
	w := st.w
	method, service, err := w.common(r)
	if err != nil {
		return err
	}
	if service != "s3" {
		return fieldErr(FieldService, detail(sigerr.ErrInvalidValue, "SigV2 presigned URLs are for S3 only"))
	}
	if err := checkPresignPayload(r); err != nil {
		return err
	}
	expires, clamped, err := w.expiresFor(r)
	if err != nil {
		return err
	}
	if st.signer == nil || st.gen != w.credGen {
		c := w.creds
		s, err := sigv2.NewSigner(c.AccessKeyID, c.SecretAccessKey)
		if err != nil {
			return err
		}
		st.signer, st.gen = s, w.credGen
	}
	req := sigv2.PresignRequest{Method: method, SessionToken: w.creds.SessionToken,
		Expires: w.t.Unix() + expires}
	st.query = st.query[:0]
	if r.URL != "" {
		u, err := ParseURL(r.URL)
		if err != nil {
			return err
		}
		path, err := sigcore.URIUnescape(u.Path)
		if err != nil {
			return fieldErr(FieldURL, err)
		}
		path = strings.TrimPrefix(path, "/")
		req.Scheme, req.Host = u.Scheme, u.Host
		if bucket, ok := awsVirtualBucket(u.Host); ok {
			req.Bucket, req.Key, req.Addressing = bucket, path, sigv2.AddressingVirtual
		} else {
			req.Bucket, req.Key, _ = strings.Cut(path, "/")
			req.Addressing = sigv2.AddressingPath
		}
		pairs, err := queryPairs(w.pairs[:0], u.RawQuery)
		if err != nil {
			return err
		}
		w.pairs = pairs
		for _, p := range pairs {
			st.query = append(st.query, sigv2.Param{Name: p.Key, Value: p.Value})
		}
	} else {
		a, _, err := w.bucketTarget(r)
		if err != nil {
			return err
		}
		req.Scheme, req.Host, req.Bucket, req.Key = a.Scheme, a.Host, r.Bucket, r.Key
		req.Addressing = sigv2.AddressingVirtual
		if a.Bucket != "" {
			req.Addressing = sigv2.AddressingPath
		}
	}
	if err := checkUTF8(FieldKey, req.Key); err != nil {
		return err
	}
	for _, p := range r.Query {
		st.query = append(st.query, sigv2.Param{Name: p.Key, Value: p.Value})
	}
	req.Query, req.Headers = st.query, r.Headers
	w.url, err = st.signer.AppendPresignedURL(w.url[:0], &req)
	if err != nil {
		return fieldErr(FieldURL, err)
	}
	w.appendPresignRecord(b, r, method, bytesValue(w.url), expires, clamped, r.Headers)
	return nil
}

// awsVirtualBucket returns the bucket of an AWS virtual-hosted S3 host
// (bucket.s3.amazonaws.com, bucket.s3.<region>.amazonaws.com[.cn],
// bucket.s3-<region>.amazonaws.com).
func awsVirtualBucket(host string) (string, bool) {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		if _, err := strconv.Atoi(host[i+1:]); err == nil {
			host = host[:i]
		}
	}
	host = strings.ToLower(host)
	if !strings.HasSuffix(host, ".amazonaws.com") && !strings.HasSuffix(host, ".amazonaws.com.cn") {
		return "", false
	}
	for _, mark := range []string{".s3.", ".s3-"} {
		if i := strings.Index(host, mark); i > 0 {
			return host[:i], true
		}
	}
	return "", false
}
