// Package testservers starts real, signature-verifying S3 servers on
// 127.0.0.1 for integration tests, so that a test can prove a presigned URL
// or a signed request good by having a server that checks signatures accept
// it, and prove the check real by having the same server refuse a tampered
// copy.
//
// It is a test helper: import it only from _test.go files. Each Start
// function picks a free port, starts the server as a child process with its
// own data directory under t.TempDir(), waits until it answers HTTP, and
// registers a t.Cleanup that stops it (SIGTERM, then SIGKILL) by PID. The
// bucket named in [Server.Bucket] exists when Start returns. The server's
// output goes to [Server.LogPath]; its tail is printed when the server fails
// to start and, at cleanup, when the test failed.
//
// The servers are installed by .ci/install-servers.sh, outside the Go module
// (the main module must not depend on them):
//
//   - versitygw (Go, posix backend): SigV4 header and presigned; refuses
//     SigV2. The strictest about the credential scope (region, and date
//     against X-Amz-Date) and checks the payload hash. Starts in ~50 ms.
//   - s3rver (@20minutes/s3rver 5.x, Node): SigV4 header and presigned, and
//     the only default server that verifies SigV2 presigned URLs. Lenient:
//     it answers requests that carry no signature at all, accepts any region
//     and scope date, never checks header-auth clock skew or the payload
//     hash. Starts in ~0.3 s.
//   - MinIO, only when installed with BATCHSIGN_WITH_MINIO=1: SigV4 and
//     SigV2, the closest to S3. Starts in ~0.5 s.
//   - Azurite (azurite 3.37.0, Node), Microsoft's Azure Storage emulator,
//     blob service only (StartAzurite): Shared Key and SAS, checked as
//     Azure does, for the development account on path-style URLs. Not an
//     S3 server. Starts in 1–20 s (node loading its modules).
//
// All three canonicalise the object path by decoding and re-encoding it, so
// none of them proves that a URL's path is spelled canonically on the wire.
//
// README.md in this directory records, measured by this package's tests,
// exactly which requests each server accepts and refuses, and how it treats
// unusual object keys. Read it before choosing a server for a test.
//
// When a server's binary is missing, Start skips the test with the install
// command, or fails it when the CI environment variable is non-empty, so that
// CI cannot go green by skipping.
package testservers
