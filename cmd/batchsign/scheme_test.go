package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/azurehmac"
	"github.com/batchsign/batchsign/sigv2"
)

// TestSchemeFlagOnEveryCommand: presign, sign and verify take --scheme; each
// runs the schemes it supports and refuses the others as a usage error that
// lists what it supports, writing nothing.
func TestSchemeFlagOnEveryCommand(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest)
	azCS := "endpoint=https://contoso.communication.azure.com/;accesskey=" + b64([]byte("azure-test-key"))
	t.Setenv("COMMUNICATION_SERVICES_CONNECTION_STRING", azCS)
	t.Setenv(envGCSHMACAccessID, "GOOG1ETEST")
	t.Setenv(envGCSHMACSecret, "gcs-test-secret")
	t.Setenv(envAzureStorageConnectionString, "UseDevelopmentStorage=true")
	out := filepath.Join(dir, "out.ndjson")
	for _, tc := range []struct {
		cmd       string
		supported []string
		refused   []string
		lists     string
	}{
		{"presign", []string{"sigv4", "sigv2", "sigv4a", "gcs-hmac", "azure-sas"}, []string{"azure-hmac", "auto", "kms-mac", "SigV4", "v2", "gcs", ""},
			"presign supports sigv4, sigv2, sigv4a, gcs-rsa, gcs-hmac, azure-sas or cloudfront"},
		{"sign", []string{"sigv4", "azure-hmac", "sigv4a"}, []string{"sigv2", "auto", "azure", "gcs-rsa", "gcs-hmac"}, "sign supports sigv4, azure-hmac or sigv4a"},
		{"verify", []string{"auto", "sigv4", "sigv2", "azure-hmac", "sigv4a", "gcs-hmac", "azure-sas"}, []string{"kms-mac", "sigv4A", ""},
			"verify supports auto, sigv4, sigv2, azure-hmac, sigv4a, gcs-rsa, gcs-hmac, azure-sas or cloudfront"},
	} {
		for _, s := range tc.supported {
			input := manifest
			if tc.cmd == "sign" && s == "azure-hmac" {
				input = writeFile(t, filepath.Join(dir, "az.ndjson"), `{"id":"a","url":"/identities"}`+"\n")
			}
			code, _, stderr := runIn(t, "", tc.cmd, "--scheme", s, "--time", pinned, "-o", out, input)
			if code == exitUsage || code == exitFailed {
				t.Errorf("%s --scheme %s: exit %d %s", tc.cmd, s, code, stderr)
			}
		}
		for _, s := range tc.refused {
			before := dirNames(t, dir)
			code, stdout, stderr := runIn(t, "", tc.cmd, "--scheme", s, "--time", pinned, "-o", filepath.Join(dir, "refused.ndjson"), manifest)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, `--scheme "`+s+`": `+tc.lists) {
				t.Errorf("%s --scheme %q: exit %d %q %q", tc.cmd, s, code, stdout, stderr)
			}
			if after := dirNames(t, dir); len(after) != len(before) {
				t.Errorf("%s --scheme %q wrote %v", tc.cmd, s, after)
			}
		}
	}
	if code, _, stderr := runIn(t, "", "mac", "generate", "--scheme", "kms-mac", manifest); code != exitUsage || !strings.Contains(stderr, "-scheme") {
		t.Errorf("mac generate --scheme: exit %d %s", code, stderr)
	}
}

// TestSignatureVersionIsAnAliasOfScheme: --signature-version v2 and v4 give
// what --scheme sigv2 and sigv4 give; both flags may be given when they
// agree, and contradicting ones are a usage error.
func TestSignatureVersionIsAnAliasOfScheme(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest)
	run := func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runIn(t, "", append([]string{"presign", "--time", pinned, manifest}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d %s", args, code, stderr)
		}
		return stdout
	}
	v2, v4 := run("--scheme", "sigv2"), run()
	if !strings.Contains(v2, "AWSAccessKeyId=") || !strings.Contains(v4, "X-Amz-Signature=") {
		t.Fatalf("sigv2:\n%s\nsigv4:\n%s", v2, v4)
	}
	for _, tc := range []struct {
		want string
		args []string
	}{
		{v2, []string{"--signature-version", "v2"}},
		{v2, []string{"--signature-version", "V2", "--scheme", "sigv2"}},
		{v2, []string{"--scheme", "sigv2", "--signature-version", "2"}},
		{v4, []string{"--signature-version", "v4"}},
		{v4, []string{"--scheme", "sigv4", "--signature-version", "s3v4"}},
		{v4, []string{"--scheme", "sigv4"}},
	} {
		if got := run(tc.args...); got != tc.want {
			t.Errorf("%v: output differs", tc.args)
		}
	}
	for _, args := range [][]string{
		{"--scheme", "sigv4", "--signature-version", "v2"},
		{"--signature-version", "v4", "--scheme", "sigv2"},
	} {
		code, stdout, stderr := runIn(t, "", append([]string{"presign", "--time", pinned, "-o", filepath.Join(dir, "x.ndjson"), manifest}, args...)...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, "--signature-version") || !strings.Contains(stderr, "--scheme") {
			t.Errorf("%v: exit %d %q %q", args, code, stdout, stderr)
		}
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("files written: %v", names)
	}
	if code, _, stderr := runIn(t, "", "sign", "--signature-version", "v2", manifest); code != exitUsage || !strings.Contains(stderr, "signature-version") {
		t.Errorf("sign --signature-version: exit %d %s", code, stderr)
	}
}

