// Package engine is batchsign's pure signing core: it turns a request and a
// prepared signing key into a canonical request, a string to sign and a
// signature, for AWS Signature Version 4 (Authorization header and presigned
// query string, generic-service and S3 rules) and the other schemes batchsign
// supports.
//
// The engine does no I/O and reads no clock: the signing instant is always an
// argument, so output is reproducible. Hot paths append into caller-owned
// buffers (AppendX(dst, ...) []byte) and allocate nothing in steady state.
//
// SHA-256 is dispatched once at start-up to the fastest implementation the
// CPU offers; see SHA256Backend.
package engine
