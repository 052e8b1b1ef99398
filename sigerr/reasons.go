package sigerr

import "errors"

// VerifyReason is why a signature, MAC or presigned URL did not verify. It is
// one small enum shared by every scheme (SigV4, SigV2, Azure HMAC, KMS-style
// MACs) so that `batchsign verify` can report one reason column and one
// summary whatever the scheme.
//
// The reasons are constants that implement error, so they serve as sentinels
// without package-level variables: a verifier returns a *VerifyError that
// wraps one of them with detail, and callers branch with
// errors.Is(err, ErrExpired).
type VerifyReason uint8

// The verification reasons. The zero value is not a reason.
const (
	// ErrSignatureMismatch: the signature (or MAC) is well formed but is not
	// the one the key produces for this request. Also reported for a
	// signature that is not even valid base64/hex, as servers do.
	ErrSignatureMismatch VerifyReason = iota + 1
	// ErrExpired: the signature was good but its validity window has passed
	// (presigned URL past its expiry).
	ErrExpired
	// ErrNotYetValid: the signature was good but is dated in the future
	// beyond the allowed clock skew (presigned URL used before its date).
	ErrNotYetValid
	// ErrClockSkew: header authentication whose date is more than the
	// allowed skew (15 minutes) away from "now", in either direction.
	ErrClockSkew
	// ErrUnknownKey: the access key id (or key id / alias) is not known to
	// the key lookup.
	ErrUnknownKey
	// ErrWrongScope: the credential scope (date, region, service) does not
	// match what the verifier expects.
	ErrWrongScope
	// ErrUnsignedHeader: a header the scheme requires to be signed is
	// missing from the signed set.
	ErrUnsignedHeader
	// ErrMalformed: the request cannot be parsed as a signed request of this
	// scheme (missing or duplicated parameters, bad encoding, bad numbers).
	ErrMalformed
	// ErrContentHashMismatch: the signature covers a content hash header that
	// does not match the body (Azure x-ms-content-sha256, SigV4
	// x-amz-content-sha256): the request is authentic, its body is not.
	ErrContentHashMismatch
	// ErrWrongPermission: the signature is good but does not grant what the
	// request does (an Azure SAS with read permission used for a PUT).
	ErrWrongPermission
)

// Error returns the reason in words, so a bare reason is already a usable
// error.
func (r VerifyReason) Error() string {
	text, _ := r.words()
	return text
}

// Code returns a stable snake_case token for the reason ("expired",
// "signature_mismatch", …): the value `batchsign verify` writes in its
// reason column and summary, which scripts may match on.
func (r VerifyReason) Code() string {
	_, code := r.words()
	return code
}

// words returns the Error text and the Code of r.
func (r VerifyReason) words() (text, code string) {
	switch r {
	case ErrSignatureMismatch:
		return "signature mismatch", "signature_mismatch"
	case ErrExpired:
		return "expired", "expired"
	case ErrNotYetValid:
		return "not yet valid", "not_yet_valid"
	case ErrClockSkew:
		return "clock skew too large", "clock_skew"
	case ErrUnknownKey:
		return "unknown key", "unknown_key"
	case ErrWrongScope:
		return "wrong scope", "wrong_scope"
	case ErrUnsignedHeader:
		return "required header not signed", "unsigned_header"
	case ErrMalformed:
		return "malformed", "malformed"
	case ErrContentHashMismatch:
		return "content hash mismatch", "content_hash_mismatch"
	case ErrWrongPermission:
		return "permission does not allow the method", "wrong_permission"
	case 0:
		return "no reason", "none"
	}
	return "unknown verify reason", "unknown"
}

// String is Code, so reasons print as their stable token in %v.
func (r VerifyReason) String() string { return r.Code() }

// VerifyError is a failed verification: a reason callers branch on, plus
// detail for humans. Detail never contains secret material (keys, expected
// signatures); it may quote the parts of the request that were given.
type VerifyError struct {
	Scheme string       // "sigv2", "azure-hmac", "kms-mac", "sigv4", …
	Reason VerifyReason // what went wrong, for errors.Is
	Field  string       // the part of the request concerned ("Expires", "x-ms-date"), may be empty
	Detail string       // free text, may be empty
}

// Error formats as "scheme: reason: field: detail", leaving out empty parts.
func (e *VerifyError) Error() string {
	b := make([]byte, 0, 64)
	if e.Scheme != "" {
		b = append(b, e.Scheme...)
		b = append(b, ": "...)
	}
	b = append(b, e.Reason.Error()...)
	if e.Field != "" {
		b = append(b, ": "...)
		b = append(b, e.Field...)
	}
	if e.Detail != "" {
		b = append(b, ": "...)
		b = append(b, e.Detail...)
	}
	return string(b)
}

// Unwrap returns the reason, which makes errors.Is(err, ErrExpired) work.
func (e *VerifyError) Unwrap() error { return e.Reason }

// ReasonOf returns the VerifyReason carried by err (through any wrapping), or
// 0 when err is nil or carries none. It saves callers an errors.As dance when
// all they want is the reason column.
func ReasonOf(err error) VerifyReason {
	if err == nil {
		return 0 // and no allocation for errors.As's target
	}
	var r VerifyReason
	if errors.As(err, &r) {
		return r
	}
	return 0
}
