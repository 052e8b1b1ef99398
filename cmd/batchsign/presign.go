package main

import (
	"io"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// runPresign is "batchsign presign [flags] MANIFEST|-": one presigned URL
// per row, with its expiry (id, method, url, expires_at), under --scheme
// sigv4 or sigv2.
func runPresign(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runBatch(pipeline.Presign, args, stdin, stdout, stderr)
}
