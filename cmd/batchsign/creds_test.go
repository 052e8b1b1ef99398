package main

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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

	sumPath := filepath.Join(dir, "summary.json")
	code, out, errs = runIn(t, "", "presign", m, "--time", pinned, "--clamp-expiry", "--summary", sumPath)
	checkCredentialSummary(t, sumPath, errs, credentialSummary{Source: "container", Last4: "TEST", Expires: "2026-11-23T12:30:00Z", SecondsLeft: 1800},
		"credentials: container, key …TEST, 30m0s left (until 2026-11-23T12:30:00Z)")
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

// credentialSummary is the "credentials" object of --summary.
type credentialSummary struct {
	Source      string `json:"source"`
	Last4       string `json:"access_key_id_last4"`
	Expires     string `json:"expires"`
	SecondsLeft int64  `json:"seconds_left"`
	Refreshes   int64  `json:"refreshes"`
}

// checkCredentialSummary fails t unless the --summary file at path
// describes want and stderr carries line.
func checkCredentialSummary(t *testing.T, path, stderr string, want credentialSummary, line string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Credentials *credentialSummary `json:"credentials"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Credentials == nil || *doc.Credentials != want {
		t.Errorf("--summary credentials %+v (%v), want %+v\n%s", doc.Credentials, err, want, raw)
	}
	if !strings.Contains(stderr, ": "+line+"\n") {
		t.Errorf("stderr lacks %q:\n%s", line, stderr)
	}
}

// TestSummaryNamesTheCredentials: long-term environment keys are named with
// no expiry, in the JSON summary and on stderr, and never their secret.
func TestSummaryNamesTheCredentials(t *testing.T) {
	dir := cleanEnv(t)
	m := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest)
	sumPath := filepath.Join(dir, "summary.json")
	code, out, errs := runIn(t, "", "presign", m, "--time", pinned, "--summary", sumPath)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	checkCredentialSummary(t, sumPath, errs, credentialSummary{Source: "environment", Last4: "TEST"},
		"credentials: environment, key …TEST, no expiry")
	raw, _ := os.ReadFile(sumPath)
	if all := out + errs + string(raw); strings.Contains(all, os.Getenv("AWS_SECRET_ACCESS_KEY")) {
		t.Error("a secret was printed")
	}
}

// TestRunOnTheClockRefreshesCredentials: a run on the clock (no --time)
// whose credentials are within five minutes of their expiry takes new ones
// from the source before its first batch and signs every row with them;
// the summary says so. The container endpoint is called twice in all,
// whatever the number of rows.
func TestRunOnTheClockRefreshesCredentials(t *testing.T) {
	dir := cleanEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		ttl := 4 * time.Minute // inside the refresh window
		if n > 1 {
			ttl = time.Hour
		}
		exp := time.Now().Add(ttl).UTC().Format(time.RFC3339)
		fmt.Fprintf(w, `{"AccessKeyId":"ASIAFIRSTKEY%d","SecretAccessKey":"secret%d/DoNotPrint","Token":"token%d","Expiration":%q}`, n, n, n, exp)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/v2/credentials/task")
	var m strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&m, `{"id":"%d","bucket":"examplebucket","key":"k%d","expires":60}`+"\n", i, i)
	}
	man := writeFile(t, filepath.Join(dir, "m.ndjson"), m.String())
	sumPath := filepath.Join(dir, "summary.json")
	code, out, errs := runIn(t, "", "presign", man, "--summary", sumPath)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if n := strings.Count(out, "X-Amz-Credential=ASIAFIRSTKEY2%2F"); n != 3000 || strings.Contains(out, "token1") {
		t.Errorf("%d of 3000 URLs signed with the refreshed key", n)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls to the container endpoint, want 2 (the first fetch and one refresh)", n)
	}
	raw, _ := os.ReadFile(sumPath)
	if !strings.Contains(string(raw), `"refreshes": 1`) || !strings.Contains(errs, "; refreshed once\n") {
		t.Errorf("summary does not count the refresh:\n%s\n%s", raw, errs)
	}
	if strings.Contains(out+errs+string(raw), "DoNotPrint") {
		t.Error("a secret was printed")
	}
}

// TestSigningEndpointURL: --endpoint-url (and AWS_ENDPOINT_URL_S3) is where
// the run talks to S3, and the signed URLs follow it, as before;
// --signing-endpoint-url moves only the signed URLs ("aws": AWS's own
// endpoints), and the I/O endpoint stays what the AWS CLI would use.
func TestSigningEndpointURL(t *testing.T) {
	const row = `{"id":"1","bucket":"examplebucket","key":"a/b.txt"}` + "\n"
	for _, tc := range []struct {
		name string
		env  string // AWS_ENDPOINT_URL_S3
		args []string
		want string // the signed URL's start
	}{
		{"endpoint-url signs and reads", "", []string{"--endpoint-url", "http://127.0.0.1:9000"}, "http://127.0.0.1:9000/examplebucket/a/b.txt?"},
		{"AWS_ENDPOINT_URL_S3 signs and reads", "http://127.0.0.1:7070", nil, "http://127.0.0.1:7070/examplebucket/a/b.txt?"},
		{"signing endpoint apart", "", []string{"--endpoint-url", "http://127.0.0.1:9000", "--signing-endpoint-url", "https://files.example.com"},
			"https://files.example.com/examplebucket/a/b.txt?"},
		{"signing endpoint aws", "http://127.0.0.1:7070", []string{"--signing-endpoint-url", "aws"},
			"https://examplebucket.s3.us-east-1.amazonaws.com/a/b.txt?"},
		{"signing endpoint, virtual-hosted", "", []string{"--signing-endpoint-url", "https://s3.example.com", "--addressing-style", "virtual"},
			"https://examplebucket.s3.example.com/a/b.txt?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			t.Setenv("AWS_ENDPOINT_URL_S3", tc.env)
			code, out, errs := runIn(t, row, append([]string{"presign", "-", "--time", pinned}, tc.args...)...)
			if code != exitOK || !strings.Contains(out, `"url":"`+tc.want) {
				t.Errorf("exit %d, want a URL starting %s:\n%s%s", code, tc.want, out, errs)
			}
		})
	}
	cleanEnv(t)
	code, _, errs := runIn(t, row, "presign", "-", "--time", pinned, "--signing-endpoint-url", "https://files.example.com/path")
	if code != exitUsage || !strings.Contains(errs, "--signing-endpoint-url: endpoint URL must be scheme://host[:port]") {
		t.Errorf("a signing endpoint with a path: exit %d\n%s", code, errs)
	}
}

