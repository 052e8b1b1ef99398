package awsconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// useEnv makes m the test's whole AWS environment, as the SDK reads the
// process environment: every AWS_* variable is unset, HOME is an empty
// directory and IMDS is off (AWS_EC2_METADATA_DISABLED=true) unless m says
// otherwise, so no test reads the machine's ~/.aws or reaches a real
// instance metadata service.
func useEnv(t *testing.T, m map[string]string) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "") // restored after the test
			os.Unsetenv(k)
		}
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range m {
		t.Setenv(k, v)
	}
}

// resolve is Resolve under the environment m.
func resolve(t *testing.T, in Inputs, m map[string]string) (Resolved, error) {
	t.Helper()
	useEnv(t, m)
	return Resolve(context.Background(), in)
}

func writeFiles(t *testing.T, creds, conf string) map[string]string {
	t.Helper()
	d := t.TempDir()
	cp, fp := filepath.Join(d, "credentials"), filepath.Join(d, "config")
	os.WriteFile(cp, []byte(creds), 0o600)
	os.WriteFile(fp, []byte(conf), 0o600)
	return map[string]string{"AWS_SHARED_CREDENTIALS_FILE": cp, "AWS_CONFIG_FILE": fp, "HOME": d}
}

const credsFile = `[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretdefault

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key=secretdev
aws_session_token = tokendev
`

const confFile = `# comment
[default]
region = eu-west-1

[profile dev]
region = ap-southeast-2
endpoint_url = http://127.0.0.1:9000
s3 =
    addressing_style = path

[profile assumed]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = default
`

