package keyring

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
)

// TestMacMatchesRFC4231 runs every RFC 4231 vector (the KMS algorithms) through
// GenerateMac and VerifyMac. RFC 2202 entries (MD5, SHA-1) are not KMS
// algorithms and must be refused by ParseMacAlgorithm.
func TestMacMatchesRFC4231(t *testing.T) {
	ran := 0
	for _, v := range loadRFCVectors(t) {
		alg, err := ParseMacAlgorithm(v.Algorithm)
		if strings.HasPrefix(v.Source, "RFC 2202") {
			if err == nil {
				t.Errorf("%s %s: ParseMacAlgorithm accepted a non-KMS algorithm", v.Source, v.Algorithm)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", v.Source, err)
		}
		t.Run(v.Source+"/"+v.Algorithm, func(t *testing.T) {
			key, msg, want := mustHex(t, v.KeyHex), mustHex(t, v.MessageHex), mustHex(t, v.MACHex)
			k, err := NewMacKey("rfc4231", key, []MacAlgorithm{alg})
			if err != nil {
				t.Fatal(err)
			}
			got, err := GenerateMac(k, alg, msg)
			if err != nil {
				t.Fatal(err)
			}
			if v.Truncated != nil {
				if !bytes.Equal(got[:*v.Truncated], want) {
					t.Fatalf("GenerateMac[:%d] = %x, want %x", *v.Truncated, got[:*v.Truncated], want)
				}
				// KMS never truncates: the 16-byte MAC is not the key's MAC.
				if ok, err := VerifyMac(k, alg, msg, want); ok || !errors.Is(err, ErrKMSInvalidMac) {
					t.Errorf("VerifyMac(truncated) = %v, %v; want KMSInvalidMacException", ok, err)
				}
				return
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("GenerateMac = %x, want %x", got, want)
			}
			if ok, err := VerifyMac(k, alg, msg, want); !ok || err != nil {
				t.Fatalf("VerifyMac = %v, %v", ok, err)
			}
		})
		ran++
	}
	if ran != 28 {
		t.Errorf("ran %d RFC 4231 vectors, want 28", ran)
	}
}

func TestParseMacAlgorithmAcceptsOnlyKMSNames(t *testing.T) {
	for _, a := range []MacAlgorithm{MacHMACSHA224, MacHMACSHA256, MacHMACSHA384, MacHMACSHA512} {
		got, err := ParseMacAlgorithm(a.String())
		if err != nil || got != a {
			t.Errorf("ParseMacAlgorithm(%q) = %v, %v", a.String(), got, err)
		}
	}
	for _, s := range []string{"sha256", "HMAC-SHA-256", "hmac_sha_256", "HMAC_SHA_1", "HMAC_SHA256", ""} {
		_, err := ParseMacAlgorithm(s)
		if !errors.Is(err, ErrKMSValidation) || !errors.Is(err, ErrUnknownAlgorithm) {
			t.Errorf("ParseMacAlgorithm(%q) error = %v, want ValidationException and ErrUnknownAlgorithm", s, err)
		}
	}
}

func TestMacAlgorithmTextRoundTripsThroughJSON(t *testing.T) {
	in := []MacAlgorithm{MacHMACSHA256, MacHMACSHA512}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `["HMAC_SHA_256","HMAC_SHA_512"]` {
		t.Fatalf("json = %s", b)
	}
	var out []MacAlgorithm
	if err := json.Unmarshal(b, &out); err != nil || len(out) != 2 || out[0] != in[0] || out[1] != in[1] {
		t.Fatalf("round trip = %v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`["sha256"]`), &out); !errors.Is(err, ErrKMSValidation) {
		t.Fatalf("unmarshal sha256: %v", err)
	}
}

func TestMacRefusesMessagesOutsideKMSLimits(t *testing.T) {
	k, _ := NewMacKey("k1", []byte("0123456789abcdef0123456789abcdef"), []MacAlgorithm{MacHMACSHA256})
	cases := []struct {
		name    string
		msgLen  int
		wantErr bool
		text    string
	}{
		{"empty", 0, true, "greater than or equal to 1"},
		{"one byte", 1, false, ""},
		{"4096 bytes", 4096, false, ""},
		{"4097 bytes", 4097, true, "less than or equal to 4096"},
		{"1 MiB", 1 << 20, true, "less than or equal to 4096"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := bytes.Repeat([]byte{'m'}, c.msgLen)
			mac, err := GenerateMac(k, MacHMACSHA256, msg)
			if !c.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := VerifyMac(k, MacHMACSHA256, msg, mac); !ok || err != nil {
					t.Fatalf("VerifyMac = %v, %v", ok, err)
				}
				return
			}
			if !errors.Is(err, ErrKMSValidation) || KMSErrorName(err) != "ValidationException" {
				t.Fatalf("GenerateMac error = %v, want ValidationException", err)
			}
			if !strings.Contains(err.Error(), "Value at 'message' failed to satisfy constraint") || !strings.Contains(err.Error(), c.text) {
				t.Errorf("error text %q does not say what KMS says", err)
			}
			if ok, err := VerifyMac(k, MacHMACSHA256, msg, make([]byte, 32)); ok || !errors.Is(err, ErrKMSValidation) {
				t.Errorf("VerifyMac = %v, %v; want ValidationException", ok, err)
			}
		})
	}
}

