// Package azurehmac signs and verifies Azure Communication Services requests
// with HMAC-SHA256, as Microsoft's client libraries do: x-ms-date,
// x-ms-content-sha256 and an Authorization header over the method, the path
// and query as written, the date, the host and the content hash.
//
// The key comes from a connection string (ParseConnectionString), whose
// String, GoString and Format never print it. The package does no I/O and
// reads no clock; verification is in constant time, with a 15-minute clock
// skew, and names why a request fails (sigerr.VerifyReason). Proof: every
// request of testdata/azure-hmac-vectors.json, signed by Microsoft's library
// with a fixed clock, byte for byte.
package azurehmac
