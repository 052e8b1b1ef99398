// Package bench measures batchsign's signing engine against the SigV4
// signers people would otherwise use, in one run on the same inputs, and
// proves that batchsign signs what they sign:
//
//   - aws-sdk-go-v2's aws/signer/v4 (PresignHTTP and SignHTTP, configured the
//     way the SDK's own S3 client configures it: DisableURIPathEscaping, the
//     key escaped once into URL.RawPath, X-Amz-Expires in the query,
//     UNSIGNED-PAYLOAD for presigns);
//   - minio-go's pkg/signer (PreSignV4 and SignV4).
//
// It is a Go module of its own (github.com/batchsign/batchsign/bench) so
// that the main module never imports a peer: `go list -deps ./...` at the
// repository root stays free of them, and `go test ./...` there does not
// descend into this folder. Everything here is in _test.go files; the
// package exports nothing.
//
// The benchmarks (BenchmarkPresign, BenchmarkSignHeaders) name the
// implementation as the last part of the sub-benchmark name,
// impl=batchsign|awssdk|minio, so that `benchstat -col /impl` puts the three
// side by side. BenchmarkBlockFloor and BenchmarkPresignFloor measure, in
// the same run, what one SHA-256 compression block costs and how many blocks
// a presign must hash, so that the distance to the hardware floor is visible
// next to the distance to the peers. run.sh turns one run into the README's
// table. See README.md in this folder.
//
// The differential tests sign generated hostile rows with batchsign and with
// a peer at one pinned instant and demand identical URLs and signatures.
package bench
