package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/sigv4a"
)

// gcsSuiteKey is the GCS conformance suite's service-account key file.
var gcsSuiteKey = vectors.Path("gcs-conformance/test_service_account.not-a-test.json")

// privateCopy copies the suite's key to a 0600 file in dir, as a key file
// must be.
func privateCopy(t *testing.T, dir, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "sa.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// outputURLs returns the url of each NDJSON record of out.
func outputURLs(t *testing.T, out string) []string {
	t.Helper()
	var urls []string
	for line := range strings.Lines(out) {
		var rec struct{ URL string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		urls = append(urls, rec.URL)
	}
	return urls
}

// TestPresignSigV4aVerifies: presign --scheme sigv4a writes URLs that
// batchsign verify finds valid (auto-detected and under --scheme sigv4a) and
// that the sigv4a library's verifier accepts with the same credentials;
// --region-set and a row's region_set are what is signed.
func TestPresignSigV4aVerifies(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest+`{"id":"4","bucket":"examplebucket","key":"k","region_set":"eu-*"}
`)
	urls := filepath.Join(dir, "u.ndjson")
	code, _, stderr := runIn(t, "", "presign", "--scheme", "sigv4a", "--region-set", "us-east-1,us-west-2", "--time", pinned, manifest, "-o", urls)
	if code != exitOK {
		t.Fatalf("presign: exit %d %s", code, stderr)
	}
	out, _ := os.ReadFile(urls)
	got := outputURLs(t, string(out))
	if len(got) != 4 || !strings.Contains(got[0], "X-Amz-Region-Set=us-east-1%2Cus-west-2&") || !strings.Contains(got[3], "X-Amz-Region-Set=eu-%2A&") {
		t.Fatalf("urls:\n%s", out)
	}
	at, _ := time.Parse(time.RFC3339, pinned)
	v := sigv4a.NewVerifier(func(id string) (string, bool) { return fakeSecret, id == "AKIDBATCHSIGNTEST" },
		sigv4a.VerifyOptions{Now: at.Add(time.Minute)})
	for _, u := range got {
		if !strings.Contains(u, "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&") {
			t.Errorf("not SigV4a: %s", u)
		}
		if err := v.PresignedURL("GET", u, nil, ""); err != nil {
			t.Errorf("sigv4a library: %v: %s", err, u)
		}
		tampered := strings.Replace(u, "X-Amz-Expires=", "X-Amz-Expires=1", 1)
		if err := v.PresignedURL("GET", tampered, nil, ""); err == nil {
			t.Errorf("sigv4a library accepts %s", tampered)
		}
	}
	for _, scheme := range []string{"auto", "sigv4a"} {
		code, stdout, stderr := runIn(t, "", "verify", "--scheme", scheme, "--time", "2026-11-23T12:01:00Z", urls)
		if code != exitOK || strings.Count(stdout, `"valid":true,"reason":"","scheme":"sigv4a"`) != 4 {
			t.Errorf("verify --scheme %s: exit %d\n%s%s", scheme, code, stdout, stderr)
		}
	}
	// A region the region set does not hold is the wrong scope.
	code, stdout, _ := runIn(t, "", "verify", "--region", "eu-west-1", "--time", "2026-11-23T12:01:00Z", urls)
	if code != exitRejected || strings.Count(stdout, "wrong_scope") != 3 || strings.Count(stdout, `"valid":true`) != 1 {
		t.Errorf("verify --region eu-west-1: exit %d\n%s", code, stdout)
	}
}

// TestSignSigV4aVerifies: sign --scheme sigv4a writes headers whose
// Authorization verify recognises as SigV4a and finds valid.
func TestSignSigV4aVerifies(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest)
	signed := filepath.Join(dir, "s.ndjson")
	if code, _, stderr := runIn(t, "", "sign", "--scheme", "sigv4a", "--time", pinned, manifest, "-o", signed); code != exitOK {
		t.Fatalf("sign: exit %d %s", code, stderr)
	}
	b, _ := os.ReadFile(signed)
	if strings.Count(string(b), `"Authorization":"AWS4-ECDSA-P256-SHA256 Credential=AKIDBATCHSIGNTEST/20261123/s3/aws4_request, `) != 3 ||
		strings.Count(string(b), `"X-Amz-Region-Set":"*"`) != 3 {
		t.Fatalf("signed:\n%s", b)
	}
	code, stdout, stderr := runIn(t, "", "verify", "--time", "2026-11-23T12:01:00Z", signed)
	if code != exitOK || strings.Count(stdout, `"scheme":"sigv4a"`) != 3 {
		t.Errorf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestMRAPRowsSignWithSigV4a: under the default scheme, sigv4, a row whose
// bucket is a Multi-Region Access Point ARN, or whose url is an MRAP host,
// is presigned with SigV4a at the MRAP's global host; other rows keep SigV4.
func TestMRAPRowsSignWithSigV4a(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"plain","bucket":"examplebucket","key":"k"}
{"id":"arn","bucket":"arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap","key":"reports/q4.pdf"}
{"id":"url","url":"https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/reports/q4.pdf","region_set":"us-*"}
{"id":"bad","bucket":"arn:aws:s3:us-east-1:123456789012:accesspoint/ap","key":"k"}
`)
	urls := filepath.Join(dir, "u.ndjson")
	code, _, stderr := runIn(t, "", "presign", "--time", pinned, manifest, "-o", urls)
	if code != exitRejected {
		t.Fatalf("presign: exit %d %s", code, stderr)
	}
	out, _ := os.ReadFile(urls)
	got := outputURLs(t, string(out))
	if len(got) != 3 || !strings.Contains(got[0], "AWS4-HMAC-SHA256") ||
		!strings.HasPrefix(got[1], "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/reports/q4.pdf?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&") ||
		!strings.Contains(got[2], "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&") || !strings.Contains(got[2], "X-Amz-Region-Set=us-%2A&") {
		t.Errorf("urls:\n%s", out)
	}
	rejects, _ := os.ReadFile(filepath.Join(dir, "u.rejects.ndjson"))
	if !strings.Contains(string(rejects), `"field":"bucket"`) || !strings.Contains(string(rejects), "Multi-Region Access Point") {
		t.Errorf("rejects: %s", rejects)
	}
	code, stdout, stderr := runIn(t, "", "verify", "--time", "2026-11-23T12:01:00Z", urls)
	if code != exitOK || strings.Count(stdout, `"scheme":"sigv4a"`) != 2 || strings.Count(stdout, `"scheme":"sigv4"`) != 1 {
		t.Errorf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestPresignGCSRSAReproducesTheSuite: with the conformance suite's key, a
// row and --time matching one of its cases give the case's URL byte for
// byte.
func TestPresignGCSRSAReproducesTheSuite(t *testing.T) {
	dir := cleanEnv(t)
	key := privateCopy(t, dir, gcsSuiteKey)
	raw, err := os.ReadFile(vectors.Path("gcs-conformance/v4_signatures.json"))
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		SigningV4Tests []struct {
			Description string `json:"description"`
			ExpectedURL string `json:"expectedUrl"`
		} `json:"signingV4Tests"`
	}
	if err := json.Unmarshal(raw, &suite); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		row  string
		args []string
	}{
		{0, `{"id":"0","bucket":"test-bucket","key":"test-object","expires":10}`, nil},
		{7, `{"id":"7","bucket":"test-bucket","key":"test-object","expires":10,"headers":{"BAR":"BAR-value","foo":"foo-value"}}`, nil},
		{17, `{"id":"17","bucket":"test-bucket","key":"test-object","expires":10}`, []string{"--addressing-style", "virtual"}},
		{19, `{"id":"19","url":"https://mydomain.tld/test-object","expires":10}`, nil},
	} {
		c := suite.SigningV4Tests[tc.n]
		manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), tc.row+"\n")
		args := append([]string{"presign", "--scheme", "gcs-rsa", "--gcs-key-file", key, "--time", "2019-02-01T09:00:00Z", manifest}, tc.args...)
		code, stdout, stderr := runIn(t, "", args...)
		if code != exitOK {
			t.Fatalf("case %d (%s): exit %d %s", tc.n, c.Description, code, stderr)
		}
		if got := outputURLs(t, stdout); len(got) != 1 || got[0] != c.ExpectedURL {
			t.Errorf("case %d (%s):\ngot  %v\nwant %s", tc.n, c.Description, got, c.ExpectedURL)
		}
		// The key may come from GOOGLE_APPLICATION_CREDENTIALS instead.
		t.Setenv(envGoogleCredentials, key)
		args = append([]string{"presign", "--scheme", "gcs-rsa", "--time", "2019-02-01T09:00:00Z", manifest}, tc.args...)
		if _, env, _ := runIn(t, "", args...); env != stdout {
			t.Errorf("case %d with %s:\n%s\nwant\n%s", tc.n, envGoogleCredentials, env, stdout)
		}
		t.Setenv(envGoogleCredentials, "")
	}
	// And verify finds the suite's URL valid within its 10 seconds.
	manifest := writeFile(t, filepath.Join(dir, "v.ndjson"), `{"id":"0","url":"`+suite.SigningV4Tests[0].ExpectedURL+`"}`+"\n")
	code, stdout, stderr := runIn(t, "", "verify", "--gcs-key-file", key, "--time", "2019-02-01T09:00:05Z", manifest)
	if code != exitOK || !strings.Contains(stdout, `"valid":true,"reason":"","scheme":"gcs-rsa"`) {
		t.Errorf("verify: exit %d %s%s", code, stdout, stderr)
	}
}

// TestPresignGCSHMACVerifies: presign --scheme gcs-hmac with the key from
// GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET writes URLs and the headers to
// send, which verify finds valid; another secret finds them forged.
func TestPresignGCSHMACVerifies(t *testing.T) {
	dir := cleanEnv(t)
	t.Setenv(envGCSHMACAccessID, "GOOG1EXAMPLEACCESSID")
	t.Setenv(envGCSHMACSecret, fakeSecret)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"1","bucket":"b","key":"reports/q4 ü.pdf"}
{"id":"2","method":"PUT","bucket":"b","key":"up","headers":{"Content-Type":"text/csv"},"expires":604800}
{"id":"3","url":"https://b.storage.googleapis.com/x?generation=5"}
{"id":"4","bucket":"b","key":"k","expires":604801}
`)
	urls := filepath.Join(dir, "u.ndjson")
	code, _, stderr := runIn(t, "", "presign", "--scheme", "gcs-hmac", "--time", pinned, manifest, "-o", urls)
	if code != exitRejected || strings.Contains(stderr, fakeSecret) {
		t.Fatalf("presign: exit %d %s", code, stderr)
	}
	out, _ := os.ReadFile(urls)
	if !strings.Contains(string(out), `"headers":{"Content-Type":"text/csv"}`) ||
		!strings.HasPrefix(outputURLs(t, string(out))[0], "https://storage.googleapis.com/b/reports/q4%20%C3%BC.pdf?X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Credential=GOOG1EXAMPLEACCESSID%2F20261123%2Fauto%2Fstorage%2Fgoog4_request&") {
		t.Errorf("urls:\n%s", out)
	}
	for _, scheme := range []string{"auto", "gcs-hmac"} {
		code, stdout, stderr := runIn(t, "", "verify", "--scheme", scheme, "--time", "2026-11-23T12:01:00Z", urls)
		if code != exitOK || strings.Count(stdout, `"valid":true,"reason":"","scheme":"gcs-hmac"`) != 3 {
			t.Errorf("verify --scheme %s: exit %d\n%s%s", scheme, code, stdout, stderr)
		}
	}
	t.Setenv(envGCSHMACSecret, "another-secret")
	code, stdout, _ := runIn(t, "", "verify", "--time", "2026-11-23T12:01:00Z", urls)
	if code != exitRejected || strings.Count(stdout, "signature_mismatch") != 3 {
		t.Errorf("verify with another secret: exit %d\n%s", code, stdout)
	}
}

