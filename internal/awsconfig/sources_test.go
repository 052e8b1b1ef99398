package awsconfig

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// The fakes below stand in for the services the SDK's chain calls, on
// 127.0.0.1. Each hands out its own keys and expiry, and the tests prove
// that Resolve's credentials are exactly those: key, secret, token and
// expiry, with the source named and nothing fetched twice.

// issue makes distinct credentials for one source, expiring after ttl
// (whole seconds: the wire formats carry no more).
func issue(source string, ttl time.Duration) sigv4.Credentials {
	up := strings.ToUpper(source)
	return sigv4.Credentials{
		AccessKeyID:     "ASIA" + up,
		SecretAccessKey: "secret-" + source + "-DoNotPrint",
		SessionToken:    "token-" + source + "/+=",
		Expires:         time.Now().Add(ttl).UTC().Truncate(time.Second),
	}
}

// checkResolved fails t unless r carries want and names source.
func checkResolved(t *testing.T, r Resolved, want sigv4.Credentials, source string) {
	t.Helper()
	got := r.Credentials
	if got.AccessKeyID != want.AccessKeyID || got.SecretAccessKey != want.SecretAccessKey || got.SessionToken != want.SessionToken {
		t.Errorf("credentials %v (token %q), want %v (token %q)", got, got.SessionToken, want, want.SessionToken)
	}
	if !got.Expires.Equal(want.Expires) {
		t.Errorf("expires %v, want the source's %v", got.Expires, want.Expires)
	}
	if r.CredentialSource != source {
		t.Errorf("source %q, want %q", r.CredentialSource, source)
	}
	for _, s := range []string{fmt.Sprint(r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), fmt.Sprintf("%v", r.Provider),
		fmt.Sprintf("%+v", r.Summary(time.Now())), r.Summary(time.Now()).String()} {
		if strings.Contains(s, want.SecretAccessKey) || strings.Contains(s, want.SessionToken) {
			t.Errorf("printed form holds a secret: %s", s)
		}
	}
	if sum := r.Summary(time.Now()); sum.AccessKeyIDLast4 != want.AccessKeyID[len(want.AccessKeyID)-4:] || sum.Source != source ||
		*sum.SecondsLeft <= 0 || !strings.Contains(sum.String(), " left (until "+want.Expires.Format(time.RFC3339)+")") {
		t.Errorf("summary %+v: %s", sum, sum)
	}
}

// containerJSON is the credentials document of the ECS/EKS endpoints and
// IMDS.
func containerJSON(c sigv4.Credentials) string {
	b, _ := json.Marshal(map[string]string{
		"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": c.AccessKeyID, "SecretAccessKey": c.SecretAccessKey,
		"Token": c.SessionToken, "Expiration": c.Expires.Format(time.RFC3339),
	})
	return string(b)
}

