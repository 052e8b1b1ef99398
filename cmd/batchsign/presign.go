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

// runPresignPost is "batchsign presign-post [flags] MANIFEST|-": one S3
// POST form per row (id, url, fields, expires_at), signed with SigV4.
func runPresignPost(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runBatch(pipeline.PresignPost, args, stdin, stdout, stderr)
}
