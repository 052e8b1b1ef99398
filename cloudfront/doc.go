// Package cloudfront signs and verifies Amazon CloudFront signed URLs and
// signed cookies, the links a distribution serves private content through
// when its behaviour trusts a key group.
//
// A CloudFront signature is made with an RSA key pair whose public half is
// in one of the distribution's key groups, not with IAM credentials: a
// signed URL has no 7-day limit, carries the distribution's own domain and
// outlives the signing job's credentials. The cost is RSA: one private-key
// operation per signature (about a millisecond for a 2048-bit key, a
// thousand times an S3 presign), which is why a custom policy with a
// wildcard resource can serve a whole folder with one signature.
//
// # The format
//
// A policy is a JSON statement. The canned policy, used when a URL needs
// only an expiry, is exactly
//
//	{"Statement":[{"Resource":"URL","Condition":{"DateLessThan":{"AWS:EpochTime":N}}}]}
//
// with URL the URL being signed and N the expiry in Unix seconds; the URL
// then carries Expires=N, Signature and Key-Pair-Id. A custom policy names
// its Resource (which may hold the wildcards '*', any run of characters
// including none and including '/', and '?', exactly one character) and may
// add a start time (DateGreaterThan) and a source address range
// (IpAddress, AWS:SourceIp, a CIDR); the URL then carries Policy (the JSON
// in base64), Signature and Key-Pair-Id. This package writes custom
// policies as the AWS SDKs do: IpAddress, DateGreaterThan, DateLessThan, in
// that order, no white space.
//
// The signature is RSASSA-PKCS1-v1_5 with SHA-1 over the policy's bytes.
// The Policy and Signature values are base64 with CloudFront's substitutions
// for characters that are not safe in a query: '+' becomes '-', '=' becomes
// '_' and '/' becomes '~'.
//
// # URLs are signed as written
//
// CloudFront compares the canned policy's resource with the URL the viewer
// requests, byte for byte, so the URL must be given exactly as the viewer
// will send it: its path percent-encoded (a space as %20, '#' as %23, a
// non-ASCII key as its UTF-8 bytes in %XX), its own query parameters
// included. SignedURL appends the signature parameters after a '?', or
// after a '&' when the URL already has a query, and changes nothing else.
// URLs that SplitURL of the shared rules refuses (raw spaces, quotes,
// fragments, user information), URLs ending in an empty query, and URLs
// that already carry Expires, Policy, Signature, Key-Pair-Id or
// Hash-Algorithm are refused, naming the field.
//
// # Keys
//
// ParsePrivateKeyPEM reads the private key of a key pair (PKCS #1 "BEGIN RSA
// PRIVATE KEY", what `openssl genrsa` writes, or PKCS #8 "BEGIN PRIVATE
// KEY"); an encrypted PEM is refused with a hint to decrypt it first, a key
// that is not RSA or has fewer than 2048 bits is refused. ParsePublicKeyPEM
// reads the public key uploaded to CloudFront ("BEGIN PUBLIC KEY"). A
// Signer holds the key pair id (the public key's ID in CloudFront, such as
// K2JCJMDEHXQW5F) and the private key; it never prints the key and is safe
// for concurrent use.
//
// # Verifying
//
// A Verifier checks what CloudFront checks: the key pair id is known, the
// signature is the key's over the policy (for a canned URL, over the
// canned policy rebuilt from the URL without its signature parameters),
// the policy's resource matches the URL (wildcards included), the instant
// is before DateLessThan and after DateGreaterThan, and, when the caller
// knows the viewer's address, that it is in the policy's IpAddress range.
// Failures are *sigerr.VerifyError values whose reason (errors.Is) is
// sigerr.ErrExpired, ErrNotYetValid, ErrSignatureMismatch, ErrUnknownKey,
// ErrMalformed, or ErrWrongScope for a URL outside the policy's resource or
// a viewer outside its address range.
package cloudfront
