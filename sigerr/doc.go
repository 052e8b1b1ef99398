// Package sigerr is the error vocabulary every batchsign scheme shares, so
// that a program handles SigV4, SigV2 and Azure failures alike:
//
//   - signing: a *FieldError names the input that cannot be signed and wraps
//     a sentinel (ErrInvalidUTF8, ErrMissingField, ErrInvalidValue, …);
//   - verification: a *VerifyError carries a VerifyReason (ErrExpired,
//     ErrSignatureMismatch, …) that callers branch on with errors.Is or
//     ReasonOf, and whose Code is the stable token `batchsign verify` prints.
//
// No error here ever holds secret material.
package sigerr
