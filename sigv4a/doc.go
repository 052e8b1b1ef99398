// Package sigv4a signs and verifies requests with AWS Signature Version 4a
// (AWS4-ECDSA-P256-SHA256), the asymmetric variant of SigV4 that S3
// Multi-Region Access Points require: one signature valid in a set of
// regions instead of one region, so a request can be routed to whichever
// region serves it.
//
// # What SigV4a signs
//
// The canonical request is SigV4's, byte for byte, and is built by package
// sigv4's own code (a sigv4.Variant), so both schemes follow one set of
// rules: S3's (the object key encoded once, never normalised,
// UNSIGNED-PAYLOAD for presigns) or the generic ones (the path normalised
// and encoded twice). Four things differ:
//
//   - the algorithm is AWS4-ECDSA-P256-SHA256;
//   - the credential scope leaves out the region:
//     AKID/20150830/s3/aws4_request;
//   - the region set (Options.RegionSet, "*" by default) is signed, as the
//     X-Amz-Region-Set query parameter of a presigned URL or the
//     X-Amz-Region-Set header of a header-signed request;
//   - the signature is the lower-case hex of a DER-encoded ECDSA P-256
//     signature of the SHA-256 of the string to sign: at most 144 hex
//     digits (usually 140–144), different on every call, since ECDSA is randomised. Never
//     compare two signatures: verify them.
//
// # Keys
//
// The private key is derived from the ordinary credentials (DeriveKey):
// NIST SP 800-108's counter-mode KDF with HMAC-SHA256 keyed by
// "AWS4A" + secret, over the access key id and a counter, taking the first
// candidate k0 ≤ n−2 (n the P-256 order) and d = k0 + 1. Unlike a SigV4
// signing key it does not depend on the day, region or service, so a
// KeyCache derives it once per credential and shares it between goroutines.
// The key is kept as the *ecdsa.PrivateKey crypto/ecdsa parsed, so the
// library's per-key preparation is done on the first signature only.
//
// # Signing
//
// A Signer is prepared per (credentials, region set, service, instant) and
// used by one goroutine. AppendPresignS3 is the batch hot path: it builds
// the canonical request without allocating, as SigV4 does, and appends the
// URL to a caller's buffer; the ECDSA signature (some 40 µs of CPU and the
// allocations crypto/ecdsa makes) is nearly all the cost of a URL, about 75
// times that of a SigV4 presign (BenchmarkPresign compares both, and the
// bare ecdsa.SignASN1, in one run). PresignURL presigns any request,
// SignHeaders returns the headers of header signing, and Explain shows the
// canonical request and string to sign.
//
// # Verifying
//
// A Verifier rebuilds the canonical request with the same code, derives the
// public key from the secret its SecretLookup returns (once per credential)
// and checks the signature with ecdsa.VerifyASN1; the signature is checked
// before the time, so a forged URL is reported as forged, not as expired. A
// refusal is a *sigerr.VerifyError whose reason callers branch on with
// errors.Is or sigerr.ReasonOf: sigerr.ErrMalformed, sigerr.ErrUnknownKey,
// sigerr.ErrWrongScope (the date, the service, or a region set that does not
// hold VerifyOptions.Region), sigerr.ErrUnsignedHeader,
// sigerr.ErrContentHashMismatch, sigerr.ErrSignatureMismatch,
// sigerr.ErrNotYetValid, sigerr.ErrExpired or sigerr.ErrClockSkew.
// Comparisons of secret values (the KDF's candidate, a content hash) run in
// constant time; an ECDSA check involves only public values.
//
// # Guarantees
//
// The package does no I/O and reads no clock: the instant is an argument.
// Errors name the input field (*sigerr.FieldError) and never hold key
// material; Credentials, SigningKey, KeyCache, Signer and Verifier redact
// themselves in fmt.
//
// # Proof
//
// Every case of the SigV4a half of the official AWS signing test suite
// (awslabs/aws-c-auth, in the repository's testdata/), in both forms: the
// canonical request and the string to sign byte for byte, the signed
// request byte for byte but for the signature, our signatures verified with
// the case's public-key.json, and the suite's own signatures verified by the
// Verifier. Two of the 40 cases ship their inputs only (their outputs were
// dropped upstream, awslabs/aws-c-auth#160); the tests derive those
// expectations from the sorting rule and get-vanilla's outputs. The private
// scalar and public point of aws-c-auth's key-derivation vector, and fuzz
// targets for the verifier's parsing and the sign-verify round trip.
package sigv4a

// Algorithm is the SigV4a algorithm name as it appears on the wire.
const Algorithm = "AWS4-ECDSA-P256-SHA256"
