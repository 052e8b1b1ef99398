package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// checkExampleArgs fails t unless args, a presign command line of an
// example job, uses only presign's flags, and reads and writes s3://.
func checkExampleArgs(t *testing.T, file string, args []string) {
	t.Helper()
	var f batchFlags
	fs := newBatchFlagSet("presign", &f, io.Discard)
	addModeFlags(pipeline.Presign, fs, &f)
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "-"); ok {
			name, _, _ = strings.Cut(strings.TrimPrefix(name, "-"), "=")
			if fs.Lookup(name) == nil {
				t.Errorf("%s: presign has no flag %s", file, a)
			}
		}
	}
	if len(args) < 2 || args[0] != "presign" || !strings.HasPrefix(args[1], "s3://") || !strings.Contains(strings.Join(args, " "), "-o s3://") {
		t.Errorf("%s: want presign s3://… -o s3://…, got %q", file, args)
	}
}

// TestExamplesAreValid: the bundled job examples parse, call presign with
// flags it has, and use s3:// and the job's role (no AWS CLI, no shared
// file system).
func TestExamplesAreValid(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.json")
	if len(files) < 3 {
		t.Fatalf("examples: %v", files)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil || !json.Valid(raw) {
			t.Errorf("%s: not JSON (%v)", file, err)
		}
		if strings.Contains(string(raw), "export-credentials") || strings.Contains(string(raw), "/mnt/efs") {
			t.Errorf("%s: uses the AWS CLI or a shared file system", file)
		}
	}
	var job struct {
		ContainerOverrides struct{ Command []string } `json:"containerOverrides"`
	}
	raw, _ := os.ReadFile("../../examples/aws-batch-array-job.json")
	if err := json.Unmarshal(raw, &job); err != nil || len(job.ContainerOverrides.Command) < 2 || job.ContainerOverrides.Command[0] != "batchsign" {
		t.Fatalf("aws-batch-array-job.json: %v %q", err, job.ContainerOverrides.Command)
	}
	checkExampleArgs(t, "aws-batch-array-job.json", job.ContainerOverrides.Command[1:])

	// The Kubernetes Job: the container's args, one "- value" a line.
	raw, err := os.ReadFile("../../examples/k8s-indexed-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(raw), "\n          args:\n")
	var args []string
	for _, line := range strings.Split(rest, "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !ok || !strings.HasPrefix(line, "            - ") {
			break
		}
		args = append(args, strings.Trim(v, `"`))
	}
	checkExampleArgs(t, "k8s-indexed-job.yaml", args)
	if !strings.Contains(string(raw), "eks.amazonaws.com/role-arn") || strings.Contains(string(raw), "persistentVolumeClaim") {
		t.Error("k8s-indexed-job.yaml: want the service account's role and no shared volume")
	}
}