// TestEveryTemporarySourceObeysTheExpiryRule: credentials from IMDSv2, STS
// web identity (IRSA), SSO and a credential_process, each expiring 30 minutes
// after the signing instant, sign URLs that carry that source's key and
// token and verify; the hour-long rows are rejected, or clamped to 30
// minutes with --clamp-expiry (the container endpoint:
// TestPresignWithContainerCredentials).
func TestEveryTemporarySourceObeysTheExpiryRule(t *testing.T) {
	const expires = "2026-11-23T12:30:00Z"
	credsJSON := func(key string) string {
		return fmt.Sprintf(`{"Code":"Success","Version":1,"AccessKeyId":%q,"SecretAccessKey":"secret-%s/DoNotPrint","Token":"token-%s+/=","SessionToken":"token-%s+/=","Expiration":%q}`,
			key, key, key, key, expires)
	}
	for _, tc := range []struct {
		name, key, source string
		setup             func(t *testing.T, dir, key string)
	}{
		{"imds", "ASIAIMDSROLE", "imds", func(t *testing.T, dir, key string) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
					w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
					fmt.Fprint(w, "imds-session")
				case r.Header.Get("X-Aws-Ec2-Metadata-Token") != "imds-session":
					w.WriteHeader(http.StatusUnauthorized)
				case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
					fmt.Fprint(w, "role")
				case r.URL.Path == "/latest/meta-data/iam/security-credentials/role":
					fmt.Fprint(w, credsJSON(key))
				default:
					w.WriteHeader(http.StatusNotFound)
				}
			}))
			t.Cleanup(srv.Close)
			t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
			t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", srv.URL)
		}},
		{"web identity", "ASIAIRSAROLE", "web identity", func(t *testing.T, dir, key string) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.ParseForm() != nil || r.PostForm.Get("Action") != "AssumeRoleWithWebIdentity" || r.PostForm.Get("WebIdentityToken") != "irsa.jwt" {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				fmt.Fprintf(w, `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials>`+
					`<AccessKeyId>%s</AccessKeyId><SecretAccessKey>secret-%s/DoNotPrint</SecretAccessKey><SessionToken>token-%s+/=</SessionToken><Expiration>%s</Expiration>`+
					`</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`, key, key, key, expires)
			}))
			t.Cleanup(srv.Close)
			t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", writeFile(t, filepath.Join(dir, "token"), "irsa.jwt"))
			t.Setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
			t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
		}},
		{"sso", "ASIASSOROLE1", "profile sso (sso)", func(t *testing.T, dir, key string) {
			exp, _ := time.Parse(time.RFC3339, expires)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/federation/credentials" || r.Header.Get("X-Amz-Sso_bearer_token") != "sso-access-token" {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				fmt.Fprintf(w, `{"roleCredentials":{"accessKeyId":%q,"secretAccessKey":"secret-%s/DoNotPrint","sessionToken":"token-%s+/=","expiration":%d}}`,
					key, key, key, exp.UnixMilli())
			}))
			t.Cleanup(srv.Close)
			t.Setenv("HOME", dir)
			t.Setenv("AWS_CONFIG_FILE", writeFile(t, filepath.Join(dir, "config"),
				"[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Batch\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"))
			t.Setenv("AWS_PROFILE", "sso")
			t.Setenv("AWS_ENDPOINT_URL_SSO", srv.URL)
			// The token `aws sso login` leaves in the cache.
			sum := sha1.Sum([]byte("corp"))
			cache := filepath.Join(dir, ".aws", "sso", "cache")
			if err := os.MkdirAll(cache, 0o700); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(cache, hex.EncodeToString(sum[:])+".json"), fmt.Sprintf(
				`{"accessToken":"sso-access-token","expiresAt":%q,"region":"us-east-1","startUrl":"https://corp.awsapps.com/start"}`,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
		}},
		{"credential_process", "ASIAPROCESS1", "profile proc (process)", func(t *testing.T, dir, key string) {
			script := filepath.Join(dir, "creds.sh")
			if err := os.WriteFile(script, []byte("#!/bin/sh\ncat <<'EOF'\n"+credsJSON(key)+"\nEOF\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_CONFIG_FILE", writeFile(t, filepath.Join(dir, "config"), "[profile proc]\ncredential_process = "+script+"\n"))
			t.Setenv("AWS_PROFILE", "proc")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := cleanEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			tc.setup(t, dir, tc.key)
			m := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest)
			wantKey := "X-Amz-Credential=" + tc.key + "%2F20261123%2F"
			wantToken := "X-Amz-Security-Token=token-" + tc.key + "%2B%2F%3D"

			code, out, errs := runIn(t, "", "presign", m, "--time", pinned)
			if code != exitRejected || strings.Count(errs, "outlive the temporary credentials") != 2 || strings.Count(out, "\n") != 1 {
				t.Fatalf("without --clamp-expiry: exit %d\n%s\n%s", code, out, errs)
			}
			sumPath := filepath.Join(dir, "summary.json")
			code, out, errs = runIn(t, "", "presign", m, "--time", pinned, "--clamp-expiry", "--summary", sumPath)
			if code != exitOK || strings.Count(out, "X-Amz-Expires=1800&") != 2 || strings.Count(out, wantKey) != 3 || strings.Count(out, wantToken) != 3 {
				t.Fatalf("with --clamp-expiry: exit %d\n%s\n%s", code, out, errs)
			}
			checkCredentialSummary(t, sumPath, errs, credentialSummary{Source: tc.source, Last4: tc.key[len(tc.key)-4:], Expires: expires, SecondsLeft: 1800},
				"credentials: "+tc.source+", key …"+tc.key[len(tc.key)-4:]+", 30m0s left (until "+expires+")")
			urls := writeFile(t, filepath.Join(dir, "urls.ndjson"), out)
			code, vout, verrs := runIn(t, "", "verify", "--time", pinned, urls)
			if code != exitOK || strings.Count(vout, `"valid":true`) != 3 {
				t.Errorf("verify with the same source: exit %d\n%s\n%s", code, vout, verrs)
			}
			if strings.Contains(out+errs+vout+verrs, "DoNotPrint") {
				t.Error("a secret was printed")
			}
		})
	}
}