func TestResolvePrecedence(t *testing.T) {
	base := writeFiles(t, credsFile, confFile)
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name                 string
		in                   Inputs
		env                  map[string]string
		ak, token, region    string
		endpoint, addressing string
		source               string
	}{
		{name: "default profile", env: with(nil), ak: "AKIDDEFAULT", region: "eu-west-1", source: "profile default"},
		{name: "environment keys win over default profile",
			env: with(map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t", "AWS_REGION": "us-west-2"}),
			ak:  "AKIDENV", token: "t", region: "us-west-2", source: "environment"},
		{name: "explicit profile wins over environment keys", in: Inputs{Profile: "dev"},
			env: with(map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s"}),
			ak:  "AKIDDEV", token: "tokendev", region: "ap-southeast-2", endpoint: "http://127.0.0.1:9000", addressing: "path", source: "profile dev"},
		{name: "AWS_PROFILE", env: with(map[string]string{"AWS_PROFILE": "dev"}), ak: "AKIDDEV", token: "tokendev", region: "ap-southeast-2", endpoint: "http://127.0.0.1:9000", addressing: "path", source: "profile dev"},
		{name: "flags win", in: Inputs{Profile: "dev", Region: "sa-east-1", EndpointURL: "https://minio.local"},
			env: with(map[string]string{"AWS_ENDPOINT_URL": "http://x"}), ak: "AKIDDEV", token: "tokendev", region: "sa-east-1", endpoint: "https://minio.local", addressing: "path", source: "profile dev"},
		{name: "AWS_DEFAULT_REGION after AWS_REGION", env: with(map[string]string{"AWS_DEFAULT_REGION": "ca-central-1"}), ak: "AKIDDEFAULT", region: "ca-central-1", source: "profile default"},
		{name: "S3 endpoint env beats the general one", env: with(map[string]string{"AWS_ENDPOINT_URL": "http://general", "AWS_ENDPOINT_URL_S3": "http://s3only"}),
			ak: "AKIDDEFAULT", region: "eu-west-1", endpoint: "http://s3only", source: "profile default"},
		{name: "configured endpoints ignored on request", env: with(map[string]string{"AWS_PROFILE": "dev", "AWS_ENDPOINT_URL": "http://general", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}),
			ak: "AKIDDEV", token: "tokendev", region: "ap-southeast-2", addressing: "path", source: "profile dev"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := resolve(t, tc.in, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if r.Credentials.AccessKeyID != tc.ak || r.Credentials.SessionToken != tc.token || r.Region != tc.region ||
				r.EndpointURL != tc.endpoint || r.AddressingStyle != tc.addressing || !strings.HasPrefix(r.CredentialSource, tc.source) {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func TestResolveCredentialExpiration(t *testing.T) {
	e := map[string]string{"AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "S", "AWS_SESSION_TOKEN": "T", "AWS_CREDENTIAL_EXPIRATION": "2026-11-23T18:00:00Z", "HOME": t.TempDir()}
	r, err := resolve(t, Inputs{}, e)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Credentials.Expires.Equal(time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)) {
		t.Fatalf("expires %v", r.Credentials.Expires)
	}
	e["AWS_CREDENTIAL_EXPIRATION"] = "tomorrow"
	if _, err := resolve(t, Inputs{}, e); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("err = %v", err)
	}
}

func TestResolveErrorsNameTheProblemNotTheSecret(t *testing.T) {
	base := writeFiles(t, credsFile, confFile)
	cases := []struct {
		name string
		in   Inputs
		env  map[string]string
		want error
		text string
	}{
		{"missing profile", Inputs{Profile: "nope"}, base, ErrNoCredentials, `no profile "nope"`},
		{"nothing at all", Inputs{}, map[string]string{"HOME": t.TempDir()}, ErrNoCredentials, "AWS_ACCESS_KEY_ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolve(t, tc.in, tc.env)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("err = %v", err)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error mentions a secret value: %v", err)
			}
		})
	}
	half := map[string]string{"AWS_ACCESS_KEY_ID": "A", "HOME": t.TempDir()}
	if _, err := resolve(t, Inputs{}, half); err == nil {
		t.Fatal("a lone AWS_ACCESS_KEY_ID must be an error")
	}
	bad := writeFiles(t, "[default]\naws_secret_access_key\n", "")
	_, err := resolve(t, Inputs{}, bad)
	if err == nil || !strings.Contains(err.Error(), "credentials:2:") {
		t.Fatalf("malformed file error should name file and line: %v", err)
	}
}

// TestResolveRefusesConfigFilesThatAreNotFiles: AWS_CONFIG_FILE or
// AWS_SHARED_CREDENTIALS_FILE naming /dev/zero, a FIFO or a huge file must be
// a prompt configuration error, even with keys in the environment (the
// region still comes from the config file), never a run that blocks or
// grows without bound.
func TestResolveRefusesConfigFilesThatAreNotFiles(t *testing.T) {
	d := t.TempDir()
	fifo := filepath.Join(d, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(d, "huge")
	if err := os.WriteFile(huge, []byte("[default]\n"+strings.Repeat("# padding\n", 500_000)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/zero", fifo, huge} {
		for _, variable := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
			useEnv(t, map[string]string{"HOME": d, "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", variable: path})
			done := make(chan error, 1)
			go func() {
				_, err := Resolve(context.Background(), Inputs{})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Errorf("%s=%s: err = %v, want an error naming the file", variable, path, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s=%s: Resolve still running after 5 s", variable, path)
			}
		}
	}
}

// TestIOAndSigningEndpoints: the S3 client's endpoint follows the AWS CLI's
// rules whatever --signing-endpoint-url says; the signed URLs follow it
// unless told otherwise.
func TestIOAndSigningEndpoints(t *testing.T) {
	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENDPOINTS", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:7070"}
	for _, tc := range []struct {
		in          Inputs
		io, signing string
	}{
		{Inputs{}, "http://127.0.0.1:7070", "http://127.0.0.1:7070"},
		{Inputs{EndpointURL: "http://127.0.0.1:9000"}, "http://127.0.0.1:9000", "http://127.0.0.1:9000"},
		{Inputs{SigningEndpointURL: "https://files.example.com"}, "http://127.0.0.1:7070", "https://files.example.com"},
		{Inputs{SigningEndpointURL: SigningEndpointAWS}, "http://127.0.0.1:7070", ""},
	} {
		r, err := resolve(t, tc.in, env)
		if err != nil {
			t.Fatal(err)
		}
		if r.IOEndpoint() != tc.io || r.SigningEndpointURL != tc.signing {
			t.Errorf("%+v: I/O %q signing %q, want %q and %q", tc.in, r.IOEndpoint(), r.SigningEndpointURL, tc.io, tc.signing)
		}
	}
}
