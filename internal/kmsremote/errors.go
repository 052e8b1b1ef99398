package kmsremote

import (
	"errors"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/sigerr"
)

// The KMS exceptions GenerateMac and VerifyMac can answer besides the four
// the engine defines (keyring.ErrKMSValidation, keyring.ErrKMSNotFound,
// keyring.ErrKMSInvalidKeyUsage, keyring.ErrKMSInvalidMac), and the common
// errors of the AWS JSON protocol. Branch with errors.Is(err, ErrDisabled),
// or read the name with keyring.KMSErrorName(err).
const (
	// ErrDisabled: the key is disabled.
	ErrDisabled keyring.KMSErrorCode = "DisabledException"
	// ErrInvalidState: the key's state does not allow the operation
	// (pending deletion, pending import, …).
	ErrInvalidState keyring.KMSErrorCode = "KMSInvalidStateException"
	// ErrKeyUnavailable: the key's custom key store is not reachable.
	ErrKeyUnavailable keyring.KMSErrorCode = "KeyUnavailableException"
	// ErrAccessDenied: the caller may not use the key (key policy, IAM).
	ErrAccessDenied keyring.KMSErrorCode = "AccessDeniedException"
	// ErrInvalidGrantToken: a grant token in the request is not valid.
	ErrInvalidGrantToken keyring.KMSErrorCode = "InvalidGrantTokenException"
	// ErrDryRunOperation: a DryRun request would have succeeded.
	ErrDryRunOperation keyring.KMSErrorCode = "DryRunOperationException"
	// ErrThrottling: too many requests; retried (see Config.MaxAttempts).
	ErrThrottling keyring.KMSErrorCode = "ThrottlingException"
	// ErrInternal: KMS failed (HTTP 500); retried.
	ErrInternal keyring.KMSErrorCode = "KMSInternalException"
	// ErrDependencyTimeout: KMS timed out on a dependency (HTTP 503);
	// retried.
	ErrDependencyTimeout keyring.KMSErrorCode = "DependencyTimeoutException"

	// ErrUnrecognizedClient: the access key id (or session token) is not
	// known to AWS.
	ErrUnrecognizedClient keyring.KMSErrorCode = "UnrecognizedClientException"
	// ErrInvalidSignature: the SigV4 signature does not match (wrong secret,
	// request changed in flight), the signature has expired (clock skew),
	// or its scope names another region or service.
	ErrInvalidSignature keyring.KMSErrorCode = "InvalidSignatureException"
	// ErrIncompleteSignature: the Authorization header is malformed or leaves
	// a required header unsigned.
	ErrIncompleteSignature keyring.KMSErrorCode = "IncompleteSignatureException"
	// ErrMissingAuthenticationToken: the request carries no signature.
	ErrMissingAuthenticationToken keyring.KMSErrorCode = "MissingAuthenticationTokenException"
	// ErrExpiredToken: the session token of temporary credentials has
	// expired.
	ErrExpiredToken keyring.KMSErrorCode = "ExpiredTokenException"
	// ErrSerialization: the request body is not the JSON the API expects.
	ErrSerialization keyring.KMSErrorCode = "SerializationException"
	// ErrUnknownOperation: the X-Amz-Target names no KMS operation.
	ErrUnknownOperation keyring.KMSErrorCode = "UnknownOperationException"
)

// ErrMalformedResponse is wrapped by the error for an answer that is not
// the KMS JSON API's (a proxy's page, a truncated body, a MAC of the wrong
// length): the endpoint is probably wrong.
var ErrMalformedResponse = errors.New("malformed KMS response")

// Error is an error answer from the KMS API: the operation, the HTTP
// status, the request id AWS gave it, and the exception as an
// *keyring.KMSError. errors.As(err, new(*keyring.KMSError)) and
// keyring.KMSErrorName(err) see the exception; errors.Is(err,
// keyring.ErrKMSNotFound) and the other codes work, as do the engine-wide
// reasons the local backend also gives (sigerr.ErrUnknownKey for
// NotFoundException, sigerr.ErrSignatureMismatch for
// KMSInvalidMacException).
//
// KMS is nil for an answer without a recognisable exception (a 5xx from a
// load balancer); Detail then holds the start of the body.
type Error struct {
	Op         string // "GenerateMac" or "VerifyMac"
	StatusCode int
	RequestID  string // x-amzn-RequestId, for AWS support; may be empty
	KMS        *keyring.KMSError
	Detail     string // for answers without an exception
}

// Error formats as
// "kms GenerateMac: NotFoundException: message (HTTP 400, request id …)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("kms ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.KMS != nil {
		b.WriteString(e.KMS.Error())
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if e.RequestID != "" {
			b.WriteString(", request id ")
			b.WriteString(e.RequestID)
		}
		b.WriteString(")")
		return b.String()
	}
	b.WriteString("HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap exposes the exception and the engine-wide reason it implies.
func (e *Error) Unwrap() []error {
	if e.KMS == nil {
		return nil
	}
	out := []error{e.KMS}
	switch e.KMS.Code {
	case keyring.ErrKMSNotFound:
		out = append(out, sigerr.ErrUnknownKey)
	case keyring.ErrKMSInvalidMac:
		out = append(out, sigerr.ErrSignatureMismatch)
	}
	return out
}

// code returns the exception name, "" without one.
func (e *Error) code() keyring.KMSErrorCode {
	if e.KMS == nil {
		return ""
	}
	return e.KMS.Code
}

// retryable reports answers worth another attempt: server-side failures
// (5xx) and throttling, which KMS sends as HTTP 400 and every AWS SDK
// retries. Other 4xx answers are final: the same request would get the
// same answer.
func (e *Error) retryable() bool {
	return e.StatusCode >= 500 || e.code() == ErrThrottling
}

// IsFatal reports whether err concerns the whole run rather than one row:
// the credentials or the signature are refused, the endpoint does not speak
// the KMS API, KMS could not be reached (after the retries), or ctx ended.
// A batch should stop on a fatal error instead of rejecting every row with
// it. Row errors (unknown key, disabled key, algorithm not allowed, message
// too long, MAC mismatch, access denied to one key) are not fatal.
func IsFatal(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.code() {
		case ErrUnrecognizedClient, ErrInvalidSignature, ErrIncompleteSignature,
			ErrMissingAuthenticationToken, ErrExpiredToken, ErrSerialization, ErrUnknownOperation:
			return true
		case "":
			return true // not a KMS answer
		}
		return e.retryable() // still failing after the retries
	}
	var ke *keyring.KMSError
	if errors.As(err, &ke) {
		return false // refused before sending: a row's parameters
	}
	return true // transport, context, malformed response, configuration
}

// errorBody is the AWS JSON protocol's error document.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
	// Some services capitalise it; encoding/json would match either
	// spelling to one field, so both are named.
	MessageUpper string `json:"Message"`
}

// errorCode extracts the exception name from __type or X-Amzn-ErrorType,
// which may carry a namespace ("com.amazonaws.kms#NotFoundException") or a
// suffix after ':'.
func errorCode(s string) string {
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// cleanText makes server text safe for one log line: control characters
// become spaces and it is cut to n bytes.
func cleanText(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
