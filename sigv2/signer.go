package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// Signer signs S3 requests with SigV2 under one access key: presigned
// URLs and Authorization headers. It keeps the HMAC-SHA1 key state and
// scratch buffers, so that signing allocates nothing in steady state; it is
// not safe for concurrent use (give each worker its own). It never prints its
// secret.
type Signer struct {
	accessKeyID string
	mac         hash.Hash // HMAC-SHA1 under the secret access key
	canon       sigV2Canon
	sts         []byte
	sum         [sha1.Size]byte
}

// NewSigner prepares a signer. The access key id goes into URLs and
// headers; the secret only into the HMAC.
func NewSigner(accessKeyID, secretAccessKey string) (*Signer, error) {
	if accessKeyID == "" || secretAccessKey == "" {
		return nil, fmt.Errorf("%w: empty access key id or secret", ErrRequest)
	}
	return &Signer{
		accessKeyID: accessKeyID,
		mac:         hmac.New(sha1.New, []byte(secretAccessKey)),
		sts:         make([]byte, 0, 256),
	}, nil
}

// AccessKeyID returns the access key id the signer signs for.
func (s *Signer) AccessKeyID() string { return s.accessKeyID }

// String redacts the secret.
func (s Signer) String() string {
	return "sigv2.Signer(" + s.accessKeyID + ", secret redacted)"
}

// GoString redacts the secret.
func (s Signer) GoString() string { return s.String() }

// Format redacts the secret for every verb.
func (s Signer) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// appendSignature appends Base64(HMAC-SHA1(secret, stringToSign)) to dst.
func (s *Signer) appendSignature(dst, stringToSign []byte) []byte {
	s.mac.Reset()
	s.mac.Write(stringToSign)
	return base64.StdEncoding.AppendEncode(dst, s.mac.Sum(s.sum[:0]))
}

// AppendPresignedURL appends the presigned URL for r to dst:
//
//	scheme://host/path?<r.Query><signed headers>&AWSAccessKeyId=…&Expires=…&Signature=…
//
// with every query name and value percent-encoded (space as %20, '+' as
// %2B) and the path built from the same encoded key bytes the resource
// signs.
func (s *Signer) AppendPresignedURL(dst []byte, r *PresignRequest) ([]byte, error) {
	if err := r.check(); err != nil {
		return dst, err
	}
	tokArr := sigV2TokenHeader(r.SessionToken)
	tok := tokArr[:sigV2BoolInt(r.SessionToken != "")]
	sts, keyStart, keyEnd, err := s.canon.appendPresignStringToSign(s.sts[:0], r, tok)
	s.sts = sts
	if err != nil {
		return dst, err
	}
	if r.Scheme == "" {
		dst = append(dst, "https"...)
	} else {
		dst = append(dst, r.Scheme...)
	}
	dst = append(dst, "://"...)
	dst = append(dst, r.Host...)
	dst = append(dst, '/')
	if r.Bucket != "" && !r.virtualHosted() {
		dst = append(dst, r.Bucket...)
		dst = append(dst, '/')
	}
	dst = append(dst, sts[keyStart:keyEnd]...)
	sep := byte('?')
	appendParam := func(dst []byte, name, value string, bare bool) []byte {
		dst = append(dst, sep)
		sep = '&'
		dst = sigcore.AppendURIEscape(dst, name, false)
		if !bare {
			dst = append(dst, '=')
			dst = sigcore.AppendURIEscape(dst, value, false)
		}
		return dst
	}
	for i := range r.Query {
		q := &r.Query[i]
		dst = appendParam(dst, q.Name, q.Value, q.Value == "" && isSigV2Subresource(q.Name))
	}
	for _, hs := range [2][]Param{r.Headers, tok} {
		for i := range hs {
			h := &hs[i]
			if sigcore.HasPrefixFoldASCII(h.Name, "x-amz-") || sigcore.EqualFoldASCII(h.Name, "content-md5") || sigcore.EqualFoldASCII(h.Name, "content-type") {
				dst = appendParam(dst, h.Name, h.Value, false)
			}
		}
	}
	dst = appendParam(dst, "AWSAccessKeyId", s.accessKeyID, false)
	dst = append(dst, "&Expires="...)
	dst = strconv.AppendInt(dst, r.Expires, 10)
	dst = append(dst, "&Signature="...)
	var sig [28]byte // base64 of 20 bytes
	return appendSigV2EscapedBase64(dst, s.appendSignature(sig[:0], sts)), nil
}

// appendSigV2EscapedBase64 appends standard base64 text percent-encoded for a
// query value: its only reserved characters are '+', '/' and '='.
func appendSigV2EscapedBase64(dst, b64 []byte) []byte {
	for _, c := range b64 {
		switch c {
		case '+':
			dst = append(dst, "%2B"...)
		case '/':
			dst = append(dst, "%2F"...)
		case '=':
			dst = append(dst, "%3D"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// AppendAuthorization appends the header-authentication value "AWS
// AKID:signature" for r to dst.
func (s *Signer) AppendAuthorization(dst []byte, r *Request) ([]byte, error) {
	sts, err := s.canon.appendHeaderStringToSign(s.sts[:0], r)
	s.sts = sts
	if err != nil {
		return dst, err
	}
	dst = append(dst, "AWS "...)
	dst = append(dst, s.accessKeyID...)
	dst = append(dst, ':')
	return s.appendSignature(dst, sts), nil
}

// Presign returns the presigned URL for r, for callers off the hot path.
func Presign(accessKeyID, secretAccessKey string, r *PresignRequest) (string, error) {
	s, err := NewSigner(accessKeyID, secretAccessKey)
	if err != nil {
		return "", err
	}
	b, err := s.AppendPresignedURL(nil, r)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Authorization returns the Authorization header value "AWS
// AKID:signature" for r, for callers off the hot path.
func Authorization(accessKeyID, secretAccessKey string, r *Request) (string, error) {
	s, err := NewSigner(accessKeyID, secretAccessKey)
	if err != nil {
		return "", err
	}
	b, err := s.AppendAuthorization(nil, r)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// signature returns Base64(HMAC-SHA1(secret, stringToSign)).
func signature(secretAccessKey, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secretAccessKey))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