// TestVerifySchemeRestricts: verify --scheme X judges X rows as auto does
// and answers invalid, reason malformed, for rows of other schemes; it needs
// only X's keys and refuses the flags of other schemes.
func TestVerifySchemeRestricts(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	v2, err := sigv2.Presign("AKIDBATCHSIGNTEST", fakeSecret, &sigv2.PresignRequest{
		Host: "127.0.0.1:9000", Bucket: "bkt", Key: "a.txt", Addressing: sigv2.AddressingPath, Expires: now.Unix() + 60,
	})
	if err != nil {
		t.Fatal(err)
	}
	azureKey := []byte("azure-test-key-0123456789")
	az, err := azurehmac.Sign(azureKey, "POST", "https://contoso.communication.azure.com/emails:send", []byte("{}"), now)
	if err != nil {
		t.Fatal(err)
	}
	_, presigned, _ := runIn(t, `{"id":"v4","bucket":"examplebucket","key":"k"}`+"\n", "presign", "--time", pinned, "--region", "us-east-1", "-")
	input := presigned + ndjson(t, []map[string]any{
		{"id": "v2", "url": v2},
		{"id": "az", "method": "POST", "url": "https://contoso.communication.azure.com/emails:send",
			"headers": map[string]string{"x-ms-date": az.Date, "x-ms-content-sha256": az.ContentSHA256, "Authorization": az.Authorization}},
	})
	cs := "endpoint=https://contoso.communication.azure.com/;accesskey=" + b64(azureKey)
	for _, scheme := range []string{"auto", "sigv4", "sigv2", "azure-hmac"} {
		code, out, stderr := runIn(t, input, "verify", "--scheme", scheme, "--time", "2026-11-23T12:00:30Z", "--connection-string", cs, "-")
		if scheme == "sigv4" || scheme == "sigv2" {
			code, out, stderr = runIn(t, input, "verify", "--scheme", scheme, "--time", "2026-11-23T12:00:30Z", "-")
		}
		vs := verdicts(t, out)
		for id, own := range map[string]string{"v4": "sigv4", "v2": "sigv2", "az": "azure-hmac"} {
			want := verdict{ID: id, Valid: true, Scheme: own}
			if scheme != "auto" && scheme != own {
				want = verdict{ID: id, Reason: "malformed", Scheme: scheme}
			}
			if vs[id] != want {
				t.Errorf("--scheme %s: %s: %+v, want %+v\n%s", scheme, id, vs[id], want, stderr)
			}
		}
		if wantCode := map[bool]int{true: exitOK, false: exitRejected}[scheme == "auto"]; code != wantCode {
			t.Errorf("--scheme %s: exit %d, want %d", scheme, code, wantCode)
		}
	}
	// azure-hmac needs no AWS credentials; sigv4 and sigv2 need no Azure key.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if code, out, stderr := runIn(t, input, "verify", "--scheme", "azure-hmac", "--time", "2026-11-23T12:00:30Z", "--connection-string", cs, "-"); code != exitRejected || !verdicts(t, out)["az"].Valid {
		t.Errorf("azure-hmac without AWS credentials: exit %d %s", code, stderr)
	}
	kf := writeFile(t, filepath.Join(dir, "k.json"), `{"AKIDBATCHSIGNTEST":"`+fakeSecret+`"}`)
	for _, args := range [][]string{
		{"--scheme", "azure-hmac"}, // no key
		{"--scheme", "azure-hmac", "--connection-string", cs, "--keys", kf}, // AWS keys
		{"--scheme", "azure-hmac", "--connection-string", cs, "--region", "us-east-1"},
		{"--scheme", "sigv2", "--keys", kf, "--region", "us-east-1"},
		{"--scheme", "sigv2", "--keys", kf, "--service", "s3"},
		{"--scheme", "sigv4", "--keys", kf, "--connection-string", cs},
		{"--scheme", "sigv4"}, // no AWS keys
	} {
		code, stdout, stderr := runIn(t, input, append([]string{"verify", "--time", pinned, "-"}, args...)...)
		if code != exitUsage || stdout != "" || stderr == "" || strings.Contains(stderr, fakeSecret) {
			t.Errorf("%v: exit %d %q %q", args, code, stdout, stderr)
		}
	}
}
