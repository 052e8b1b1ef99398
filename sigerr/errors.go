package sigerr

import "errors"

// Errors every scheme's signer returns for input it cannot sign, for callers
// that branch with errors.Is. Each is wrapped in a *FieldError naming the
// offending field where one applies.
var (
	// ErrInvalidUTF8: an S3 object key or another value that must be UTF-8
	// is not; it is never replaced silently.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrMalformedEscape: a percent escape in a path or query is not %XX.
	ErrMalformedEscape = errors.New("malformed percent escape")
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
