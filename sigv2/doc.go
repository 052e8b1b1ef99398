// Package sigv2 signs and verifies S3 requests with the legacy Signature
// Version 2 (HMAC-SHA1): query-string authenticated URLs (AWSAccessKeyId,
// Expires in Unix seconds, Signature) and Authorization headers, for the
// S3-compatible stores and old regions that still require it.
//
// The canonical resource follows S3's rules exactly: the bucket when the host
// names it, the path as sent, and only S3's sub-resources and response-*
// overrides, sorted (see sigv2.go for each rule and where it comes from).
// SigV2 has no seven-day cap and protects only what it signs: other query
// parameters travel unsigned.
//
// Like every batchsign scheme package it does no I/O and reads no clock,
// compares signatures in constant time, and never prints a secret. Proof: the
// S3 documentation's SigV2 examples (testdata/s3-doc-vectors.md §8) and real
// servers (s3rver fetches the exact bytes; a tampered or expired URL gets 403).
package sigv2
