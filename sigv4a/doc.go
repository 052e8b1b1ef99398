// Package sigv4a signs and verifies requests with AWS Signature Version 4a
// (AWS4-ECDSA-P256-SHA256).
package sigv4a

// Algorithm is the SigV4a algorithm name as it appears on the wire.
const Algorithm = "AWS4-ECDSA-P256-SHA256"
