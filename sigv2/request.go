package sigv2

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// Request is a request as it goes on the wire, the form header
// authentication (and verification) canonicalises.
type Request struct {
	Method     string     // as sent, e.g. "GET"
	Host       string     // the Host header; its port is ignored when finding the bucket
	RequestURI string     // path and query exactly as sent: "/photos/puppy.jpg?acl" (only bytes a request target carries)
	Headers    []Param    // request headers, names in any case, repeats allowed
	Addressing Addressing // how to find the bucket (Auto by default)
}

// PresignRequest describes an S3 object (or bucket) request to presign
// with SigV2 query-string authentication.
type PresignRequest struct {
	Method     string     // GET when empty
	Scheme     string     // "https" when empty
	Host       string     // host[:port] of the URL: an endpoint (path style) or the bucket's own host
	Bucket     string     // bucket name; empty only for service-level requests (then Key must be empty)
	Key        string     // object key, not encoded; encoded once with '/' kept; must be valid UTF-8
	Addressing Addressing // Path puts the bucket in the path; Virtual/CNAME keep it in Host; Auto decides from Host
	// Query holds extra parameters with decoded values: sub-resources
	// (versionId, acl, …) and response-* overrides are signed, the rest are
	// carried unsigned. AWSAccessKeyId, Expires and Signature are reserved.
	Query []Param
	// Headers the eventual request carries that SigV2 signs: Content-MD5,
	// Content-Type, x-amz-*. They are also put in the URL's query string.
	Headers      []Param
	SessionToken string // temporary credentials: signed and sent as x-amz-security-token
	Expires      int64  // absolute expiry, Unix seconds; must be positive
}

// virtualHosted decides, for presigning, whether the bucket is in Host.
func (r *PresignRequest) virtualHosted() bool {
	switch r.Addressing {
	case AddressingPath:
		return false
	case AddressingVirtual, AddressingCNAME:
		return true
	}
	h := sigV2HostName(r.Host)
	return r.Bucket != "" && strings.HasPrefix(h, r.Bucket) && (len(h) == len(r.Bucket) || h[len(r.Bucket)] == '.')
}

func (r *PresignRequest) check() error {
	if r.Host == "" {
		return sigV2RequestError("host", "missing")
	}
	if err := sigcore.CheckHost(r.Host); err != nil {
		return sigV2RequestError("host", errors.Unwrap(err).Error())
	}
	if r.Bucket == "" && r.Key != "" {
		return sigV2RequestError("bucket", "a key needs a bucket")
	}
	if r.Scheme != "" && r.Scheme != "https" && r.Scheme != "http" {
		return sigV2RequestError("scheme", "must be https or http")
	}
	for i := 0; i < len(r.Bucket); i++ {
		// S3 bucket names (legacy ones included) use only unreserved
		// characters, which is what lets them go into the path and the
		// resource unencoded.
		if !sigcore.IsUnreserved(r.Bucket[i]) {
			return sigV2RequestError("bucket", "invalid bucket name "+strconv.Quote(r.Bucket))
		}
	}
	if err := sigcore.CheckUTF8(r.Key); err != nil {
		return fmt.Errorf("%w: key: %w", ErrRequest, err)
	}
	if r.Expires <= 0 {
		return sigV2RequestError("expires", "must be a positive Unix time")
	}
	for i := range r.Query {
		if isSigV2AuthParam(r.Query[i].Name) {
			return sigV2RequestError("query", "parameter "+r.Query[i].Name+" is reserved for the signature")
		}
		if r.Query[i].Name == "" {
			return sigV2RequestError("query", "empty parameter name")
		}
	}
	for i := range r.Headers {
		if !sigV2ValidHeaderName(r.Headers[i].Name) {
			return sigV2RequestError("header", "invalid header name "+strconv.Quote(r.Headers[i].Name))
		}
	}
	return nil
}
