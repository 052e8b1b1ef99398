// Package sigcore holds what batchsign's signing schemes share, so that each
// decision is made in one place: URI escaping and unescaping (escape.go), the
// one URL splitter (url.go), constant-time comparison and redacted secrets
// (consttime.go), and the helpers that build the errors of package sigerr.
//
// It does no I/O and reads no clock.
package sigcore

import (
	"strconv"
	"time"

	"github.com/batchsign/batchsign/sigerr"
)

// Header is one HTTP header, in the order and case the caller gave it.
type Header struct {
	Name  string
	Value string
}

// QueryParam is one query parameter, unescaped.
type QueryParam struct {
	Key   string
	Value string
}

// SecretLookup finds the secret for an access key id when verifying; ok is
// false for an unknown key. It is a function, not a map, so callers can back
// it with a keys file, a single credential or a cache, and so a verifier
// never holds more secrets than it is asked about.
type SecretLookup = func(accessKeyID string) (secret string, ok bool)

// MaxClockSkew is the largest difference between a header-authenticated
// request's date and "now" that verifiers accept, as S3 and Azure do.
const MaxClockSkew = 15 * time.Minute

// ClockSkew is the clock skew a verifier allows when its options say max:
// max when positive, MaxClockSkew when zero (or negative).
func ClockSkew(max time.Duration) time.Duration {
	if max > 0 {
		return max
	}
	return MaxClockSkew
}

// Redacted is what String and Format print in place of secret material.
const Redacted = "[REDACTED]"

// ConstError is an error that can be a constant, for sentinels that are not
// verification reasons (bad connection strings, requests a scheme cannot sign).
type ConstError string

// Error returns the sentinel's text.
func (e ConstError) Error() string { return string(e) }

// FieldErr wraps err in a *sigerr.FieldError naming field.
func FieldErr(field string, err error) error { return &sigerr.FieldError{Field: field, Err: err} }

// detailError carries a sentinel plus a detail message.
type detailError struct {
	sentinel error
	detail   string
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.sentinel }

// WithDetail returns an error that reads "sentinel: detail" and is the
// sentinel for errors.Is.
func WithDetail(sentinel error, detail string) error {
	return &detailError{sentinel: sentinel, detail: detail}
}

// Fail builds a *sigerr.VerifyError, so every scheme words failures alike.
func Fail(scheme string, reason sigerr.VerifyReason, field, detail string) error {
	return &sigerr.VerifyError{Scheme: scheme, Reason: reason, Field: field, Detail: detail}
}

// QuoteForError quotes a name (algorithm, key id, header value) for an error
// message, cut to 40 bytes so a wrong paste does not flood the rejects file.
// Never used on fields that may hold secrets.
func QuoteForError(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
