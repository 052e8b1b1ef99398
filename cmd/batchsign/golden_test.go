package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/*.out from this build")

// goldenRun is one command of TestGoldenOutputs. {dir} in args is the test's
// temporary directory, {golden} the testdata/golden folder, {examples} the
// repository's examples folder.
type goldenRun struct {
	name string
	args []string
	env  map[string]string
	// files are outputs (relative to {dir}) appended to the golden record.
	files []string
}

// goldenRuns exercise every command on the bundled examples. Their output is
// recorded in testdata/golden/NAME.out (exit status, stdout and the files each
// run writes; not stderr, which carries timings): refactors must keep it byte
// for byte. `go test ./cmd/batchsign -run TestGoldenOutputs -update-golden`
// rewrites the records, for a change of behaviour that is meant.
func goldenRuns() []goldenRun {
	const azCS = "endpoint=https://contoso.communication.azure.com/;accesskey=kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo="
	return []goldenRun{
		{name: "presign-ndjson", args: []string{"presign", "{examples}/manifest.ndjson", "--time", pinned, "-o", "{dir}/urls.ndjson"},
			files: []string{"urls.ndjson", "urls.rejects.ndjson"}},
		{name: "presign-parquet-csv", args: []string{"presign", "{examples}/manifest.parquet", "--time", pinned, "-o", "{dir}/urls.csv"},
			files: []string{"urls.csv", "urls.rejects.ndjson"}},
		{name: "presign-stdout", args: []string{"presign", "{examples}/manifest.ndjson", "--time", pinned, "--addressing-style", "path", "--expires", "90m"}},
		{name: "presign-sigv2", args: []string{"presign", "--signature-version", "v2", "{examples}/manifest.ndjson", "--time", pinned, "-o", "{dir}/v2.ndjson"},
			files: []string{"v2.ndjson", "v2.rejects.ndjson"}},
		{name: "sign-sigv4", args: []string{"sign", "{examples}/manifest.ndjson", "--time", pinned, "-o", "{dir}/signed.ndjson"},
			files: []string{"signed.ndjson", "signed.rejects.ndjson"}},
		{name: "sign-azure-hmac", args: []string{"sign", "--scheme", "azure-hmac", "--time", "2026-01-21T17:00:56Z", "{golden}/az.ndjson", "-o", "{dir}/az.ndjson"},
			env: map[string]string{"COMMUNICATION_SERVICES_CONNECTION_STRING": azCS}, files: []string{"az.ndjson", "az.rejects.ndjson"}},
		{name: "presign-for-verify", args: []string{"presign", "{examples}/manifest.ndjson", "--time", pinned, "-o", "{dir}/u.ndjson"},
			files: []string{"u.ndjson"}},
		{name: "mac-generate", args: []string{"mac", "generate", "--keyring", "{dir}/keyring.json", "{golden}/mac.ndjson", "-o", "{dir}/macs.ndjson"},
			files: []string{"macs.ndjson", "macs.rejects.ndjson"}},
		// SigV4a signatures are randomised: only the rejects are recorded,
		// and verify-sigv4a records the verdicts on the URLs.
		{name: "presign-sigv4a", args: []string{"presign", "--scheme", "sigv4a", "--region-set", "us-east-1,us-west-2", "{golden}/sigv4a.ndjson", "--time", pinned, "-o", "{dir}/v4a.ndjson"},
			files: []string{"v4a.rejects.ndjson"}},
		{name: "presign-gcs-rsa", args: []string{"presign", "--scheme", "gcs-rsa", "--gcs-key-file", "{dir}/sa.json", "{golden}/gcs.ndjson", "--time", pinned, "-o", "{dir}/gcs.ndjson"},
			files: []string{"gcs.ndjson", "gcs.rejects.ndjson"}},
		{name: "presign-gcs-rsa-csv", args: []string{"presign", "--scheme", "gcs-rsa", "--gcs-key-file", "{dir}/sa.json", "{golden}/gcs.ndjson", "--time", pinned, "--format", "csv", "--rejects", "{dir}/csv.rejects.ndjson"}},
		{name: "presign-post", args: []string{"presign-post", "{golden}/post.ndjson", "--time", pinned, "-o", "{dir}/post.ndjson"},
			files: []string{"post.ndjson", "post.rejects.ndjson"}},
		{name: "presign-post-csv", args: []string{"presign-post", "{golden}/post.ndjson", "--time", pinned, "--addressing-style", "path", "--format", "csv", "--rejects", "{dir}/post-csv.rejects.ndjson"}},
		{name: "presign-gcs-hmac", args: []string{"presign", "--scheme", "gcs-hmac", "--addressing-style", "virtual", "{golden}/gcs.ndjson", "--time", pinned, "-o", "{dir}/gcsh.ndjson"},
			env: gcsHMACEnv, files: []string{"gcsh.ndjson", "gcsh.rejects.ndjson"}},
		{name: "presign-csv-manifest", args: []string{"presign", "{examples}/manifest.csv", "--time", pinned, "-o", "{dir}/fromcsv.ndjson"},
			files: []string{"fromcsv.ndjson", "fromcsv.rejects.ndjson"}},
		{name: "presign-inventory", args: []string{"presign", inventoryCSV, "--time", pinned, "--include-noncurrent", "-o", "{dir}/inv.ndjson"},
			files: []string{"inv.ndjson", "inv.rejects.ndjson"}},
		{name: "presign-azure-sas", args: []string{"presign", "--scheme", "azure-sas", "{golden}/azure-sas.ndjson", "--time", pinned, "-o", "{dir}/sas.ndjson"},
			env: azureSASEnv, files: []string{"sas.ndjson", "sas.rejects.ndjson"}},
		{name: "presign-cloudfront", args: []string{"presign", "--scheme", "cloudfront", "--key-pair-id", "K2JCJMDEHXQW5F", "--private-key", "{dir}/private_key.pem",
			"--cloudfront-domain", "d111111abcdef8.cloudfront.net", "{golden}/cloudfront.ndjson", "--time", pinned, "-o", "{dir}/cf.ndjson"},
			files: []string{"cf.ndjson", "cf.rejects.ndjson"}},
		// Shard 1 of 3 of a manifest of two files: the end of the NDJSON
		// file and the start of the Parquet one (its rejects name the
		// files by their absolute paths: not recorded).
		{name: "presign-shard-1-of-3", args: []string{"presign", "{examples}/manifest.ndjson", "{examples}/manifest.parquet", "--time", pinned, "--shard-index", "1", "--shard-count", "3", "-o", "{dir}/shard1.ndjson"},
			files: []string{"shard1.ndjson"}},
	}
}

// azureSASEnv is the storage account key of the azure-sas golden runs
// (made up).
var azureSASEnv = map[string]string{envAzureStorageAccount: "batchsignexample", envAzureStorageKey: "Z29sZGVuLXRlc3QtYXp1cmUtc3RvcmFnZS1rZXktbm90LXJlYWw="}

// gcsHMACEnv is the HMAC key of the GCS golden runs.
var gcsHMACEnv = map[string]string{envGCSHMACAccessID: "GOOG1EEXAMPLEACCESSID", envGCSHMACSecret: "golden-test-hmac-secret-not-a-real-key"}

// goldenFollowUps verify what goldenRuns wrote, in the same directory.
func goldenFollowUps() []goldenRun {
	const azCS = "endpoint=https://contoso.communication.azure.com/;accesskey=kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo="
	return []goldenRun{
		{name: "verify-sigv4-urls", args: []string{"verify", "{dir}/u.ndjson", "--time", "2026-11-23T12:10:00Z"}},
		{name: "verify-sigv4-expired", args: []string{"verify", "{dir}/u.ndjson", "--time", "2026-11-23T14:10:00Z"}},
		{name: "verify-sigv4-headers", args: []string{"verify", "{dir}/signed.ndjson", "--time", "2026-11-23T12:10:00Z"}},
		{name: "verify-sigv2", args: []string{"verify", "{dir}/v2.ndjson", "--time", "2026-11-23T12:10:00Z"}},
		{name: "verify-azure", args: []string{"verify", "{dir}/az.ndjson", "--time", "2026-01-21T17:05:00Z"},
			env: map[string]string{"COMMUNICATION_SERVICES_CONNECTION_STRING": azCS}},
		{name: "mac-verify", args: []string{"mac", "verify", "--keyring", "{dir}/keyring.json", "{dir}/macs.ndjson"}},
		{name: "verify-sigv4a", args: []string{"verify", "{dir}/v4a.ndjson", "--time", "2026-11-23T12:10:00Z"}},
		{name: "verify-sigv4a-region", args: []string{"verify", "--scheme", "sigv4a", "--region", "us-west-2", "{dir}/v4a.ndjson", "--time", "2026-11-23T12:10:00Z"}},
		{name: "verify-gcs-rsa", args: []string{"verify", "--gcs-key-file", "{dir}/sa.json", "{dir}/gcs.ndjson", "--time", "2026-11-23T12:10:00Z"}},
		{name: "verify-gcs-hmac-expired", args: []string{"verify", "--scheme", "gcs-hmac", "{dir}/gcsh.ndjson", "--time", "2026-11-23T13:10:00Z"},
			env: gcsHMACEnv},
		{name: "verify-azure-sas", args: []string{"verify", "{dir}/sas.ndjson", "--time", "2026-11-23T12:10:00Z"}, env: azureSASEnv},
		{name: "verify-cloudfront", args: []string{"verify", "--scheme", "cloudfront", "--public-key", "{dir}/public_key.pem", "{dir}/cf.ndjson", "--time", "2026-11-23T12:10:00Z"}},
	}
}

func TestGoldenOutputs(t *testing.T) {
	dir := cleanEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	ring, err := os.ReadFile("testdata/golden/keyring.json")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "keyring.json"), string(ring))
	privateCopy(t, dir, gcsSuiteKey) // {dir}/sa.json, 0600
	cfKey(t, dir, "private_key.pem", 0o600)
	cfKey(t, dir, "public_key.pem", 0o644)
	examples, _ := filepath.Abs("../../examples")
	golden, _ := filepath.Abs("testdata/golden")
	for _, r := range append(goldenRuns(), goldenFollowUps()...) {
		for k, v := range r.env {
			t.Setenv(k, v)
		}
		args := make([]string, len(r.args))
		for i, a := range r.args {
			a = strings.ReplaceAll(a, "{dir}", dir)
			a = strings.ReplaceAll(a, "{golden}", golden)
			args[i] = strings.ReplaceAll(a, "{examples}", examples)
		}
		code, stdout, stderr := runIn(t, "", args...)
		var rec bytes.Buffer
		fmt.Fprintf(&rec, "exit %d\n--- stdout\n%s", code, stdout)
		for _, f := range r.files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatalf("%s: %v\nstderr:\n%s", r.name, err, stderr)
			}
			fmt.Fprintf(&rec, "--- %s\n%s", f, b)
		}
		for k := range r.env {
			t.Setenv(k, "")
		}
		path := filepath.Join("testdata/golden", r.name+".out")
		if *updateGolden {
			if err := os.WriteFile(path, rec.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run with -update-golden to record)", r.name, err)
		}
		if !bytes.Equal(rec.Bytes(), want) {
			t.Errorf("%s: output differs from %s\ngot:\n%s\nwant:\n%s\nstderr:\n%s", r.name, path, rec.Bytes(), want, stderr)
		}
	}
}
