package kmstest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/batchsign/batchsign/internal/keyring"
)

// These tests talk to the server with hand-built requests signed by the
// engine, not with kmsremote's client, so that the fake is checked on its
// own before the client is checked against it.

var (
	testNow    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	caller     = sigv4.Credentials{AccessKeyID: "AKIDCALLER", SecretAccessKey: "caller-secret-do-not-print"}
	tempCaller = sigv4.Credentials{AccessKeyID: "ASIATEMP", SecretAccessKey: "temp-secret-do-not-print", SessionToken: "session-token-do-not-print"}
	mat256     = bytes.Repeat([]byte{0x5a}, 32)
	mat512     = bytes.Repeat([]byte{0xa5}, 64)
)

func testRing(t *testing.T) *keyring.Keyring {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString
	r, err := keyring.Parse([]byte(`{"keys":[
		{"key_id":"1234abcd-12ab-34cd-56ef-1234567890ab","aliases":["alias/orders"],"algorithms":["HMAC_SHA_256"],"key_material":"`+b64(mat256)+`"},
		{"key_id":"mrk-00000000000000000000000000000512","algorithms":["HMAC_SHA_384","HMAC_SHA_512"],"key_material":"`+b64(mat512)+`"}
	]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(testRing(t), Options{Credentials: []sigv4.Credentials{caller, tempCaller}, Now: func() time.Time { return testNow }})
	t.Cleanup(s.Close)
	return s
}

// call describes one hand-built request.
type call struct {
	creds    sigv4.Credentials
	at       time.Time
	region   string
	service  string
	target   string
	ctype    string
	body     string
	unsigned map[string]string // headers added after signing
	mutate   func(*http.Request)
}

type reply struct {
	status int
	typ    string
	msg    string
	body   map[string]any
	raw    string
}

func send(t *testing.T, s *Server, c call) reply {
	t.Helper()
	if c.creds.AccessKeyID == "" {
		c.creds = caller
	}
	if c.at.IsZero() {
		c.at = testNow
	}
	if c.region == "" {
		c.region = s.Region()
	}
	if c.service == "" {
		c.service = "kms"
	}
	if c.ctype == "" {
		c.ctype = "application/x-amz-json-1.1"
	}
	u, _ := url.Parse(s.URL)
	signer, err := sigv4.NewSigner(c.creds, nil, c.at, sigv4.Options{Region: c.region, Service: c.service})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(c.body))
	hdrs := []sigv4.Header{{Name: "Content-Type", Value: c.ctype}}
	if c.target != "" {
		hdrs = append(hdrs, sigv4.Header{Name: "X-Amz-Target", Value: c.target})
	}
	signed, err := signer.SignHeaders(&sigv4.Request{Method: "POST", Host: u.Host, Path: "/", Headers: hdrs, PayloadHash: hex.EncodeToString(sum[:])})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", s.URL+"/", strings.NewReader(c.body))
	for _, h := range append(hdrs, signed...) {
		req.Header.Set(h.Name, h.Value)
	}
	for k, v := range c.unsigned {
		req.Header.Set(k, v)
	}
	if c.mutate != nil {
		c.mutate(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := reply{status: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	out.typ, _ = out.body["__type"].(string)
	out.msg, _ = out.body["message"].(string)
	if res.Header.Get("X-Amzn-Requestid") == "" {
		t.Error("no x-amzn-RequestId")
	}
	for _, secret := range []string{caller.SecretAccessKey, tempCaller.SecretAccessKey, tempCaller.SessionToken, string(mat256), base64.StdEncoding.EncodeToString(mat256)} {
		if strings.Contains(out.raw, secret) {
			t.Errorf("the answer leaks a secret: %s", out.raw)
		}
	}
	return out
}

func genBody(keyID, alg string, msg []byte) string {
	return fmt.Sprintf(`{"KeyId":%q,"MacAlgorithm":%q,"Message":%q}`, keyID, alg, base64.StdEncoding.EncodeToString(msg))
}

func verifyBody(keyID, alg string, msg, mac []byte) string {
	return fmt.Sprintf(`{"KeyId":%q,"MacAlgorithm":%q,"Message":%q,"Mac":%q}`, keyID, alg,
		base64.StdEncoding.EncodeToString(msg), base64.StdEncoding.EncodeToString(mac))
}

func hmacOf(t *testing.T, material []byte, alg keyring.MacAlgorithm, msg []byte) []byte {
	t.Helper()
	k, err := keyring.NewMacKey("reference", material, []keyring.MacAlgorithm{alg})
	if err != nil {
		t.Fatal(err)
	}
	mac, err := keyring.GenerateMac(k, alg, msg)
	if err != nil {
		t.Fatal(err)
	}
	return mac
}

func TestServerServesASignedGenerateMacAndVerifyMac(t *testing.T) {
	s := newServer(t)
	msg := []byte("hello, kms")
	want := hmacOf(t, mat256, keyring.MacHMACSHA256, msg)
	r := send(t, s, call{target: "TrentService.GenerateMac", body: genBody("alias/orders", "HMAC_SHA_256", msg)})
	if r.status != 200 {
		t.Fatalf("GenerateMac: %d %s", r.status, r.raw)
	}
	if r.body["KeyId"] != s.KeyARN("1234abcd-12ab-34cd-56ef-1234567890ab") || r.body["MacAlgorithm"] != "HMAC_SHA_256" ||
		r.body["Mac"] != base64.StdEncoding.EncodeToString(want) {
		t.Fatalf("GenerateMac answered %s", r.raw)
	}
	r = send(t, s, call{target: "TrentService.VerifyMac", body: verifyBody("1234abcd-12ab-34cd-56ef-1234567890ab", "HMAC_SHA_256", msg, want)})
	if r.status != 200 || r.body["MacValid"] != true || r.body["KeyId"] != s.KeyARN("1234abcd-12ab-34cd-56ef-1234567890ab") {
		t.Fatalf("VerifyMac: %d %s", r.status, r.raw)
	}
	r = send(t, s, call{creds: tempCaller, target: "TrentService.GenerateMac", body: genBody("alias/orders", "HMAC_SHA_256", msg)})
	if r.status != 200 {
		t.Fatalf("GenerateMac with a session token: %d %s", r.status, r.raw)
	}
}

// TestServerRefusesWhatKMSRefusesBeforeReadingTheRequest: the signature
// checks, each proved by a request that differs from a good one in one way.
func TestServerRefusesBadSignatures(t *testing.T) {
	s := newServer(t)
	good := genBody("alias/orders", "HMAC_SHA_256", []byte("m"))
	cases := []struct {
		name string
		c    call
		typ  string
		msg  string
	}{
		{"no Authorization", call{target: "TrentService.GenerateMac", body: good, mutate: func(r *http.Request) { r.Header.Del("Authorization") }},
			"MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"unknown access key", call{creds: sigv4.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}, target: "TrentService.GenerateMac", body: good},
			"UnrecognizedClientException", "security token included in the request is invalid"},
		{"wrong secret", call{creds: sigv4.Credentials{AccessKeyID: caller.AccessKeyID, SecretAccessKey: "wrong"}, target: "TrentService.GenerateMac", body: good},
			"InvalidSignatureException", "signature we calculated does not match"},
		{"tampered signature", call{target: "TrentService.GenerateMac", body: good, mutate: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			last := a[len(a)-1]
			flip := byte('0')
			if last == '0' {
				flip = '1'
			}
			r.Header.Set("Authorization", a[:len(a)-1]+string(flip))
		}}, "InvalidSignatureException", "signature we calculated does not match"},
		{"tampered body", call{target: "TrentService.GenerateMac", body: good, mutate: func(r *http.Request) {
			b := genBody("alias/orderz", "HMAC_SHA_256", []byte("m"))
			r.Body = io.NopCloser(strings.NewReader(b))
			r.ContentLength = int64(len(b))
		}}, "InvalidSignatureException", "signature we calculated does not match"},
		{"tampered target", call{target: "TrentService.GenerateMac", body: good, mutate: func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "TrentService.VerifyMac")
		}}, "InvalidSignatureException", "signature we calculated does not match"},
		{"unsigned target", call{body: good, unsigned: map[string]string{"X-Amz-Target": "TrentService.GenerateMac"}},
			"IncompleteSignatureException", "x-amz-target"},
		{"other region", call{region: "eu-west-1", target: "TrentService.GenerateMac", body: good},
			"InvalidSignatureException", `region "eu-west-1", expected "us-east-1"`},
		{"other service", call{service: "s3", target: "TrentService.GenerateMac", body: good},
			"InvalidSignatureException", `service "s3", expected "kms"`},
		{"signed 6 minutes ago", call{at: testNow.Add(-6 * time.Minute), target: "TrentService.GenerateMac", body: good},
			"InvalidSignatureException", "Signature expired: 20260301T115400Z is now earlier than 20260301T115500Z (20260301T120000Z - 5 min.)"},
		{"signed 6 minutes ahead", call{at: testNow.Add(6 * time.Minute), target: "TrentService.GenerateMac", body: good},
			"InvalidSignatureException", "Signature not yet current: 20260301T120600Z is still later than 20260301T120500Z (20260301T120000Z + 5 min.)"},
		{"temporary credentials without their token", call{creds: tempCaller, target: "TrentService.GenerateMac", body: good, mutate: func(r *http.Request) {
			r.Header.Del("X-Amz-Security-Token")
		}}, "IncompleteSignatureException", "signed headers missing"}, // the token was signed
		{"token on long-term credentials", call{target: "TrentService.GenerateMac", body: good, unsigned: map[string]string{"X-Amz-Security-Token": "forged"}},
			"UnrecognizedClientException", "security token"},
		{"wrong token, signed", call{creds: sigv4.Credentials{AccessKeyID: tempCaller.AccessKeyID, SecretAccessKey: tempCaller.SecretAccessKey, SessionToken: "forged"},
			target: "TrentService.GenerateMac", body: good}, "UnrecognizedClientException", "security token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, s, c.c)
			if r.status != 400 || r.typ != c.typ || !strings.Contains(r.msg, c.msg) {
				t.Fatalf("got %d %s, want 400 %s containing %q", r.status, r.raw, c.typ, c.msg)
			}
		})
	}
	// Within the skew is fine, on both sides.
	for _, d := range []time.Duration{-4 * time.Minute, 4 * time.Minute} {
		if r := send(t, s, call{at: testNow.Add(d), target: "TrentService.GenerateMac", body: good}); r.status != 200 {
			t.Errorf("signed %v from now: %d %s", d, r.status, r.raw)
		}
	}
}

func TestServerValidatesAsTheAPIModelDoes(t *testing.T) {
	s := newServer(t)
	b64 := base64.StdEncoding.EncodeToString
	cases := []struct {
		name, target, body, typ, msg string
	}{
		{"KeyId missing", "TrentService.GenerateMac", `{"MacAlgorithm":"HMAC_SHA_256","Message":"bQ=="}`,
			"ValidationException", "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"},
		{"two problems at once", "TrentService.GenerateMac", `{"KeyId":"","MacAlgorithm":"sha256","Message":"bQ=="}`,
			"ValidationException", "2 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value 'sha256' at 'macAlgorithm'"},
		{"message empty", "TrentService.GenerateMac", `{"KeyId":"alias/orders","MacAlgorithm":"HMAC_SHA_256","Message":""}`,
			"ValidationException", "at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"message 4097 bytes", "TrentService.GenerateMac", genBody("alias/orders", "HMAC_SHA_256", make([]byte, 4097)),
			"ValidationException", "at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"message missing, unknown key", "TrentService.GenerateMac", `{"KeyId":"alias/nope","MacAlgorithm":"HMAC_SHA_256"}`,
			"ValidationException", "Value null at 'message'"},
		{"Mac missing", "TrentService.VerifyMac", genBody("alias/orders", "HMAC_SHA_256", []byte("m")),
			"ValidationException", "Value null at 'mac' failed to satisfy constraint: Member must not be null"},
		{"Mac empty", "TrentService.VerifyMac", verifyBody("alias/orders", "HMAC_SHA_256", []byte("m"), nil),
			"ValidationException", "at 'mac' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"not JSON", "TrentService.GenerateMac", `KeyId=alias/orders`, "SerializationException", ""},
		{"Message not base64", "TrentService.GenerateMac", `{"KeyId":"alias/orders","MacAlgorithm":"HMAC_SHA_256","Message":"!!"}`, "SerializationException", "base64"},
		{"unknown target", "TrentService.Encrypt", genBody("alias/orders", "HMAC_SHA_256", []byte("m")), "UnknownOperationException", ""},
		{"no target", "", genBody("alias/orders", "HMAC_SHA_256", []byte("m")), "UnknownOperationException", ""},
		{"unknown key", "TrentService.GenerateMac", genBody("nope", "HMAC_SHA_256", []byte("m")),
			"NotFoundException", "Key 'arn:aws:kms:us-east-1:111122223333:key/nope' does not exist"},
		{"unknown alias", "TrentService.GenerateMac", genBody("alias/nope", "HMAC_SHA_256", []byte("m")),
			"NotFoundException", "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found."},
		{"key ARN of another region", "TrentService.GenerateMac", genBody("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "HMAC_SHA_256", []byte("m")),
			"NotFoundException", "does not exist"},
		{"alias ARN of another account", "TrentService.GenerateMac", genBody("arn:aws:kms:us-east-1:444455556666:alias/orders", "HMAC_SHA_256", []byte("m")),
			"NotFoundException", "does not exist"},
		{"algorithm the key does not allow", "TrentService.GenerateMac", genBody("alias/orders", "HMAC_SHA_512", []byte("m")),
			"InvalidKeyUsageException", "does not support the HMAC_SHA_512 MAC algorithm"},
		{"VerifyMac mismatch", "TrentService.VerifyMac", verifyBody("alias/orders", "HMAC_SHA_256", []byte("m"), make([]byte, 32)),
			"KMSInvalidMacException", "HMAC verification failed"},
		{"dry run", "TrentService.GenerateMac", `{"KeyId":"alias/orders","MacAlgorithm":"HMAC_SHA_256","Message":"` + b64([]byte("m")) + `","DryRun":true}`,
			"DryRunOperationException", "would have succeeded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := send(t, s, call{target: c.target, body: c.body})
			if r.status != 400 || r.typ != c.typ || !strings.Contains(r.msg, c.msg) {
				t.Fatalf("got %d %s, want 400 %s containing %q", r.status, r.raw, c.typ, c.msg)
			}
		})
	}
	r := send(t, s, call{target: "TrentService.GenerateMac", ctype: "application/json", body: genBody("alias/orders", "HMAC_SHA_256", []byte("m"))})
	if r.status != 400 || r.typ != "SerializationException" {
		t.Errorf("wrong Content-Type: %d %s", r.status, r.raw)
	}
}

func TestServerResolvesEveryKeyForm(t *testing.T) {
	s := newServer(t)
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, name := range []string{id, "alias/orders", s.KeyARN(id), "arn:aws:kms:us-east-1:111122223333:alias/orders"} {
		r := send(t, s, call{target: "TrentService.GenerateMac", body: genBody(name, "HMAC_SHA_256", []byte("m"))})
		if r.status != 200 || r.body["KeyId"] != s.KeyARN(id) {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
}

func TestServerAppliesKeyStatesAccessAndFaults(t *testing.T) {
	s := newServer(t)
	const id = "mrk-00000000000000000000000000000512"
	body := genBody(id, "HMAC_SHA_512", []byte("m"))
	expect := func(name string, status int, typ, msg string) {
		t.Helper()
		r := send(t, s, call{target: "TrentService.GenerateMac", body: body})
		if r.status != status || r.typ != typ || !strings.Contains(r.msg, msg) {
			t.Errorf("%s: got %d %s, want %d %s containing %q", name, r.status, r.raw, status, typ, msg)
		}
	}
	expect("enabled", 200, "", "")
	for _, c := range []struct {
		st       KeyState
		typ, msg string
	}{
		{KeyDisabled, "DisabledException", s.KeyARN(id) + " is disabled."},
		{KeyPendingDeletion, "KMSInvalidStateException", "is pending deletion."},
		{KeyPendingImport, "KMSInvalidStateException", "is pending import."},
		{KeyUnavailable, "KeyUnavailableException", "is unavailable."},
	} {
		s.SetKeyState(id, c.st)
		expect(string(c.st), 400, c.typ, c.msg)
	}
	s.SetKeyState(id, KeyEnabled)
	s.Deny(caller.AccessKeyID, id)
	expect("denied", 400, "AccessDeniedException", "user/AKIDCALLER is not authorized to perform: kms:GenerateMac on resource: "+s.KeyARN(id))
	if r := send(t, s, call{creds: tempCaller, target: "TrentService.GenerateMac", body: body}); r.status != 200 {
		t.Errorf("another caller is not denied: %d %s", r.status, r.raw)
	}

	s = newServer(t)
	s.FailNext(Fault{Status: 500, Code: "KMSInternalException", Message: "boom"}, Fault{Status: 502, Message: "<html>bad gateway</html>"})
	expect("fault 1", 500, "KMSInternalException", "boom")
	if r := send(t, s, call{target: "TrentService.GenerateMac", body: body}); r.status != 502 || r.raw != "<html>bad gateway</html>" {
		t.Errorf("fault 2: %d %s", r.status, r.raw)
	}
	expect("after the faults", 200, "", "")
	// A fault is only served to a correctly signed request.
	s.FailNext(Fault{Status: 500, Code: "KMSInternalException"})
	if r := send(t, s, call{creds: sigv4.Credentials{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}, target: "TrentService.GenerateMac", body: body}); r.typ != "UnrecognizedClientException" {
		t.Errorf("unsigned request got the fault: %s", r.raw)
	}
	expect("queued fault", 500, "KMSInternalException", "")
	if n := s.Requests(); n != 5 {
		t.Errorf("Requests = %d, want 5", n)
	}
}

func TestServerNeverPrintsCredentials(t *testing.T) {
	s := newServer(t)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(verb, s) + fmt.Sprintf(verb, struct{ s *Server }{s})
		for _, secret := range []string{caller.SecretAccessKey, tempCaller.SecretAccessKey, tempCaller.SessionToken, string(mat256)} {
			if strings.Contains(out, secret) {
				t.Fatalf("%s prints a secret: %s", verb, out)
			}
		}
	}
}
