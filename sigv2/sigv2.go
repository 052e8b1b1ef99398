package sigv2

import (
	"fmt"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// S3 Signature Version 2 (HMAC-SHA1), the legacy scheme some S3-compatible
// stores and old regions still require. Reference: "Signing and
// authenticating REST requests", Amazon S3 Developer Guide
// (RESTAuthentication.html), whose examples are the §8 vectors of
// testdata/s3-doc-vectors.md.
//
//	Signature    = Base64(HMAC-SHA1(secret, StringToSign))
//	StringToSign = VERB \n Content-MD5 \n Content-Type \n Date|Expires \n
//	               CanonicalizedAmzHeaders CanonicalizedResource
//
// Rules this file implements, each of which decides whether S3 accepts a
// signature:
//
//   - CanonicalizedResource is "/" + bucket (when the Host names it: virtual
//     hosted or CNAME) + the request path exactly as sent, percent-encoding and
//     its letter case included (the doc's "Unicode keys" example signs
//     /dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re). When batchsign builds the
//     path from a key, the key is encoded once (slashes kept) and the very
//     same bytes go into the URL and the resource.
//   - Only sub-resources and response-* overrides from S3's list (the one
//     botocore signs with) join the resource, sorted by name, with their values
//     decoded: "?acl", "?response-content-type=text/plain&versionId=3". Every
//     other query parameter is unsigned: SigV2 does not protect it.
//   - CanonicalizedAmzHeaders: every x-amz-* header, name lower-cased, sorted,
//     repeated names joined by "," in order, folded whitespace unfolded,
//     surrounding whitespace trimmed, each followed by "\n".
//   - Header form: when x-amz-date is present the Date line is empty (and
//     x-amz-date is signed as an amz header), as the doc's rule says and SDKs
//     do. The doc's own "Delete" example contradicts its rule (it puts the
//     x-amz-date value on the Date line); see sigv2_test.go.
//   - Query form (presign): the Date line is Expires, absolute epoch seconds,
//     with no upper bound (SigV2 has no 7-day cap). Headers the request must
//     carry that are signed (x-amz-*, Content-MD5, Content-Type) travel in the
//     query string as botocore does, so the URL stands alone; S3 reads them
//     from there.

// Param is a name and value: a query parameter (value decoded, as the
// string to sign uses it) or a request header (name in any case). It is the
// same type as Header, so a request's headers pass to SigV2 without a copy.
type Param = sigcore.Header

// SecretLookup finds the secret for an access key id when verifying; ok is
// false for an unknown key.
type SecretLookup = sigcore.SecretLookup

// Addressing says where the bucket of an S3 request is, which decides
// the "/bucket" prefix of the canonical resource.
type Addressing uint8

// The addressing styles.
const (
	// AddressingAuto: when presigning, virtual hosted if Host is the
	// bucket or begins with "bucket."; when reading a request, the bucket is
	// taken from AWS virtual-hosted names (bucket.s3.amazonaws.com,
	// bucket.s3.eu-west-1.amazonaws.com, bucket.s3-eu-west-1.amazonaws.com,
	// dual-stack and accelerate forms) and any other host is path style. Use
	// CNAME or Virtual explicitly for other virtual hosts.
	AddressingAuto Addressing = iota
	// AddressingPath: the bucket is the first path segment; Host is an
	// endpoint (s3.amazonaws.com, 127.0.0.1:9000).
	AddressingPath
	// AddressingVirtual: Host is bucket + "." + endpoint. For non-AWS
	// endpoints the bucket is taken to be Host's first label.
	AddressingVirtual
	// AddressingCNAME: Host (without port) is the bucket name itself.
	AddressingCNAME
)

// ParseAddressing accepts "auto" (or ""), "path", "virtual" and "cname",
// the values of --addressing-style.
func ParseAddressing(s string) (Addressing, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return AddressingAuto, nil
	case "path":
		return AddressingPath, nil
	case "virtual":
		return AddressingVirtual, nil
	case "cname":
		return AddressingCNAME, nil
	}
	return 0, fmt.Errorf("unknown addressing style %s (want auto, path, virtual or cname)", sigcore.QuoteForError(s))
}

// isSigV2Subresource reports whether a query parameter joins the
// CanonicalizedResource: S3's documented sub-resources, the response-*
// overrides and delete, plus the later ones botocore's HmacV1Auth signs
// (QSAOfInterest). Note MinIO's verifier knows only the documented ones; a URL
// using e.g. ?tagging signed here verifies on S3, not on MinIO.
func isSigV2Subresource(name string) bool {
	switch name {
	case "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete",
		"inventory", "lifecycle", "location", "logging", "metrics", "notification",
		"object-lock", "partNumber", "policy", "replication", "requestPayment",
		"response-cache-control", "response-content-disposition",
		"response-content-encoding", "response-content-language",
		"response-content-type", "response-expires", "restore", "select",
		"select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
		"versionId", "versioning", "versions", "website":
		return true
	}
	return false
}

// isSigV2AuthParam reports the query parameters that carry the presigned
// signature itself.
func isSigV2AuthParam(name string) bool {
	return name == "AWSAccessKeyId" || name == "Expires" || name == "Signature"
}

// ErrRequest is wrapped by every error about a request that cannot be
// signed with SigV2 (bad key, bad host, reserved parameter, …).
const ErrRequest = sigcore.ConstError("sigv2: cannot sign request")

func sigV2RequestError(field, detail string) error {
	return fmt.Errorf("%w: %s: %s", ErrRequest, field, detail)
}
