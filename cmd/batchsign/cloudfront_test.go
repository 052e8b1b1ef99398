package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/vectors"
)

const cfManifest = `{"id":"canned","key":"exports/2026 11/report.csv"}
{"id":"custom","url":"https://d111111abcdef8.cloudfront.net/exports/a.csv?v=2","ip_address":"192.0.2.0/24","not_before":"2026-11-23T00:00:00Z"}
`

// cfKey copies a testdata/cloudfront key to a file of mode perm in dir.
func cfKey(t *testing.T, dir, name string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, vectors.Read(t, "cloudfront/"+name), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPresignCloudFrontVerifies: presign --scheme cloudfront with a key
// file, or the PEM in the environment, writes URLs (for 30 days: no 7-day
// cap) that verify --scheme cloudfront finds valid with the public key.
func TestPresignCloudFrontVerifies(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), cfManifest)
	key := cfKey(t, dir, "private_key.pem", 0o600)
	args := []string{"presign", "--scheme", "cloudfront", "--key-pair-id", "K2JCJMDEHXQW5F", "--cloudfront-domain", "d111111abcdef8.cloudfront.net", "--time", pinned, "--expires", "30d", manifest}
	code, out, stderr := runIn(t, "", append(args, "--private-key", key)...)
	if code != exitOK {
		t.Fatalf("presign: exit %d %s", code, stderr)
	}
	urls := outputURLs(t, out)
	if len(urls) != 2 || !strings.HasPrefix(urls[0], "https://d111111abcdef8.cloudfront.net/exports/2026%2011/report.csv?Expires=1798027200&Signature=") ||
		!strings.Contains(urls[1], "?v=2&Policy=") {
		t.Fatalf("urls:\n%s", out)
	}
	t.Setenv(envCloudFrontPrivateKey, string(vectors.Read(t, "cloudfront/private_key.pem")))
	if code, out2, stderr := runIn(t, "", args...); code != exitOK || out2 != out {
		t.Errorf("key from %s: exit %d %s\n%s", envCloudFrontPrivateKey, code, stderr, out2)
	}
	signed := writeFile(t, filepath.Join(dir, "u.ndjson"), out+`{"id":"tampered","url":"`+strings.Replace(urls[0], "report", "rep0rt", 1)+`"}`+"\n")
	code, vout, stderr := runIn(t, "", "verify", "--scheme", "cloudfront", "--public-key", vectors.Path("cloudfront/public_key.pem"), "--time", "2026-12-01T00:00:00Z", signed)
	if code != exitRejected || !strings.Contains(vout, `{"id":"canned","valid":true`) || !strings.Contains(vout, `{"id":"custom","valid":true`) ||
		!strings.Contains(vout, `{"id":"tampered","valid":false,"reason":"signature_mismatch"`) {
		t.Errorf("verify: exit %d %s\n%s", code, stderr, vout)
	}
	// Past the 30 days: expired.
	if _, vout, _ := runIn(t, "", "verify", "--scheme", "cloudfront", "--public-key", vectors.Path("cloudfront/public_key.pem"), "--time", "2026-12-24T00:00:00Z", signed); !strings.Contains(vout, `"canned","valid":false,"reason":"expired"`) {
		t.Errorf("verify after expiry:\n%s", vout)
	}
}

// TestPresignCloudFrontRefusesBadKeysAndFlags: configuration errors exit 2
// naming the problem, never quoting key material.
func TestPresignCloudFrontRefusesBadKeysAndFlags(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), cfManifest)
	base := []string{"presign", "--scheme", "cloudfront", "--key-pair-id", "K2JCJMDEHXQW5F", "--time", pinned, manifest}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"readable by others", []string{"--private-key", cfKey(t, dir, "private_key_pkcs8.pem", 0o644)}, "too open"},
		{"encrypted", []string{"--private-key", cfKey(t, dir, "encrypted_key.pem", 0o600)}, "encrypted PEM"},
		{"not RSA", []string{"--private-key", cfKey(t, dir, "ec_key.pem", 0o600)}, "not a usable CloudFront RSA key"},
		{"a public key", []string{"--private-key", cfKey(t, dir, "public_key.pem", 0o600)}, "PUBLIC KEY"},
		{"no key", nil, envCloudFrontPrivateKey},
		{"a bad domain", []string{"--private-key", cfKey(t, dir, "private_key.pem", 0o600), "--cloudfront-domain", "https://x/"}, "CloudFront domain"},
		{"an AWS flag", []string{"--private-key", cfKey(t, dir, "private_key.pem", 0o600), "--region", "us-east-1"}, "--region does not apply"},
		{"past 100 years", []string{"--private-key", cfKey(t, dir, "private_key.pem", 0o600), "--expires", "36501d"}, "--expires"},
	} {
		code, _, stderr := runIn(t, "", append(base, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "MII") {
			t.Errorf("%s: exit %d, stderr %q, want %q", tc.name, code, stderr, tc.want)
		}
	}
	// The CloudFront flags under another scheme, and 30 days under SigV4.
	if code, _, stderr := runIn(t, "", "presign", "--cookies", "--time", pinned, manifest); code != exitUsage || !strings.Contains(stderr, "--cookies does not apply to --scheme sigv4") {
		t.Errorf("--cookies under sigv4: exit %d %s", code, stderr)
	}
	if code, _, stderr := runIn(t, "", "presign", "--expires", "30d", "--time", pinned, manifest); code != exitUsage || !strings.Contains(stderr, "7d") {
		t.Errorf("30d under sigv4: exit %d %s", code, stderr)
	}
}

// TestPresignCloudFrontCookiesAndPrefixes: --cookies writes the three
// cookies; --policy-per-prefix gives rows of one folder one signature.
func TestPresignCloudFrontCookiesAndPrefixes(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"1","key":"f/a.csv"}
{"id":"2","key":"f/b.csv"}
{"id":"3","key":"g/c.csv"}
`)
	args := []string{"presign", "--scheme", "cloudfront", "--key-pair-id", "K2JCJMDEHXQW5F", "--private-key", cfKey(t, dir, "private_key.pem", 0o600),
		"--cloudfront-domain", "d111111abcdef8.cloudfront.net", "--time", pinned, "--workers", "1", manifest}
	code, out, stderr := runIn(t, "", append(args, "--policy-per-prefix")...)
	urls := outputURLs(t, out)
	q := func(u string) string { _, s, _ := strings.Cut(u, "?"); return s }
	if code != exitOK || len(urls) != 3 || q(urls[0]) != q(urls[1]) || q(urls[0]) == q(urls[2]) {
		t.Errorf("--policy-per-prefix: exit %d %s\n%s", code, stderr, out)
	}
	code, out, stderr = runIn(t, "", append(args, "--cookies", "--format", "csv")...)
	if code != exitOK || !strings.HasPrefix(out, "id,method,url,expires_at,cloudfront-policy,cloudfront-signature,cloudfront-key-pair-id\r\n1,GET,https://d111111abcdef8.cloudfront.net/f/a.csv,") ||
		!strings.Contains(out, ",K2JCJMDEHXQW5F\r\n") {
		t.Errorf("--cookies: exit %d %s\n%s", code, stderr, out)
	}
}
