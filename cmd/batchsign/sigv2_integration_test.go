package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/testservers"
)

// TestPresignSigV2AgainstS3rver uploads objects with `batchsign sign`
// (SigV4 headers), then fetches each through a `batchsign presign
// --signature-version v2` URL from s3rver, which verifies SigV2 presigned
// GETs: 200 with the exact bytes; 403 with a signature character changed
// and once expired. Keys avoid !*'() in query values, which s3rver
// mis-encodes (internal/testservers/README.md).
func TestPresignSigV2AgainstS3rver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server")
	}
	srv := testservers.StartS3rver(t)
	dir := cleanEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_REGION", srv.Region)
	keys := []string{"plain.txt", "with space.txt", "plus+sign", "eq=ual", "amp&ersand", "per%cent", "日本/データ.bin", "a/b/c.txt"}

	uploadWithSign(t, srv, dir, keys, "sigv2 object")

	var manifest bytes.Buffer
	for i, k := range keys {
		fmt.Fprintf(&manifest, `{"id":"%d","bucket":%s,"key":%s}`+"\n", i, jsonString(srv.Bucket), jsonString(k))
	}
	m := writeFile(t, filepath.Join(dir, "get.ndjson"), manifest.String())
	code, out, errs := runIn(t, "", "presign", "--signature-version", "v2", m, "--endpoint-url", srv.Endpoint, "--expires", "5m")
	if code != exitOK {
		t.Fatalf("presign v2: exit %d: %s", code, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var p signedOut
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.URL, "AWSAccessKeyId=") || !strings.Contains(p.URL, "&Expires=") || strings.Contains(p.URL, "X-Amz-") {
			t.Fatalf("not a SigV2 URL: %s", p.URL)
		}
		want, _ := os.ReadFile(filepath.Join(dir, "body-"+p.ID))
		status, got := do(t, "GET", p.URL, nil, nil)
		if status != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("GET %s: %d %q, want 200 %q\n%s", p.URL, status, got, want, srv.LogTail(3))
		}
		i := strings.LastIndex(p.URL, "Signature=") + len("Signature=")
		c := byte('A')
		if p.URL[i] == 'A' {
			c = 'B'
		}
		tampered := p.URL[:i] + string(c) + p.URL[i+1:]
		if status, _ := do(t, "GET", tampered, nil, nil); status != http.StatusForbidden {
			t.Errorf("tampered GET %s: %d, want 403", tampered, status)
		}
	}

	// Expired: signed two hours ago for one minute.
	past := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	code, out, errs = runIn(t, "", "presign", "--signature-version", "v2", m, "--endpoint-url", srv.Endpoint, "--expires", "60", "--time", past)
	if code != exitOK {
		t.Fatalf("presign v2: exit %d: %s", code, errs)
	}
	var p signedOut
	json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &p)
	if status, _ := do(t, "GET", p.URL, nil, nil); status != http.StatusForbidden {
		t.Errorf("expired GET: %d, want 403", status)
	}
}

// TestPresignSigV2ExpiresAndVerifies: Expires is the signing time plus the
// lifetime in epoch seconds, and batchsign verify judges the URLs valid
// until then and expired after.
func TestPresignSigV2ExpiresAndVerifies(t *testing.T) {
	cleanEnv(t)
	code, out, errs := runIn(t, goodManifest, "presign", "--signature-version", "v2", "--time", pinned, "-")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	at, _ := time.Parse(time.RFC3339, pinned)
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		want := fmt.Sprintf("&Expires=%d&", at.Unix()+3600)
		if i == 2 {
			want = fmt.Sprintf("&Expires=%d&", at.Unix()+600)
		}
		if !strings.Contains(line, want) || !strings.Contains(line, "AWSAccessKeyId=AKIDBATCHSIGNTEST&") {
			t.Errorf("row %d: %s, want %s", i+1, line, want)
		}
	}
	code, verified, _ := runIn(t, out, "verify", "--time", at.Add(600*time.Second).Format(time.RFC3339), "-")
	if vs := verdicts(t, verified); code != exitOK || len(vs) != 3 || !vs["3"].Valid || vs["3"].Scheme != "sigv2" {
		t.Errorf("verify at expiry: exit %d %+v", code, vs)
	}
	_, verified, _ = runIn(t, out, "verify", "--time", at.Add(601*time.Second).Format(time.RFC3339), "-")
	if vs := verdicts(t, verified); !vs["1"].Valid || vs["3"].Reason != "expired" {
		t.Errorf("verify after row 3's expiry: %+v", vs)
	}
	if code, _, errs := runIn(t, goodManifest, "presign", "--signature-version", "v3", "-"); code != exitUsage || !strings.Contains(errs, "want v4 or v2") {
		t.Errorf("--signature-version v3: exit %d %s", code, errs)
	}
}