func TestMacRefusesAlgorithmTheKeyDoesNotAllow(t *testing.T) {
	k, _ := NewMacKey("k256", []byte("0123456789abcdef0123456789abcdef"), []MacAlgorithm{MacHMACSHA256})
	for _, a := range []MacAlgorithm{MacHMACSHA224, MacHMACSHA384, MacHMACSHA512} {
		_, err := GenerateMac(k, a, []byte("m"))
		if !errors.Is(err, ErrKMSInvalidKeyUsage) {
			t.Errorf("GenerateMac(%v) error = %v, want InvalidKeyUsageException", a, err)
		}
		if ok, err := VerifyMac(k, a, []byte("m"), make([]byte, 64)); ok || !errors.Is(err, ErrKMSInvalidKeyUsage) {
			t.Errorf("VerifyMac(%v) = %v, %v", a, ok, err)
		}
	}
	none, _ := NewMacKey("none", []byte("x"), nil)
	if _, err := GenerateMac(none, MacHMACSHA256, []byte("m")); !errors.Is(err, ErrKMSInvalidKeyUsage) {
		t.Errorf("key with no algorithms: %v", err)
	}
	if _, err := GenerateMac(k, MacAlgorithm(0), []byte("m")); !errors.Is(err, ErrKMSValidation) {
		t.Errorf("zero algorithm: %v", err)
	}
	if _, err := GenerateMac(MacKey{ID: "bare"}, MacHMACSHA256, []byte("m")); !errors.Is(err, sigerr.ErrUnknownKey) {
		t.Errorf("key without material: %v", err)
	}
}

func TestVerifyMacReportsMismatchAsKMSInvalidMac(t *testing.T) {
	k, _ := NewMacKey("k", []byte("key material here"), []MacAlgorithm{MacHMACSHA384})
	msg := []byte("hello")
	mac, err := GenerateMac(k, MacHMACSHA384, msg)
	if err != nil {
		t.Fatal(err)
	}
	tamper := func(b []byte, i int) []byte {
		c := append([]byte(nil), b...)
		c[i] ^= 0x01
		return c
	}
	cases := []struct {
		name string
		msg  []byte
		mac  []byte
	}{
		{"mac first byte", msg, tamper(mac, 0)},
		{"mac last byte", msg, tamper(mac, len(mac)-1)},
		{"mac truncated", msg, mac[:len(mac)-1]},
		{"mac extended", msg, append(append([]byte(nil), mac...), 0)},
		{"message changed", []byte("hellp"), mac},
	}
	for _, c := range cases {
		ok, err := VerifyMac(k, MacHMACSHA384, c.msg, c.mac)
		if ok || !errors.Is(err, ErrKMSInvalidMac) || !errors.Is(err, sigerr.ErrSignatureMismatch) || sigerr.ReasonOf(err) != sigerr.ErrSignatureMismatch {
			t.Errorf("%s: VerifyMac = %v, %v; want KMSInvalidMacException / sigerr.ErrSignatureMismatch", c.name, ok, err)
		}
	}
	if ok, err := VerifyMac(k, MacHMACSHA384, msg, nil); ok || !errors.Is(err, ErrKMSValidation) {
		t.Errorf("empty mac: %v, %v", ok, err)
	}
	other, _ := NewMacKey("k2", []byte("other material"), []MacAlgorithm{MacHMACSHA384})
	if ok, _ := VerifyMac(other, MacHMACSHA384, msg, mac); ok {
		t.Error("a MAC verifies under another key")
	}
}

