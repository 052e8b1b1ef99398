package kmsremote

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"

	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/internal/kmsremote/kmstest"
)

var (
	testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	creds   = sigv4.Credentials{AccessKeyID: "AKIDKMSCLIENT", SecretAccessKey: "client-secret-never-printed"}
	temp    = sigv4.Credentials{AccessKeyID: "ASIAKMSCLIENT", SecretAccessKey: "temp-secret-never-printed", SessionToken: "session-token-never-printed"}
	mat     = map[string][]byte{
		"k224": bytes.Repeat([]byte("224-"), 7),  // 28 bytes
		"k256": bytes.Repeat([]byte("256-"), 8),  // 32
		"k384": bytes.Repeat([]byte("384-"), 12), // 48
		"k512": bytes.Repeat([]byte("512-"), 16), // 64
	}
)

const ringJSON = `{"keys":[
	{"key_id":"k224","aliases":["alias/a224"],"algorithms":["HMAC_SHA_224"],"key_material":"%s"},
	{"key_id":"k256","aliases":["alias/a256"],"algorithms":["HMAC_SHA_256"],"key_material":"%s"},
	{"key_id":"k384","aliases":["alias/a384"],"algorithms":["HMAC_SHA_384"],"key_material":"%s"},
	{"key_id":"k512","aliases":["alias/a512"],"algorithms":["HMAC_SHA_512"],"key_material":"%s"}
]}`

