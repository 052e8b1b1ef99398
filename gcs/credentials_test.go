package gcs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/vectors"
	"github.com/batchsign/batchsign/sigerr"
)

func TestParseServiceAccountJSONReadsTheSuiteKey(t *testing.T) {
	a := suiteAccount(t)
	if a.ClientEmail != "test-iam-credentials@dummy-project-id.iam.gserviceaccount.com" ||
		a.ProjectID != "dummy-project-id" || a.PrivateKeyID != "ffffffffffffffffffffffffffffffffffffffff" {
		t.Fatalf("parsed %v", a)
	}
	if a.PublicKey().N.BitLen() != 2048 {
		t.Fatalf("key of %d bits", a.PublicKey().N.BitLen())
	}
}

// keyFile returns the suite's key file with private_key replaced.
func keyFile(t *testing.T, mutate func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(vectors.Read(t, "gcs-conformance/test_service_account.not-a-test.json"), &m); err != nil {
		t.Fatal(err)
	}
	mutate(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseServiceAccountJSONTakesPKCS1: the same key as an "RSA PRIVATE
// KEY" block signs the suite's first URL byte for byte.
func TestParseServiceAccountJSONTakesPKCS1(t *testing.T) {
	suite, a := loadSuite(t), suiteAccount(t)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(a.key)}))
	b, err := ParseServiceAccountJSON(keyFile(t, func(m map[string]any) { m["private_key"] = pkcs1 }))
	if err != nil {
		t.Fatal(err)
	}
	c := suite.SigningV4Tests[0]
	s, err := NewRSASigner(b, c.Timestamp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.PresignURL(c.presign()); err != nil || u != c.ExpectedURL {
		t.Fatalf("PKCS #1 key: %v\n%s", err, u)
	}
}

func TestParseServiceAccountJSONErrors(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	pemOf := func(typ string, der []byte, headers map[string]string) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der}))
	}
	suiteKey := suiteAccount(t).key
	suiteDER, _ := x509.MarshalPKCS8PrivateKey(suiteKey)
	cases := []struct {
		name  string
		data  []byte
		field string
		want  error
		text  string
	}{
		{"not JSON", []byte("-----BEGIN PRIVATE KEY-----\nMIIE"), "key_file", ErrNotServiceAccountKey, "syntax error at byte"},
		{"JSON array", []byte(`[1]`), "key_file", ErrNotServiceAccountKey, "not a JSON object"},
		{"key not a string", []byte(`{"type":"service_account","private_key":7}`), "private_key", ErrNotServiceAccountKey, "not a JSON string"},
		{"user credentials", []byte(`{"type":"authorized_user","client_secret":"s3cr3t"}`), "type", ErrNotServiceAccountKey, `"authorized_user"`},
		{"unknown type is not echoed", keyFile(t, func(m map[string]any) { m["type"] = "MIIEv" }), "type", ErrNotServiceAccountKey, "missing or unknown"},
		{"no type", keyFile(t, func(m map[string]any) { delete(m, "type") }), "type", ErrNotServiceAccountKey, "missing"},
		{"no email", keyFile(t, func(m map[string]any) { delete(m, "client_email") }), "client_email", sigerr.ErrMissingField, ""},
		{"no key", keyFile(t, func(m map[string]any) { m["private_key"] = "" }), "private_key", sigerr.ErrMissingField, ""},
		{"key not PEM", keyFile(t, func(m map[string]any) { m["private_key"] = "MIIEvAIBADAN" }), "private_key", ErrNotServiceAccountKey, "no PEM block"},
		{"certificate", keyFile(t, func(m map[string]any) { m["private_key"] = pemOf("CERTIFICATE", []byte{1}, nil) }), "private_key", ErrNotServiceAccountKey, `"CERTIFICATE"`},
		{"EC key", keyFile(t, func(m map[string]any) { m["private_key"] = pemOf("PRIVATE KEY", ecDER, nil) }), "private_key", ErrNotServiceAccountKey, "not RSA"},
		{"1024-bit key", keyFile(t, func(m map[string]any) { m["private_key"] = pemOf("PRIVATE KEY", smallDER, nil) }), "private_key", sigerr.ErrInvalidValue, "1024 bits"},
		{"encrypted", keyFile(t, func(m map[string]any) {
			m["private_key"] = pemOf("PRIVATE KEY", suiteDER, map[string]string{"Proc-Type": "4,ENCRYPTED"})
		}), "private_key", ErrNotServiceAccountKey, "encrypted"},
		{"truncated DER", keyFile(t, func(m map[string]any) { m["private_key"] = pemOf("PRIVATE KEY", suiteDER[:100], nil) }), "private_key", ErrNotServiceAccountKey, "PKCS #8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseServiceAccountJSON(c.data)
			if err == nil {
				t.Fatalf("parsed %v", a)
			}
			var fe *sigerr.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, c.want) {
				t.Fatalf("error %v: want field %q and %v", err, c.field, c.want)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Fatalf("error %q does not say %q", err, c.text)
			}
			for _, leak := range []string{"MII", "s3cr3t", "BEGIN"} {
				if strings.Contains(err.Error(), leak) {
					t.Fatalf("error %q quotes the input (%s)", err, leak)
				}
			}
		})
	}
}

// TestCredentialsNeverPrintSecrets: every way fmt, encoding/json and
// log/slog can print a ServiceAccount, an HMACKey or a Signer, alone or
// nested in a caller's struct, shows neither the key nor the secret.
func TestCredentialsNeverPrintSecrets(t *testing.T) {
	a := suiteAccount(t)
	k := testHMACKey()
	rs, _ := NewRSASigner(a, fuzzAt, Options{})
	hs, _ := NewHMACSigner(k, fuzzAt, Options{})
	secrets := []string{testSecret, a.key.D.String()[:20], a.key.Primes[0].String()[:20]}
	type holder struct {
		acct ServiceAccount
		key  HMACKey
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	log.Info("x", "acct", a, "key", k)
	outputs := []string{logged.String()}
	for _, v := range []any{a, *a, k, &k, rs, hs, holder{*a, k}, &holder{*a, k}, []HMACKey{k}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			outputs = append(outputs, fmt.Sprintf(verb, v))
		}
		if j, err := json.Marshal(v); err == nil {
			outputs = append(outputs, string(j))
		}
	}
	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) || strings.Contains(strings.ToLower(out), strings.ToLower(fmt.Sprintf("%x", s))) {
				t.Fatalf("printed secret material: %s", out)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(k), "test-iam-credentials@") || !strings.Contains(fmt.Sprint(a), "test-iam-credentials@") {
		t.Fatal("the identity should print")
	}
}