// TestGCSKeyFileProblems: a key file that is missing, readable by others,
// not JSON or a directory is a usage error (exit 2, nothing written) that
// names the file and the problem and quotes no key material; so is a
// missing key.
func TestGCSKeyFileProblems(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"1","bucket":"b","key":"k"}`+"\n")
	suite, err := os.ReadFile(gcsSuiteKey)
	if err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open.json")
	if err := os.WriteFile(open, suite, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o644)
	notJSON := filepath.Join(dir, "pem.json")
	pemOnly := suite[strings.Index(string(suite), "-----BEGIN"):]
	if err := os.WriteFile(notJSON, pemOnly, 0o600); err != nil {
		t.Fatal(err)
	}
	user := writeFile(t, filepath.Join(dir, "user.json"), `{"type":"authorized_user","client_id":"x","client_secret":"SECRETVALUE","refresh_token":"TOKENVALUE"}`)
	os.Chmod(user, 0o600)
	for _, tc := range []struct {
		name, file, want string
		env              bool
	}{
		{"missing", filepath.Join(dir, "nope.json"), "no such file", false},
		{"0644", open, "permissions 0644 are too open", false},
		{"0644 from the environment", open, envGoogleCredentials + " " + open + ": permissions 0644 are too open", true},
		{"not JSON", notJSON, "not a service-account JSON key", false},
		{"authorized_user", user, "not a service-account JSON key", false},
		{"directory", dir, "not a regular file", false},
		{"none", "", "no key: give --gcs-key-file FILE or set " + envGoogleCredentials, false},
	} {
		args := []string{"presign", "--scheme", "gcs-rsa", "--time", pinned, manifest, "-o", filepath.Join(dir, "out.ndjson")}
		if tc.env {
			t.Setenv(envGoogleCredentials, tc.file)
		} else if tc.file != "" {
			args = append(args, "--gcs-key-file", tc.file)
		}
		code, stdout, stderr := runIn(t, "", args...)
		t.Setenv(envGoogleCredentials, "")
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d %q, want %q", tc.name, code, stderr, tc.want)
		}
		for _, secret := range []string{"PRIVATE KEY", "MIIEv", string(pemOnly[40:60]), "SECRETVALUE", "TOKENVALUE"} {
			if strings.Contains(stderr, secret) {
				t.Errorf("%s: stderr quotes key material: %s", tc.name, stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "out.ndjson")); err == nil {
			t.Errorf("%s: wrote output", tc.name)
		}
	}
	// gcs-hmac: both variables, or a usage error naming the missing one.
	t.Setenv(envGCSHMACAccessID, "GOOG1EXAMPLE")
	if code, _, stderr := runIn(t, "", "presign", "--scheme", "gcs-hmac", manifest); code != exitUsage || !strings.Contains(stderr, envGCSHMACSecret+" is not") {
		t.Errorf("gcs-hmac without the secret: exit %d %s", code, stderr)
	}
}

// TestCloudFlagsRefusedWhereTheyDoNotApply: the SigV4a and GCS flags, and
// the AWS ones under GCS, are usage errors under a scheme they do not
// apply to, as are commands a scheme does not have.
func TestCloudFlagsRefusedWhereTheyDoNotApply(t *testing.T) {
	dir := cleanEnv(t)
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), goodManifest)
	key := privateCopy(t, dir, gcsSuiteKey)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"presign", "--scheme", "sigv2", "--region-set", "*"}, "--region-set does not apply to --scheme sigv2"},
		{[]string{"presign", "--scheme", "gcs-rsa", "--gcs-key-file", key, "--region-set", "*"}, "--region-set does not apply to --scheme gcs-rsa"},
		{[]string{"presign", "--gcs-key-file", key}, "--gcs-key-file does not apply to --scheme sigv4"},
		{[]string{"presign", "--scheme", "sigv4a", "--gcs-region", "auto"}, "--gcs-region does not apply to --scheme sigv4a"},
		{[]string{"presign", "--scheme", "gcs-rsa", "--gcs-key-file", key, "--region", "us-east-1"}, "--region does not apply to --scheme gcs-rsa"},
		{[]string{"presign", "--scheme", "gcs-rsa", "--gcs-key-file", key, "--clamp-expiry"}, "--clamp-expiry does not apply to --scheme gcs-rsa"},
		{[]string{"presign", "--scheme", "sigv4a", "--region-set", "us east"}, "region set"},
		{[]string{"sign", "--scheme", "gcs-rsa"}, `--scheme "gcs-rsa": sign supports`},
		{[]string{"sign", "--scheme", "gcs-hmac"}, `--scheme "gcs-hmac": sign supports`},
		{[]string{"verify", "--scheme", "gcs-hmac", "--keys", key}, "--keys does not apply to --scheme gcs-hmac"},
		{[]string{"verify", "--scheme", "sigv4", "--gcs-key-file", key}, "--gcs-key-file does not apply to --scheme sigv4"},
	} {
		code, stdout, stderr := runIn(t, "", append(append(tc.args, "--time", pinned), manifest)...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