// fakeContainer is the container credentials endpoint (ECS task role, AWS
// Batch, EKS Pod Identity): GET with the Authorization token, each call
// answered by next.
func fakeContainer(t *testing.T, authorization string, next func(n int) (int, string)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		if r.Method != http.MethodGet || r.URL.Path != "/v2/credentials/task" || r.Header.Get("Authorization") != authorization {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"code":"AccessDenied","message":"wrong path or authorization token"}`)
			return
		}
		status, body := next(n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestResolveContainerCredentials(t *testing.T) {
	want := issue("container", 6*time.Hour)
	srv, calls := fakeContainer(t, "Bearer pod-identity-token", func(int) (int, string) { return 200, containerJSON(want) })
	tokenFile := filepath.Join(t.TempDir(), "eks-pod-identity-token")
	if err := os.WriteFile(tokenFile, []byte("Bearer pod-identity-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"authorization token (ECS, AWS Batch)", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer pod-identity-token"}},
		{"authorization token file (EKS Pod Identity)", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			tc.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = srv.URL + "/v2/credentials/task"
			r, err := resolve(t, Inputs{Region: "eu-west-1"}, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			checkResolved(t, r, want, "container")
			if r.Profile != "" || r.Region != "eu-west-1" {
				t.Errorf("profile %q region %q", r.Profile, r.Region)
			}
			// Fetched once; the provider hands out the cached value.
			if c, err := r.Provider.Retrieve(context.Background()); err != nil || c.AccessKeyID != want.AccessKeyID {
				t.Fatalf("Retrieve: %v %v", c, err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d calls to the container endpoint, want 1", n)
			}
		})
	}
}

// fakeIMDS is IMDSv2: a session token from PUT /latest/api/token, then the
// role's name and its credentials, each GET refused without the token.
func fakeIMDS(t *testing.T, want sigv4.Credentials) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var log []string
	const session = "imds-session-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		log = append(log, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			if r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") == "" {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			fmt.Fprint(w, session)
			return
		}
		if r.Method != http.MethodGet || r.Header.Get("X-Aws-Ec2-Metadata-Token") != session {
			w.WriteHeader(http.StatusUnauthorized) // IMDSv1 refused
			return
		}
		switch r.URL.Path {
		case "/latest/meta-data/iam/security-credentials/":
			fmt.Fprint(w, "batch-instance-role")
		case "/latest/meta-data/iam/security-credentials/batch-instance-role":
			fmt.Fprint(w, containerJSON(want))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &log
}

func TestResolveIMDSv2(t *testing.T) {
	// Six hours: beyond the hour the SDK's provider reports, so the test
	// also proves that the expiry is IMDS's own.
	want := issue("imds", 6*time.Hour)
	srv, log := fakeIMDS(t, want)
	r, err := resolve(t, Inputs{}, map[string]string{"AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": srv.URL})
	if err != nil {
		t.Fatal(err, *log)
	}
	checkResolved(t, r, want, "imds")
	if got := strings.Join(*log, ", "); !strings.HasPrefix(got, "PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/, ") ||
		!strings.HasSuffix(got, "GET /latest/meta-data/iam/security-credentials/batch-instance-role") {
		t.Errorf("IMDS requests: %s", got)
	}
}

// fakeSTS answers AssumeRoleWithWebIdentity (the token must be the token
// file's) and AssumeRole (signed with the source profile's key) in STS's XML.
func fakeSTS(t *testing.T, webIdentityToken, sourceKey string, want sigv4.Credentials) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var actions []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		action := r.PostForm.Get("Action")
		mu.Lock()
		actions = append(actions, action)
		mu.Unlock()
		ok := false
		switch action {
		case "AssumeRoleWithWebIdentity":
			ok = r.PostForm.Get("WebIdentityToken") == webIdentityToken && r.PostForm.Get("RoleArn") == "arn:aws:iam::123456789012:role/irsa"
		case "AssumeRole":
			ok = strings.Contains(r.Header.Get("Authorization"), "Credential="+sourceKey+"/") && r.PostForm.Get("RoleArn") == "arn:aws:iam::123456789012:role/x"
		}
		w.Header().Set("Content-Type", "text/xml")
		if !ok {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not the expected token, key or role</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprintf(w, `<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <%[1]sResult>
    <Credentials>
      <AccessKeyId>%[2]s</AccessKeyId>
      <SecretAccessKey>%[3]s</SecretAccessKey>
      <SessionToken>%[4]s</SessionToken>
      <Expiration>%[5]s</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/x/batchsign</Arn><AssumedRoleId>AROA:batchsign</AssumedRoleId></AssumedRoleUser>
  </%[1]sResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</%[1]sResponse>`, action, want.AccessKeyID, want.SecretAccessKey, want.SessionToken, want.Expires.Format(time.RFC3339))
	}))
	t.Cleanup(srv.Close)
	return srv, &actions
}

func TestResolveWebIdentity(t *testing.T) {
	want := issue("webidentity", 2*time.Hour)
	srv, actions := fakeSTS(t, "eyJhbGciOi.irsa.jwt", "", want)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("eyJhbGciOi.irsa.jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := resolve(t, Inputs{}, map[string]string{
		"AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa",
		"AWS_ENDPOINT_URL_STS": srv.URL, "AWS_REGION": "us-west-2",
	})
	if err != nil {
		t.Fatal(err)
	}
	checkResolved(t, r, want, "web identity")
	if got := strings.Join(*actions, ","); got != "AssumeRoleWithWebIdentity" {
		t.Errorf("STS actions %s", got)
	}
	// STS's endpoint is not S3's.
	if r.EndpointURL != "" {
		t.Errorf("endpoint %q", r.EndpointURL)
	}
}

func TestResolveAssumeRoleProfile(t *testing.T) {
	want := issue("assumed", time.Hour)
	srv, actions := fakeSTS(t, "", "AKIDDEFAULT", want)
	files := writeFiles(t, credsFile, confFile)
	files["AWS_ENDPOINT_URL_STS"] = srv.URL
	files["AWS_ACCESS_KEY_ID"], files["AWS_SECRET_ACCESS_KEY"] = "AKIDENV", "secretenv" // --profile wins
	r, err := resolve(t, Inputs{Profile: "assumed", Region: "eu-central-1"}, files)
	if err != nil {
		t.Fatal(err)
	}
	checkResolved(t, r, want, "profile assumed (role arn:aws:iam::123456789012:role/x from profile default ("+files["AWS_SHARED_CREDENTIALS_FILE"]+"))")
	if r.Profile != "assumed" || strings.Join(*actions, ",") != "AssumeRole" {
		t.Errorf("profile %q, STS actions %v", r.Profile, *actions)
	}
}

// credentialProcess writes a credential_process script printing out and a
// config naming it in profile "proc".
func credentialProcess(t *testing.T, out string) map[string]string {
	t.Helper()
	d := t.TempDir()
	script := filepath.Join(d, "creds.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat <<'EOF'\n"+out+"\nEOF\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	files := writeFiles(t, "", "[profile proc]\ncredential_process = "+script+"\nregion = ap-northeast-1\n")
	files["AWS_PROFILE"] = "proc"
	return files
}

func TestResolveCredentialProcess(t *testing.T) {
	want := issue("process", 3*time.Hour)
	out, _ := json.Marshal(map[string]any{"Version": 1, "AccessKeyId": want.AccessKeyID, "SecretAccessKey": want.SecretAccessKey,
		"SessionToken": want.SessionToken, "Expiration": want.Expires.Format(time.RFC3339)})
	r, err := resolve(t, Inputs{}, credentialProcess(t, string(out)))
	if err != nil {
		t.Fatal(err)
	}
	checkResolved(t, r, want, "profile proc (process)")
	if r.Profile != "proc" || r.Region != "ap-northeast-1" {
		t.Errorf("profile %q region %q", r.Profile, r.Region)
	}
}

// TestResolveCredentialProcessOutputNotEchoed: the SDK's message for output
// that does not parse holds the whole output, secret included.
func TestResolveCredentialProcessOutputNotEchoed(t *testing.T) {
	out := `{"Version":1,"AccessKeyId":"ASIAPROC","SecretAccessKey":"procSECRETleak","Expiration":"tomorrow"}`
	_, err := resolve(t, Inputs{}, credentialProcess(t, out))
	if err == nil || strings.Contains(err.Error(), "procSECRETleak") || !strings.Contains(err.Error(), "credential_process printed something") ||
		!strings.Contains(err.Error(), "profile proc (process)") {
		t.Fatalf("err = %v", err)
	}
}

func TestResolveSSO(t *testing.T) {
	want := issue("sso", 8*time.Hour)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/federation/credentials" || r.Header.Get("X-Amz-Sso_bearer_token") != "sso-access-token" ||
			q.Get("account_id") != "111122223333" || q.Get("role_name") != "Batch" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, `{"roleCredentials":{"accessKeyId":%q,"secretAccessKey":%q,"sessionToken":%q,"expiration":%d}}`,
			want.AccessKeyID, want.SecretAccessKey, want.SessionToken, want.Expires.UnixMilli())
	}))
	t.Cleanup(srv.Close)
	files := writeFiles(t, "", `[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Batch

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`)
	// The token `aws sso login` leaves in the cache.
	sum := sha1.Sum([]byte("corp"))
	cache := filepath.Join(files["HOME"], ".aws", "sso", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	tok := fmt.Sprintf(`{"accessToken":"sso-access-token","expiresAt":%q,"region":"us-east-1","startUrl":"https://corp.awsapps.com/start"}`,
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if err := os.WriteFile(filepath.Join(cache, hex.EncodeToString(sum[:])+".json"), []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	files["AWS_ENDPOINT_URL_SSO"] = srv.URL
	useEnv(t, files) // HOME must hold the cache before Resolve runs
	r, err := Resolve(context.Background(), Inputs{Profile: "sso"})
	if err != nil {
		t.Fatal(err)
	}
	checkResolved(t, r, want, "profile sso (sso)")
}

// TestResolveNamedFilesMustBeFiles: the token files the SDK reads whole are
// held to the config files' rule.
func TestResolveNamedFilesMustBeFiles(t *testing.T) {
	for _, variable := range []string{"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_CA_BUNDLE"} {
		_, err := resolve(t, Inputs{}, map[string]string{variable: "/dev/zero", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds"})
		if err == nil || !strings.Contains(err.Error(), "/dev/zero: not a regular file") {
			t.Errorf("%s=/dev/zero: err = %v", variable, err)
		}
	}
}

// TestResolveDoesNotFallBackAfterASourceFails: a configured source that
// fails is the error, named, not a silent move to the next source.
func TestResolveContainerFailureNamesTheSource(t *testing.T) {
	srv, _ := fakeContainer(t, "right", func(int) (int, string) { return 200, "" })
	_, err := resolve(t, Inputs{}, map[string]string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/v2/credentials/task", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-token-DoNotPrint",
	})
	if err == nil || !strings.HasPrefix(err.Error(), "credentials from container: ") || strings.Contains(err.Error(), "wrong-token-DoNotPrint") {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, ErrNoCredentials) {
		t.Errorf("a failing container endpoint is not 'no credentials': %v", err)
	}
}

// TestResolveEnvironmentMakesNoNetworkCall: with keys in the environment
// the chain must not reach the container endpoint or IMDS, even when both
// are configured.
func TestResolveEnvironmentMakesNoNetworkCall(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	t.Cleanup(srv.Close)
	r, err := resolve(t, Inputs{}, map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secretenv",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL, "AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": srv.URL,
	})
	if err != nil || r.CredentialSource != "environment" || !r.Credentials.Expires.IsZero() {
		t.Fatalf("%v %v", r, err)
	}
	if sum := r.Summary(time.Now()); sum.String() != "credentials: environment, key …DENV, no expiry" || sum.SecondsLeft != nil {
		t.Errorf("summary %q", sum)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("%d network calls", n)
	}
}