func testRing(t *testing.T) *keyring.Keyring {
	t.Helper()
	b := base64.StdEncoding.EncodeToString
	r, err := keyring.Parse([]byte(fmt.Sprintf(ringJSON, b(mat["k224"]), b(mat["k256"]), b(mat["k384"]), b(mat["k512"]))), "client test")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fixedNow() time.Time { return testNow }

// setup starts a fake KMS over ring and a client for it.
func setup(t *testing.T, ring *keyring.Keyring, tweak func(*Config)) (*kmstest.Server, *Client) {
	t.Helper()
	srv := kmstest.NewServer(ring, kmstest.Options{Credentials: []sigv4.Credentials{creds, temp}, Now: fixedNow})
	t.Cleanup(srv.Close)
	cfg := Config{Region: srv.Region(), Endpoint: srv.URL, Credentials: creds, Now: fixedNow}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// noSecrets fails when text holds a credential, key material or the MAC.
func noSecrets(t *testing.T, what, text string, extra ...[]byte) {
	t.Helper()
	forms := []string{creds.SecretAccessKey, temp.SecretAccessKey, temp.SessionToken}
	for _, m := range mat {
		forms = append(forms, string(m), base64.StdEncoding.EncodeToString(m))
	}
	for _, m := range extra {
		forms = append(forms, base64.StdEncoding.EncodeToString(m), hex.EncodeToString(m))
	}
	for _, s := range forms {
		if strings.Contains(text, s) {
			t.Fatalf("%s leaks a secret (%q): %s", what, s, text)
		}
	}
}

var allAlgs = []keyring.MacAlgorithm{keyring.MacHMACSHA224, keyring.MacHMACSHA256, keyring.MacHMACSHA384, keyring.MacHMACSHA512}

// TestRemoteMatchesLocal: every algorithm, message sizes at the limits, every
// form of key name: the remote MAC is the local MAC, and each side verifies
// the other's.
func TestRemoteMatchesLocal(t *testing.T) {
	ring := testRing(t)
	srv, remote := setup(t, ring, nil)
	local := keyring.NewLocal(ring)
	ctx := context.Background()
	for _, alg := range allAlgs {
		id := "k" + strings.TrimPrefix(alg.String(), "HMAC_SHA_")
		names := []string{id, "alias/a" + id[1:], srv.KeyARN(id), "arn:aws:kms:us-east-1:111122223333:alias/a" + id[1:]}
		for i, size := range []int{1, 55, 64, 65, 4096} {
			msg := bytes.Repeat([]byte{byte('a' + i)}, size)
			name := names[i%len(names)]
			want, err := local.GenerateMac(ctx, name, alg, msg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := remote.GenerateMac(ctx, name, alg, msg)
			if err != nil {
				t.Fatalf("%s %s %d bytes: %v", alg, name, size, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s %s %d bytes: remote %x, local %x", alg, name, size, got, want)
			}
			if ok, err := remote.VerifyMac(ctx, name, alg, msg, want); !ok || err != nil {
				t.Errorf("remote VerifyMac(local MAC) = %v, %v", ok, err)
			}
			if ok, err := local.VerifyMac(ctx, name, alg, msg, got); !ok || err != nil {
				t.Errorf("local VerifyMac(remote MAC) = %v, %v", ok, err)
			}
		}
	}
}

// TestRemoteMatchesRFC4231 runs the published vectors through the client and
// the fake KMS (whose keyring holds the RFC keys with allow_any_length).
func TestRemoteMatchesRFC4231(t *testing.T) {
	data := vectors.Read(t, "hmac-rfc-vectors.json")
	var vs []struct {
		Source, Algorithm string
		KeyHex            string `json:"key_hex"`
		MessageHex        string `json:"message_hex"`
		MACHex            string `json:"mac_hex"`
		Truncated         *int   `json:"truncated_to_bytes"`
	}
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i, v := range vs {
		if !strings.HasPrefix(v.Source, "RFC 4231") {
			continue
		}
		key, _ := hex.DecodeString(v.KeyHex)
		keys = append(keys, fmt.Sprintf(`{"key_id":"rfc-%d","algorithms":[%q],"key_material":%q,"allow_any_length":true}`,
			i, v.Algorithm, base64.StdEncoding.EncodeToString(key)))
	}
	ring, err := keyring.Parse([]byte(`{"keys":[`+strings.Join(keys, ",")+`]}`), "rfc4231")
	if err != nil {
		t.Fatal(err)
	}
	_, c := setup(t, ring, nil)
	ctx := context.Background()
	ran := 0
	for i, v := range vs {
		if !strings.HasPrefix(v.Source, "RFC 4231") {
			continue
		}
		ran++
		alg, _ := keyring.ParseMacAlgorithm(v.Algorithm)
		msg, _ := hex.DecodeString(v.MessageHex)
		want, _ := hex.DecodeString(v.MACHex)
		id := fmt.Sprintf("rfc-%d", i)
		got, err := c.GenerateMac(ctx, id, alg, msg)
		if err != nil {
			t.Fatalf("%s %s: %v", v.Source, v.Algorithm, err)
		}
		if v.Truncated != nil {
			if !bytes.Equal(got[:*v.Truncated], want) {
				t.Errorf("%s %s: MAC[:%d] = %x, want %x", v.Source, v.Algorithm, *v.Truncated, got[:*v.Truncated], want)
			}
			if ok, err := c.VerifyMac(ctx, id, alg, msg, want); ok || !errors.Is(err, keyring.ErrKMSInvalidMac) {
				t.Errorf("%s: VerifyMac(truncated) = %v, %v", v.Source, ok, err)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s %s: MAC = %x, want %x", v.Source, v.Algorithm, got, want)
		}
		if ok, err := c.VerifyMac(ctx, id, alg, msg, want); !ok || err != nil {
			t.Errorf("%s %s: VerifyMac = %v, %v", v.Source, v.Algorithm, ok, err)
		}
	}
	if ran != 28 {
		t.Errorf("ran %d RFC 4231 vectors, want 28", ran)
	}
}

// TestRemoteErrorsAsKMSDocumentsThem walks every error answer through the
// client: the exception name, errors.Is on the code and the engine reason,
// the HTTP status and request id, IsFatal, and that it was not retried.
func TestRemoteErrorsAsKMSDocumentsThem(t *testing.T) {
	ctx := context.Background()
	msg := []byte("message")
	m := hmac.New(sha256.New, mat["k256"])
	m.Write(msg)
	good := m.Sum(nil)
	bad := append([]byte(nil), good...)
	bad[0] ^= 0x80
	type op func(c *Client) error
	gen := func(key string, alg keyring.MacAlgorithm) op {
		return func(c *Client) error {
			mac, err := c.GenerateMac(ctx, key, alg, msg)
			if mac != nil {
				t.Errorf("a MAC came back with the error")
			}
			return err
		}
	}
	ver := func(key string, alg keyring.MacAlgorithm, mac []byte) op {
		return func(c *Client) error {
			ok, err := c.VerifyMac(ctx, key, alg, msg, mac)
			if ok {
				t.Errorf("VerifyMac = true")
			}
			return err
		}
	}
	cases := []struct {
		name   string
		cfg    func(*Config)
		server func(*kmstest.Server)
		call   op
		code   keyring.KMSErrorCode
		is     error
		fatal  bool
		msg    string
	}{
		{name: "unknown key", call: gen("nope", keyring.MacHMACSHA256), code: keyring.ErrKMSNotFound, is: sigerr.ErrUnknownKey, msg: "does not exist"},
		{name: "unknown alias (verify)", call: ver("alias/nope", keyring.MacHMACSHA256, good), code: keyring.ErrKMSNotFound, is: sigerr.ErrUnknownKey},
		{name: "algorithm not allowed", call: gen("k256", keyring.MacHMACSHA512), code: keyring.ErrKMSInvalidKeyUsage},
		{name: "MAC mismatch", call: ver("k256", keyring.MacHMACSHA256, bad), code: keyring.ErrKMSInvalidMac, is: sigerr.ErrSignatureMismatch},
		{name: "MAC of another algorithm's length", call: ver("k256", keyring.MacHMACSHA256, good[:28]), code: keyring.ErrKMSInvalidMac, is: sigerr.ErrSignatureMismatch},
		{name: "disabled", server: func(s *kmstest.Server) { s.SetKeyState("k256", kmstest.KeyDisabled) }, call: gen("alias/a256", keyring.MacHMACSHA256), code: ErrDisabled, msg: "is disabled"},
		{name: "pending deletion", server: func(s *kmstest.Server) { s.SetKeyState("k256", kmstest.KeyPendingDeletion) }, call: ver("k256", keyring.MacHMACSHA256, good), code: ErrInvalidState},
		{name: "unavailable", server: func(s *kmstest.Server) { s.SetKeyState("k256", kmstest.KeyUnavailable) }, call: gen("k256", keyring.MacHMACSHA256), code: ErrKeyUnavailable},
		{name: "access denied", server: func(s *kmstest.Server) { s.Deny(creds.AccessKeyID, "k256") }, call: gen("k256", keyring.MacHMACSHA256), code: ErrAccessDenied, msg: "not authorized"},
		{name: "unknown access key", cfg: func(c *Config) {
			c.Credentials = sigv4.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "whatever-secret"}
		},
			call: gen("k256", keyring.MacHMACSHA256), code: ErrUnrecognizedClient, fatal: true},
		{name: "wrong secret", cfg: func(c *Config) { c.Credentials.SecretAccessKey = "wrong-secret-never-printed" },
			call: gen("k256", keyring.MacHMACSHA256), code: ErrInvalidSignature, fatal: true, msg: "signature we calculated does not match"},
		{name: "clock 10 minutes slow", cfg: func(c *Config) { c.Now = func() time.Time { return testNow.Add(-10 * time.Minute) } },
			call: gen("k256", keyring.MacHMACSHA256), code: ErrInvalidSignature, fatal: true, msg: "Signature expired"},
		{name: "signed for another region", cfg: func(c *Config) { c.Region = "eu-west-1" },
			call: gen("k256", keyring.MacHMACSHA256), code: ErrInvalidSignature, fatal: true, msg: "eu-west-1"},
		{name: "temporary credentials with a stale token", cfg: func(c *Config) { c.Credentials = temp; c.Credentials.SessionToken = "stale-token" },
			call: gen("k256", keyring.MacHMACSHA256), code: ErrUnrecognizedClient, fatal: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, client := setup(t, testRing(t), c.cfg)
			if c.server != nil {
				c.server(srv)
			}
			err := c.call(client)
			if keyring.KMSErrorName(err) != string(c.code) || !errors.Is(err, c.code) {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("err = %v, want also errors.Is %v", err, c.is)
			}
			var e *Error
			if !errors.As(err, &e) || e.StatusCode != 400 || e.RequestID == "" || e.Op == "" {
				t.Errorf("err = %#v, want an *Error with status 400, an op and a request id", err)
			}
			var ke *keyring.KMSError
			if !errors.As(err, &ke) || ke.Code != c.code {
				t.Errorf("errors.As *keyring.KMSError: %v", ke)
			}
			if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "kms ") || !strings.Contains(err.Error(), "(HTTP 400, request id ") {
				t.Errorf("err text %q", err)
			}
			if IsFatal(err) != c.fatal {
				t.Errorf("IsFatal = %v, want %v", IsFatal(err), c.fatal)
			}
			if n := srv.Requests(); n != 1 {
				t.Errorf("%d requests: a 4xx answer was retried", n)
			}
			noSecrets(t, "error", err.Error(), good)
			noSecrets(t, "error %#v", fmt.Sprintf("%#v %+v", err, err), good)
		})
	}
}

// TestRemoteRefusesBadParametersWithoutSending: the ValidationExceptions
// KMS would answer come from the client itself, as the local keyring words
// them, and nothing reaches the server.
func TestRemoteRefusesBadParametersWithoutSending(t *testing.T) {
	srv, c := setup(t, testRing(t), nil)
	local := keyring.NewLocal(testRing(t))
	ctx := context.Background()
	big := make([]byte, keyring.MaxMacMessageLen+1)
	for _, tc := range []struct {
		name   string
		alg    keyring.MacAlgorithm
		msg    []byte
		mac    []byte
		verify bool
	}{
		{"empty message", keyring.MacHMACSHA256, nil, nil, false},
		{"message of 4097 bytes", keyring.MacHMACSHA256, big, nil, false},
		{"invalid algorithm", 0, []byte("m"), nil, false},
		{"empty MAC", keyring.MacHMACSHA256, []byte("m"), nil, true},
		{"message of 4097 bytes (verify)", keyring.MacHMACSHA256, big, []byte{1}, true},
	} {
		var err, lerr error
		if tc.verify {
			_, err = c.VerifyMac(ctx, "nope", tc.alg, tc.msg, tc.mac)
			_, lerr = local.VerifyMac(ctx, "nope", tc.alg, tc.msg, tc.mac)
		} else {
			_, err = c.GenerateMac(ctx, "nope", tc.alg, tc.msg)
			_, lerr = local.GenerateMac(ctx, "nope", tc.alg, tc.msg)
		}
		if !errors.Is(err, keyring.ErrKMSValidation) || err.Error() != lerr.Error() {
			t.Errorf("%s: remote %v, local %v", tc.name, err, lerr)
		}
		if IsFatal(err) {
			t.Errorf("%s: a parameter error is fatal", tc.name)
		}
	}
	if n := srv.Requests(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

// tamper is a RoundTripper that changes a signed request in flight.
type tamper struct {
	next   http.RoundTripper
	change func(*http.Request)
}

func (t tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	t.change(r)
	return t.next.RoundTrip(r)
}

// TestTamperedRequestsAreRefused proves both halves: the same client gets a
// MAC when its requests arrive intact, and a refusal when one byte of the
// signature, the target or the body changes on the way.
func TestTamperedRequestsAreRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*http.Request)
	}{
		{"signature", func(r *http.Request) {
			a := []byte(r.Header.Get("Authorization"))
			a[len(a)-1] ^= 1 // hex digit to its neighbour: still hex, still 64 digits
			r.Header.Set("Authorization", string(a))
		}},
		{"target", func(r *http.Request) { r.Header.Set("X-Amz-Target", TargetVerifyMac) }},
		{"date", func(r *http.Request) { r.Header.Set("X-Amz-Date", testNow.Add(time.Second).Format("20060102T150405Z")) }},
		{"body", func(r *http.Request) {
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(r.Body)
			b := bytes.Replace(buf.Bytes(), []byte(`"k256"`), []byte(`"k257"`), 1)
			r.Body = readCloser{bytes.NewReader(b)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := setup(t, testRing(t), func(cfg *Config) {
				cfg.HTTPClient = &http.Client{Transport: tamper{http.DefaultTransport, tc.change}}
			})
			_, err := c.GenerateMac(ctx, "k256", keyring.MacHMACSHA256, []byte("m"))
			if !errors.Is(err, ErrInvalidSignature) || !IsFatal(err) {
				t.Fatalf("tampered %s: err = %v, want InvalidSignatureException", tc.name, err)
			}
			if srv.Requests() != 1 {
				t.Errorf("%d requests: the refusal was retried", srv.Requests())
			}
		})
	}
	_, c := setup(t, testRing(t), func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: tamper{http.DefaultTransport, func(*http.Request) {}}}
	})
	if _, err := c.GenerateMac(ctx, "k256", keyring.MacHMACSHA256, []byte("m")); err != nil {
		t.Fatalf("the untampered request through the same transport: %v", err)
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

func TestTemporaryCredentialsSendTheirToken(t *testing.T) {
	_, c := setup(t, testRing(t), func(cfg *Config) { cfg.Credentials = temp })
	if _, err := c.GenerateMac(context.Background(), "k256", keyring.MacHMACSHA256, []byte("m")); err != nil {
		t.Fatal(err)
	}
}

func TestRetriesCureServerFailuresAndThrottling(t *testing.T) {
	ctx := context.Background()
	srv, c := setup(t, testRing(t), nil)
	srv.FailNext(
		kmstest.Fault{Status: 500, Code: "KMSInternalException", Message: "try again"},
		kmstest.Fault{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"},
	)
	if _, err := c.GenerateMac(ctx, "k256", keyring.MacHMACSHA256, []byte("m")); err != nil {
		t.Fatalf("after a 500 and a throttle: %v", err)
	}
	if n := srv.Requests(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	srv, c = setup(t, testRing(t), nil)
	srv.FailNext(
		kmstest.Fault{Status: 503, Code: "DependencyTimeoutException"},
		kmstest.Fault{Status: 502, Message: "<html>Bad Gateway</html>"},
		kmstest.Fault{Status: 500, Code: "KMSInternalException", Message: "still failing"},
	)
	_, err := c.VerifyMac(ctx, "k256", keyring.MacHMACSHA256, []byte("m"), []byte("mac"))
	if !errors.Is(err, ErrInternal) || !strings.Contains(err.Error(), "after 3 attempts") || !IsFatal(err) {
		t.Fatalf("err = %v, want KMSInternalException after 3 attempts, fatal", err)
	}
	if n := srv.Requests(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	srv, c = setup(t, testRing(t), func(cfg *Config) { cfg.MaxAttempts = 1 })
	srv.FailNext(kmstest.Fault{Status: 502, Message: "<html>Bad Gateway</html>"})
	_, err = c.GenerateMac(ctx, "k256", keyring.MacHMACSHA256, []byte("m"))
	var e *Error
	if !errors.As(err, &e) || e.KMS != nil || e.StatusCode != 502 || !strings.Contains(err.Error(), "HTTP 502: <html>Bad Gateway</html>") || !IsFatal(err) {
		t.Fatalf("err = %v, want HTTP 502 with the body, fatal", err)
	}
	if n := srv.Requests(); n != 1 {
		t.Errorf("MaxAttempts 1 made %d requests", n)
	}
}

func TestCallsHonourContextAndTimeout(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)

	// Each attempt must reach the handler before its Timeout for the count
	// of attempts below to hold: 50 ms was a window a loaded machine under
	// -race (a fresh connection each attempt) could miss; 500 ms is not.
	c, err := New(Config{Region: "us-east-1", Endpoint: slow.URL, Credentials: creds, Timeout: 500 * time.Millisecond, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.GenerateMac(context.Background(), "k", keyring.MacHMACSHA256, []byte("m"))
	if !errors.Is(err, context.DeadlineExceeded) || !IsFatal(err) || !strings.Contains(err.Error(), "after 2 attempts") {
		t.Fatalf("err = %v, want a deadline after 2 attempts", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if hits.Load() != 2 {
		t.Errorf("%d attempts, want 2", hits.Load())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	c, _ = New(Config{Region: "us-east-1", Endpoint: slow.URL, Credentials: creds, Timeout: time.Minute})
	_, err = c.VerifyMac(ctx, "k", keyring.MacHMACSHA256, []byte("m"), []byte("x"))
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "attempts") {
		t.Fatalf("err = %v, want the caller's deadline, not retried", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := c.GenerateMac(ctx, "k", keyring.MacHMACSHA256, []byte("m")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// fakeAnswer serves one fixed answer to every request.
func fakeAnswer(t *testing.T, status int, header http.Header, body string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func TestMalformedAnswersAreReported(t *testing.T) {
	ctx := context.Background()
	mac := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		verify bool
		check  func(error) bool
	}{
		{"not JSON", 200, nil, "<html>hello</html>", false, func(err error) bool { return errors.Is(err, ErrMalformedResponse) }},
		{"other algorithm", 200, nil, `{"KeyId":"arn","Mac":"` + mac + `","MacAlgorithm":"HMAC_SHA_512"}`, false, func(err error) bool { return errors.Is(err, ErrMalformedResponse) }},
		{"short MAC", 200, nil, `{"KeyId":"arn","Mac":"AAAA","MacAlgorithm":"HMAC_SHA_256"}`, false, func(err error) bool { return errors.Is(err, ErrMalformedResponse) }},
		{"no KeyId", 200, nil, `{"Mac":"` + mac + `","MacAlgorithm":"HMAC_SHA_256"}`, false, func(err error) bool { return errors.Is(err, ErrMalformedResponse) }},
		{"MacValid false", 200, nil, `{"KeyId":"arn","MacValid":false,"MacAlgorithm":"HMAC_SHA_256"}`, true,
			func(err error) bool {
				return errors.Is(err, keyring.ErrKMSInvalidMac) && errors.Is(err, sigerr.ErrSignatureMismatch)
			}},
		{"namespaced __type", 400, nil, `{"__type":"com.amazonaws.kms#NotFoundException","Message":"gone"}`, false,
			func(err error) bool {
				return errors.Is(err, keyring.ErrKMSNotFound) && strings.Contains(err.Error(), "NotFoundException: gone")
			}},
		{"type in header only", 400, http.Header{"X-Amzn-Errortype": {"AccessDeniedException:http://internal.amazon.com/"}}, `{}`, false,
			func(err error) bool { return errors.Is(err, ErrAccessDenied) }},
		{"redirect", 307, http.Header{"Location": {"http://127.0.0.1:1/elsewhere"}}, ``, false,
			func(err error) bool { var e *Error; return errors.As(err, &e) && e.StatusCode == 307 && IsFatal(err) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Config{Region: "us-east-1", Endpoint: fakeAnswer(t, tc.status, tc.header, tc.body), Credentials: creds})
			if err != nil {
				t.Fatal(err)
			}
			if tc.verify {
				ok, err := c.VerifyMac(ctx, "k", keyring.MacHMACSHA256, []byte("m"), []byte("x"))
				if ok || !tc.check(err) {
					t.Fatalf("VerifyMac = %v, %v", ok, err)
				}
				return
			}
			out, err := c.GenerateMac(ctx, "k", keyring.MacHMACSHA256, []byte("m"))
			if out != nil || !tc.check(err) {
				t.Fatalf("GenerateMac = %x, %v", out, err)
			}
		})
	}
}

func TestNewChecksTheConfig(t *testing.T) {
	ok := func(mod func(*Config)) Config {
		c := Config{Region: "us-east-1", Credentials: creds}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	for name, cfg := range map[string]Config{
		"no region":          ok(func(c *Config) { c.Region = "" }),
		"region with a dot":  ok(func(c *Config) { c.Region = "evil.com/x" }),
		"no secret":          ok(func(c *Config) { c.Credentials.SecretAccessKey = "" }),
		"no access key":      ok(func(c *Config) { c.Credentials.AccessKeyID = "" }),
		"ftp":                ok(func(c *Config) { c.Endpoint = "ftp://kms.example.com" }),
		"no host":            ok(func(c *Config) { c.Endpoint = "https:///" }),
		"query":              ok(func(c *Config) { c.Endpoint = "https://kms.example.com/?x=1" }),
		"user info":          ok(func(c *Config) { c.Endpoint = "https://user:pw@kms.example.com/" }),
		"ftp with password":  ok(func(c *Config) { c.Endpoint = "ftp://user:pw@kms.example.com/" }),
		"not a URL":          ok(func(c *Config) { c.Endpoint = "https://user:pw@kms.example.com:port/" }),
		"http to a far host": ok(func(c *Config) { c.Endpoint = "http://kms.example.com" }),
		"negative timeout":   ok(func(c *Config) { c.Timeout = -1 }),
		"negative attempts":  ok(func(c *Config) { c.MaxAttempts = -1 }),
	} {
		if c, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it: %v", name, c)
		} else {
			noSecrets(t, name, err.Error())
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("%s: error shows the endpoint's password: %v", name, err)
			}
		}
	}
	for _, tc := range []struct {
		cfg                    Config
		endpoint, host, region string
	}{
		{ok(nil), "https://kms.us-east-1.amazonaws.com/", "kms.us-east-1.amazonaws.com", "us-east-1"},
		{ok(func(c *Config) { c.Region = "cn-north-1" }), "https://kms.cn-north-1.amazonaws.com.cn/", "kms.cn-north-1.amazonaws.com.cn", "cn-north-1"},
		{ok(func(c *Config) { c.Endpoint = "https://kms-fips.us-east-1.amazonaws.com:443" }), "https://kms-fips.us-east-1.amazonaws.com:443/", "kms-fips.us-east-1.amazonaws.com", "us-east-1"},
		{ok(func(c *Config) { c.Endpoint = "https://proxy.example.com:8443/kms/" }), "https://proxy.example.com:8443/kms/", "proxy.example.com:8443", "us-east-1"},
		{ok(func(c *Config) { c.Endpoint = "http://localhost:4566" }), "http://localhost:4566/", "localhost:4566", "us-east-1"},
		{ok(func(c *Config) { c.Endpoint = "http://[::1]:80" }), "http://[::1]:80/", "[::1]", "us-east-1"},
		{ok(func(c *Config) { c.Endpoint = "http://localstack:4566"; c.AllowHTTP = true }), "http://localstack:4566/", "localstack:4566", "us-east-1"},
	} {
		c, err := New(tc.cfg)
		if err != nil {
			t.Errorf("%+v: %v", tc.cfg, err)
			continue
		}
		if c.Endpoint() != tc.endpoint || c.host != tc.host || c.Region() != tc.region {
			t.Errorf("endpoint %q host %q region %q, want %q %q %q", c.Endpoint(), c.host, c.Region(), tc.endpoint, tc.host, tc.region)
		}
	}
}

func TestIsFatal(t *testing.T) {
	for _, tc := range []struct {
		err   error
		fatal bool
	}{
		{nil, false},
		{&Error{StatusCode: 400, KMS: &keyring.KMSError{Code: keyring.ErrKMSNotFound}}, false},
		{&Error{StatusCode: 400, KMS: &keyring.KMSError{Code: ErrThrottling}}, true},
		{&Error{StatusCode: 400, KMS: &keyring.KMSError{Code: ErrExpiredToken}}, true},
		{&Error{StatusCode: 400, KMS: &keyring.KMSError{Code: ErrMissingAuthenticationToken}}, true},
		{&Error{StatusCode: 400, KMS: &keyring.KMSError{Code: ErrIncompleteSignature}}, true},
		{&Error{StatusCode: 400, KMS: &keyring.KMSError{Code: ErrAccessDenied}}, false},
		{&Error{StatusCode: 400, KMS: &keyring.KMSError{Code: ErrDryRunOperation}}, false},
		{&keyring.KMSError{Code: keyring.ErrKMSValidation}, false},
		{fmt.Errorf("kms GenerateMac: %w", context.Canceled), true},
		{fmt.Errorf("kms GenerateMac: %w: x", ErrMalformedResponse), true},
	} {
		if got := IsFatal(tc.err); got != tc.fatal {
			t.Errorf("IsFatal(%v) = %v, want %v", tc.err, got, tc.fatal)
		}
	}
}

// TestClientNeverPrintsCredentials formats the client, its config and a
// holder of both with every verb, and logs them.
func TestClientNeverPrintsCredentials(t *testing.T) {
	for _, cr := range []sigv4.Credentials{creds, temp} {
		cfg := Config{Region: "us-east-1", Credentials: cr}
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// A Config in a caller's unexported field is out of reach: fmt
		// calls no method there, and sigv4.Credentials holds its secret
		// as a plain string. Exported fields and pointers are covered.
		values := []any{c, cfg, &cfg, struct {
			c *Client
			C Config
			P *Config
		}{c, cfg, &cfg}, *c}
		for _, v := range values {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
				noSecrets(t, verb, fmt.Sprintf(verb, v))
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "client", c, "config", cfg)
		noSecrets(t, "slog", buf.String())
		if !strings.Contains(c.String(), cr.AccessKeyID) {
			t.Errorf("String should name the access key id: %s", c)
		}
	}
}

// TestWireFormat pins what goes on the wire, independently of the fake:
// POST /, the JSON 1.1 content type, the target, the body members, the
// signed headers the AWS SDKs sign for KMS, and no x-amz-content-sha256.
func TestWireFormat(t *testing.T) {
	type seen struct {
		method, path, body string
		header             http.Header
	}
	got := make(chan seen, 2)
	mac := base64.StdEncoding.EncodeToString(make([]byte, 32))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		got <- seen{r.Method, r.URL.Path, b.String(), r.Header.Clone()}
		if r.Header.Get("X-Amz-Target") == TargetVerifyMac {
			_, _ = w.Write([]byte(`{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","MacValid":true,"MacAlgorithm":"HMAC_SHA_256"}`))
			return
		}
		_, _ = w.Write([]byte(`{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","Mac":"` + mac + `","MacAlgorithm":"HMAC_SHA_256"}`))
	}))
	defer srv.Close()
	c, err := New(Config{Region: "us-east-1", Endpoint: srv.URL, Credentials: temp, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GenerateMac(context.Background(), "alias/k", keyring.MacHMACSHA256, []byte("m")); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.VerifyMac(context.Background(), "alias/k", keyring.MacHMACSHA256, []byte("m"), []byte{1, 2}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	for _, want := range []struct{ target, body string }{
		{TargetGenerateMac, `{"KeyId":"alias/k","MacAlgorithm":"HMAC_SHA_256","Message":"bQ=="}`},
		{TargetVerifyMac, `{"KeyId":"alias/k","MacAlgorithm":"HMAC_SHA_256","Message":"bQ==","Mac":"AQI="}`},
	} {
		s := <-got
		if s.method != "POST" || s.path != "/" || s.body != want.body {
			t.Errorf("%s %s %s, want POST / %s", s.method, s.path, s.body, want.body)
		}
		h := s.header
		if h.Get("Content-Type") != "application/x-amz-json-1.1" || h.Get("X-Amz-Target") != want.target ||
			h.Get("X-Amz-Date") != "20260301T120000Z" || h.Get("X-Amz-Security-Token") != temp.SessionToken {
			t.Errorf("headers %v", h)
		}
		if h.Get("X-Amz-Content-Sha256") != "" {
			t.Errorf("x-amz-content-sha256 sent: KMS does not use it")
		}
		wantAuth := "AWS4-HMAC-SHA256 Credential=ASIAKMSCLIENT/20260301/us-east-1/kms/aws4_request, " +
			"SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="
		if a := h.Get("Authorization"); !strings.HasPrefix(a, wantAuth) || len(a) != len(wantAuth)+64 {
			t.Errorf("Authorization %q, want %s<64 hex>", a, wantAuth)
		}
	}
}
