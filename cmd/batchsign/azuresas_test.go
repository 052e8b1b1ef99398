package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testStorageKey is a made-up storage account key (base64); tests check it
// never reaches an output or a message.
const testStorageKey = "dGVzdC1zdG9yYWdlLWtleS1iYXRjaHNpZ24tbm90LXJlYWwtMDEyMzQ1Njc4OQ=="

// TestPresignAzureSASVerifies: presign --scheme azure-sas with the key from
// AZURE_STORAGE_CONNECTION_STRING, or from AZURE_STORAGE_ACCOUNT and
// AZURE_STORAGE_KEY, writes the same URLs (on the emulator's endpoint with
// --endpoint-url), which verify finds valid under auto and azure-sas;
// another key finds them forged, and the key is never printed.
func TestPresignAzureSASVerifies(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"1","bucket":"exports","key":"reports/q4 ü.pdf"}
{"id":"2","method":"PUT","bucket":"exports","key":"up","expires":604800}
{"id":"3","bucket":"exports","key":"k","expires":604801}
`)
	t.Setenv(envAzureStorageConnectionString, "AccountName=batchsigntest;AccountKey="+testStorageKey+";BlobEndpoint=http://127.0.0.1:10000/batchsigntest")
	urls := filepath.Join(dir, "u.ndjson")
	code, _, stderr := runIn(t, "", "presign", "--scheme", "azure-sas", "--time", pinned, manifest, "-o", urls)
	if code != exitRejected || strings.Contains(stderr, testStorageKey) {
		t.Fatalf("presign: exit %d %s", code, stderr)
	}
	fromCS, _ := os.ReadFile(urls)
	if !strings.HasPrefix(outputURLs(t, string(fromCS))[0], "http://127.0.0.1:10000/batchsigntest/exports/reports/q4%20%C3%BC.pdf?sv=2022-11-02&spr=https%2Chttp&se=2026-11-23T13%3A00%3A00Z&sr=b&sp=r&sig=") ||
		!strings.Contains(string(fromCS), `"headers":{"x-ms-blob-type":"BlockBlob"}`) || strings.Contains(string(fromCS), testStorageKey) {
		t.Errorf("urls:\n%s", fromCS)
	}
	t.Setenv(envAzureStorageConnectionString, "")
	t.Setenv(envAzureStorageAccount, "batchsigntest")
	t.Setenv(envAzureStorageKey, testStorageKey)
	urls2 := filepath.Join(dir, "u2.ndjson")
	if code, _, stderr := runIn(t, "", "presign", "--scheme", "azure-sas", "--endpoint-url", "http://127.0.0.1:10000", "--time", pinned, manifest, "-o", urls2); code != exitRejected {
		t.Fatalf("presign with account and key: exit %d %s", code, stderr)
	}
	if fromVars, _ := os.ReadFile(urls2); string(fromVars) != string(fromCS) {
		t.Errorf("account and key, --endpoint-url:\n%s\nconnection string:\n%s", fromVars, fromCS)
	}
	for _, scheme := range []string{"auto", "azure-sas"} {
		code, stdout, stderr := runIn(t, "", "verify", "--scheme", scheme, "--time", "2026-11-23T12:01:00Z", urls)
		if code != exitOK || strings.Count(stdout, `"valid":true,"reason":"","scheme":"azure-sas"`) != 2 {
			t.Errorf("verify --scheme %s: exit %d\n%s%s", scheme, code, stdout, stderr)
		}
	}
	t.Setenv(envAzureStorageKey, "YW5vdGhlci1rZXk=")
	code, stdout, _ := runIn(t, "", "verify", "--time", "2026-11-23T12:01:00Z", urls)
	if code != exitRejected || strings.Count(stdout, "signature_mismatch") != 2 {
		t.Errorf("verify with another key: exit %d\n%s", code, stdout)
	}
}

// TestAzureSASKeyProblems: no key, half a key, a bad connection string or
// a flag that does not apply is a usage error (exit 2, nothing written)
// that names the variable and never quotes the key.
func TestAzureSASKeyProblems(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"1","bucket":"exports","key":"k"}`+"\n")
	out := filepath.Join(dir, "out.ndjson")
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, nil, "no key: set " + envAzureStorageConnectionString},
		{map[string]string{envAzureStorageAccount: "acct"}, nil, envAzureStorageKey + " is not"},
		{map[string]string{envAzureStorageKey: testStorageKey}, nil, envAzureStorageAccount + " is not"},
		{map[string]string{envAzureStorageAccount: "acct", envAzureStorageKey: "not base64 " + testStorageKey}, nil, "not valid standard base64"},
		{map[string]string{envAzureStorageConnectionString: "AccountName=acct;AccountKey"}, nil, envAzureStorageConnectionString + ": azuresas: bad credential: connection string: field 2 is not name=value"},
		{map[string]string{envAzureStorageConnectionString: "AccountName=acct;AccountKey=!" + testStorageKey}, nil, "account key is not valid standard base64"},
		{map[string]string{envAzureStorageConnectionString: "SharedAccessSignature=sv=x&sig=" + testStorageKey + ";BlobEndpoint=https://a.blob.core.windows.net"}, nil, "no AccountName"},
		{map[string]string{envAzureStorageConnectionString: "AccountName=acct;AccountKey=" + testStorageKey}, []string{"--region", "us-east-1"}, "--region does not apply to --scheme azure-sas"},
		{map[string]string{envAzureStorageConnectionString: "AccountName=acct;AccountKey=" + testStorageKey}, []string{"--addressing-style", "virtual"}, "--addressing-style does not apply"},
	} {
		for _, k := range []string{envAzureStorageConnectionString, envAzureStorageAccount, envAzureStorageKey} {
			t.Setenv(k, tc.env[k])
		}
		args := append([]string{"presign", "--scheme", "azure-sas", "--time", pinned, "-o", out, manifest}, tc.args...)
		code, stdout, stderr := runIn(t, "", args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, testStorageKey) {
			t.Errorf("%v %v: exit %d %q, want %q", tc.env, tc.args, code, stderr, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: wrote %s", tc.env, out)
		}
	}
	t.Setenv(envAzureStorageConnectionString, "")
	t.Setenv(envAzureStorageAccount, "")
	t.Setenv(envAzureStorageKey, "")
	if code, _, stderr := runIn(t, "", "verify", "--scheme", "azure-sas", "--time", pinned, manifest); code != exitUsage || !strings.Contains(stderr, "no key") {
		t.Errorf("verify --scheme azure-sas without a key: exit %d %s", code, stderr)
	}
}
