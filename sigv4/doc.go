// Package sigv4 signs and verifies requests with AWS Signature Version 4:
// Authorization headers and presigned URLs, for any service, with S3's rules
// (the object key encoded once and never normalised, UNSIGNED-PAYLOAD for
// presigns, x-amz-content-sha256 always signed) or the generic ones (the path
// normalised and encoded twice).
//
// A Signer is prepared once per (credentials, region, service, instant) from a
// SigningKey, which a KeyCache derives once per day and shares between
// goroutines; after that a presigned S3 URL (AppendPresignS3) costs a few
// SHA-256 blocks and allocates nothing. A Verifier checks presigned URLs and
// signed requests in constant time and says why one fails with a
// sigerr.VerifyReason (expired, wrong scope, signature mismatch, ...).
//
// The package does no I/O and reads no clock: the signing instant is always an
// argument, so output is reproducible. Hot paths append into caller-owned
// buffers. Errors name the input field (*sigerr.FieldError) and never contain
// secret material; every type that holds a secret redacts itself in fmt.
//
// Proof: every case of the official AWS SigV4 test suite (header and query
// forms, canonical request, string to sign and signature byte for byte), the
// S3 documentation's examples, and real S3 servers (see the repository's
// README).
package sigv4
