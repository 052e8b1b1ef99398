package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPresignWithContainerCredentials: credentials from the container
// endpoint (an ECS or AWS Batch task role, EKS Pod Identity) sign the URLs,
// with their session token; their expiry bounds the URLs' lifetime (rows
// rejected, or clamped with --clamp-expiry); verify accepts the URLs with
// the same chain; each run fetches once.
func TestPresignWithContainerCredentials(t *testing.T) {
	dir := cleanEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	const key, secret, token = "ASIACONTAINERTEST", "containerSecret/DoNotPrint", "container+token/=="
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer pod-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		// 30 minutes after the pinned signing instant.
		fmt.Fprintf(w, `{"AccessKeyId":%q,"SecretAccessKey":%q,"Token":%q,"Expiration":"2026-11-23T12:30:00Z"}`, key, secret, token)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/v2/credentials/task")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer pod-token")
	m := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest)
	wantKey := "X-Amz-Credential=" + key + "%2F20261123%2F"
	wantToken := "X-Amz-Security-Token=container%2Btoken%2F%3D%3D"

	// An hour (the default) outlives the credentials; 600 s (row 3) does not.
	code, out, errs := runIn(t, "", "presign", m, "--time", pinned)
	if code != exitRejected || !strings.Contains(errs, "outlive the temporary credentials") || strings.Count(out, "\n") != 1 {
		t.Fatalf("without --clamp-expiry: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, wantKey) || !strings.Contains(out, wantToken) || !strings.Contains(out, "X-Amz-Expires=600&") {
		t.Errorf("URL lacks the container's key or token:\n%s", out)
	}

	code, out, errs = runIn(t, "", "presign", m, "--time", pinned, "--clamp-expiry")
	if code != exitOK || !strings.Contains(errs, "2 clamped to the credentials' expiry") || strings.Count(out, "X-Amz-Expires=1800&") != 2 {
		t.Fatalf("with --clamp-expiry: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Count(out, wantKey) != 3 || strings.Count(out, wantToken) != 3 {
		t.Errorf("every URL must carry the container's key and token:\n%s", out)
	}

	urls := writeFile(t, filepath.Join(dir, "urls.ndjson"), out)
	code, vout, verrs := runIn(t, "", "verify", "--time", pinned, urls)
	if code != exitOK || strings.Count(vout, `"valid":true`) != 3 {
		t.Errorf("verify with the container's credentials: exit %d\n%s\n%s", code, vout, verrs)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d calls to the container endpoint for 3 runs, want 3", n)
	}
	if all := out + errs + vout + verrs; strings.Contains(all, secret) || strings.Contains(all, "pod-token") {
		t.Error("a secret was printed")
	}
}