func TestFindMacKeyAcceptsIDAliasAndARNs(t *testing.T) {
	k1, _ := NewMacKey("1234abcd-12ab-34cd-56ef-1234567890ab", []byte("m1"), []MacAlgorithm{MacHMACSHA256}, "alias/webhooks", "partner")
	k2, _ := NewMacKey("0987dcba-09fe-87dc-65ba-ab0987654321", []byte("m2"), []MacAlgorithm{MacHMACSHA512})
	keys := []MacKey{k1, k2}
	for _, c := range []struct{ in, want string }{
		{"1234abcd-12ab-34cd-56ef-1234567890ab", k1.ID},
		{"arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", k1.ID},
		{"alias/webhooks", k1.ID},
		{"alias/partner", k1.ID},
		{"arn:aws:kms:us-east-2:111122223333:alias/partner", k1.ID},
		{"0987dcba-09fe-87dc-65ba-ab0987654321", k2.ID},
	} {
		got, err := FindMacKey(keys, c.in)
		if err != nil || got.ID != c.want {
			t.Errorf("FindMacKey(%q) = %v, %v; want %s", c.in, got.ID, err, c.want)
		}
	}
	for _, in := range []string{"", "webhooks", "alias/missing", "arn:aws:kms:us-east-2:111122223333:key/alias/webhooks", "arn:aws:kms:x", "1234abcd"} {
		_, err := FindMacKey(keys, in)
		if !errors.Is(err, ErrKMSNotFound) || !errors.Is(err, sigerr.ErrUnknownKey) {
			t.Errorf("FindMacKey(%q) error = %v, want NotFoundException/sigerr.ErrUnknownKey", in, err)
		}
	}
}

func TestNewMacKeyCopiesMaterialAndRefusesEmptyParts(t *testing.T) {
	m := []byte("material")
	k, err := NewMacKey("id", m, []MacAlgorithm{MacHMACSHA256})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := GenerateMac(k, MacHMACSHA256, []byte("x"))
	m[0] = 'X'
	after, _ := GenerateMac(k, MacHMACSHA256, []byte("x"))
	if !bytes.Equal(before, after) {
		t.Error("MacKey aliases the caller's material slice")
	}
	if _, err := NewMacKey("", m, nil); err == nil {
		t.Error("empty id accepted")
	}
	if _, err := NewMacKey("id", nil, nil); err == nil {
		t.Error("empty material accepted")
	}
	if _, err := NewMacKey("id", m, []MacAlgorithm{9}); err == nil {
		t.Error("invalid algorithm accepted")
	}
}

// TestMacKeyNeverPrintsMaterial checks every way a key might end up in a log
// line or an error: the fmt verbs (value and pointer), slog, JSON.
func TestMacKeyNeverPrintsMaterial(t *testing.T) {
	secret := []byte("S3cr3t-Key-Material-0123456789")
	k, _ := NewMacKey("key-1", secret, []MacAlgorithm{MacHMACSHA256}, "alias/a")
	leaks := func(out string) bool {
		return strings.Contains(out, string(secret)) ||
			strings.Contains(strings.ToLower(out), hex.EncodeToString(secret)) ||
			strings.Contains(out, fmt.Sprint([]byte(secret))) ||
			strings.Contains(out, "S3cr3t")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, arg := range []any{k, &k, []MacKey{k}, map[string]MacKey{"a": k}, struct{ K MacKey }{k}, struct{ k MacKey }{k}, struct{ k *MacKey }{&k}} {
			out := fmt.Sprintf(verb, arg)
			if leaks(out) {
				t.Errorf("%s of %T leaks: %s", verb, arg, out)
			}
		}
	}
	if out := fmt.Sprintf("%v", k); !strings.Contains(out, "key-1") || !strings.Contains(out, "alias/a") || !strings.Contains(out, "HMAC_SHA_256") || !strings.Contains(out, "redacted") {
		t.Errorf("%%v = %s, want id, alias, algorithm and redacted", out)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("key", "k", k)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("key", "k", k)
	if leaks(buf.String()) {
		t.Errorf("slog leaks: %s", buf.String())
	}
	j, err := json.Marshal(k)
	if err != nil || leaks(string(j)) {
		t.Errorf("json = %s, %v", j, err)
	}
	// No error about a key carries its material.
	for _, err := range []error{
		func() error { _, err := GenerateMac(k, MacHMACSHA512, []byte("m")); return err }(),
		func() error { _, err := VerifyMac(k, MacHMACSHA256, []byte("m"), []byte("bad")); return err }(),
		func() error { _, err := GenerateMac(k, MacHMACSHA256, nil); return err }(),
	} {
		if err == nil || leaks(err.Error()) {
			t.Errorf("error %v leaks or is nil", err)
		}
	}
}
