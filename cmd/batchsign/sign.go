package main

import (
	"io"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// runSign is "batchsign sign [flags] MANIFEST|-": for each row, the URL and
// the headers that authorise the request (Authorization, X-Amz-Date,
// x-amz-content-sha256, and X-Amz-Security-Token with temporary
// credentials). The body is hashed from body_file, taken from
// content_sha256, or left UNSIGNED-PAYLOAD when the row says so. --scheme
// azure-hmac signs Azure HMAC-SHA256 headers instead (azure.go).
func runSign(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runBatch(pipeline.Sign, args, stdin, stdout, stderr)
}
