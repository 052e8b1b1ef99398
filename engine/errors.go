package engine

import "errors"

// Errors the signers return, for callers that branch with errors.Is. Each is
// wrapped in a *FieldError naming the offending field where one applies.
var (
	// ErrExpiresRange: a presign's X-Amz-Expires is outside 1…604800 seconds
	// (SigV4's limit: seven days).
	ErrExpiresRange = errors.New("expires must be between 1 and 604800 seconds")
	// ErrOutlivesCredentials: the URL would stay valid after the temporary
	// credentials that sign it expire, so it would die early and silently.
	ErrOutlivesCredentials = errors.New("presigned URL would outlive the temporary credentials")
	// ErrInvalidUTF8: an S3 object key or another value that must be UTF-8
	// is not; it is never replaced silently.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrMalformedEscape: a percent escape in a path or query is not %XX.
	ErrMalformedEscape = errors.New("malformed percent escape")
	// ErrReservedParam: a caller's query parameter collides with one the
	// signer sets (X-Amz-Signature, X-Amz-Credential, ...).
	ErrReservedParam = errors.New("query parameter is reserved for the signature")
	// ErrMissingField: a required input (host, method, credentials) is empty.
	ErrMissingField = errors.New("missing required field")
	// ErrInvalidValue: a field holds a value the scheme cannot sign (a
	// header value with a control character, a scope mismatch, ...).
	ErrInvalidValue = errors.New("invalid value")
)

// FieldError names the input field a signing error is about, so that a batch
// can report "row 812: key: invalid UTF-8 at byte 14". Its text never
// includes secret material.
type FieldError struct {
	Field string // manifest-style field name: "key", "expires", "query", ...
	Err   error  // the reason; errors.Is sees through it
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, err error) error { return &FieldError{Field: field, Err: err} }

// detailError carries a sentinel plus a detail message.
type detailError struct {
	sentinel error
	detail   string
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.sentinel }

func withDetail(sentinel error, detail string) error {
	return &detailError{sentinel: sentinel, detail: detail}
}
