package keyring

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/vectors"
	"github.com/batchsign/batchsign/sigerr"
)

type rfcVector struct {
	Source     string `json:"source"`
	Algorithm  string `json:"algorithm"`
	KeyHex     string `json:"key_hex"`
	MessageHex string `json:"message_hex"`
	MACHex     string `json:"mac_hex"`
	Truncated  *int   `json:"truncated_to_bytes"`
}

func loadRFCVectors(t *testing.T) []rfcVector {
	t.Helper()
	var vs []rfcVector
	if err := json.Unmarshal(vectors.Read(t, "hmac-rfc-vectors.json"), &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("hmac-rfc-vectors.json holds no vectors")
	}
	return vs
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// TestLocalMatchesRFC4231 writes every RFC 4231 key into a keyring file (the
// keys are 4 to 131 bytes long, so allow_any_length) and runs the vectors
// through Local: the file format, the lookup and the MAC all take part.
func TestLocalMatchesRFC4231(t *testing.T) {
	vs := loadRFCVectors(t)
	var keys []string
	var used []rfcVector
	for i, v := range vs {
		if strings.HasPrefix(v.Source, "RFC 2202") {
			continue
		}
		key, _ := hex.DecodeString(v.KeyHex)
		id := "rfc-" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		keys = append(keys, keyJSON(`"`+id+`"`, `["alias/`+id+`"]`, `["`+v.Algorithm+`"]`, `"`+b64(key)+`"`, `"allow_any_length":true,"description":"`+v.Source+`"`))
		used = append(used, v)
		used[len(used)-1].Source = id
	}
	if len(used) != 28 {
		t.Fatalf("%d RFC 4231 vectors, want 28", len(used))
	}
	r, err := Parse(ring(keys...), "rfc4231")
	if err != nil {
		t.Fatal(err)
	}
	svc := NewLocal(r)
	ctx := context.Background()
	for _, v := range used {
		alg, _ := ParseMacAlgorithm(v.Algorithm)
		msg, _ := hex.DecodeString(v.MessageHex)
		want, _ := hex.DecodeString(v.MACHex)
		got, err := svc.GenerateMac(ctx, "alias/"+v.Source, alg, msg)
		if err != nil {
			t.Fatalf("%s: %v", v.Source, err)
		}
		if v.Truncated != nil {
			if !bytes.Equal(got[:*v.Truncated], want) {
				t.Errorf("%s: MAC[:%d] = %x, want %x", v.Source, *v.Truncated, got[:*v.Truncated], want)
			}
			if ok, err := svc.VerifyMac(ctx, v.Source, alg, msg, want); ok || !errors.Is(err, ErrKMSInvalidMac) {
				t.Errorf("%s: VerifyMac(truncated) = %v, %v", v.Source, ok, err)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: MAC = %x, want %x", v.Source, got, want)
		}
		if ok, err := svc.VerifyMac(ctx, v.Source, alg, msg, want); !ok || err != nil {
			t.Errorf("%s: VerifyMac = %v, %v", v.Source, ok, err)
		}
	}
}

// TestLocalAnswersAsKMS checks each KMS outcome, including the order KMS
// checks in: parameters, then the key, then its usage.
func TestLocalAnswersAsKMS(t *testing.T) {
	svc := NewLocal(testRing(t))
	ctx := context.Background()
	msg := []byte("message")
	good, err := svc.GenerateMac(ctx, "alias/orders", MacHMACSHA256, msg)
	if err != nil || len(good) != 32 {
		t.Fatalf("GenerateMac = %x, %v", good, err)
	}
	k, _ := svc.Keyring().Lookup("alias/orders")
	if direct, _ := GenerateMac(k, MacHMACSHA256, msg); !bytes.Equal(direct, good) {
		t.Fatal("Local differs from GenerateMac")
	}
	bad := append([]byte(nil), good...)
	bad[31] ^= 1
	big := bytes.Repeat([]byte{'m'}, MaxMacMessageLen+1)
	cases := []struct {
		name   string
		verify bool
		key    string
		alg    MacAlgorithm
		msg    []byte
		mac    []byte
		code   KMSErrorCode
		is     error // another error the answer must be
	}{
		{"unknown key", false, "alias/nope", MacHMACSHA256, msg, nil, ErrKMSNotFound, sigerr.ErrUnknownKey},
		{"unknown key (verify)", true, "nope", MacHMACSHA256, msg, good, ErrKMSNotFound, sigerr.ErrUnknownKey},
		{"algorithm not allowed", false, "alias/orders", MacHMACSHA512, msg, nil, ErrKMSInvalidKeyUsage, nil},
		{"algorithm not allowed (verify)", true, "mrk-1234abcd12ab34cd56ef1234567890ab", MacHMACSHA256, msg, good, ErrKMSInvalidKeyUsage, nil},
		{"invalid algorithm", false, "alias/orders", 0, msg, nil, ErrKMSValidation, ErrUnknownAlgorithm},
		{"empty message", false, "alias/orders", MacHMACSHA256, nil, nil, ErrKMSValidation, nil},
		{"message over 4096 bytes", true, "alias/orders", MacHMACSHA256, big, good, ErrKMSValidation, nil},
		{"validation before lookup", false, "alias/nope", MacHMACSHA256, big, nil, ErrKMSValidation, nil},
		{"validation before lookup (verify)", true, "alias/nope", MacHMACSHA256, msg, nil, ErrKMSValidation, nil},
		{"empty MAC before key usage", true, "alias/orders", MacHMACSHA512, msg, []byte{}, ErrKMSValidation, nil},
		{"MAC mismatch", true, "alias/orders", MacHMACSHA256, msg, bad, ErrKMSInvalidMac, sigerr.ErrSignatureMismatch},
		{"MAC of the wrong length", true, "alias/orders", MacHMACSHA256, msg, good[:28], ErrKMSInvalidMac, sigerr.ErrSignatureMismatch},
		{"MAC for another message", true, "alias/orders", MacHMACSHA256, []byte("messagf"), good, ErrKMSInvalidMac, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.verify {
				var ok bool
				ok, err = svc.VerifyMac(ctx, c.key, c.alg, c.msg, c.mac)
				if ok {
					t.Fatal("VerifyMac = true")
				}
			} else {
				var mac []byte
				mac, err = svc.GenerateMac(ctx, c.key, c.alg, c.msg)
				if mac != nil {
					t.Fatalf("GenerateMac returned a MAC with error %v", err)
				}
			}
			if KMSErrorName(err) != string(c.code) || !errors.Is(err, c.code) {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("err = %v, want also errors.Is %v", err, c.is)
			}
			assertNoSecret(t, "error", err.Error(), material32)
			assertNoSecret(t, "error", err.Error(), good)
		})
	}
	if ok, err := svc.VerifyMac(ctx, "arn:aws:kms:us-east-1:111122223333:alias/team/orders", MacHMACSHA256, msg, good); !ok || err != nil {
		t.Errorf("VerifyMac(good) = %v, %v", ok, err)
	}
}

func TestLocalHonoursContext(t *testing.T) {
	svc := NewLocal(testRing(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := svc.GenerateMac(ctx, "alias/orders", MacHMACSHA256, []byte("m")); !errors.Is(err, context.Canceled) {
		t.Errorf("GenerateMac err = %v", err)
	}
	if _, err := svc.VerifyMac(ctx, "alias/orders", MacHMACSHA256, []byte("m"), []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyMac err = %v", err)
	}
}

func TestCheckRequestsPassGoodParameters(t *testing.T) {
	for _, n := range []int{1, 4096} {
		if err := CheckGenerateRequest(MacHMACSHA224, make([]byte, n)); err != nil {
			t.Errorf("%d bytes: %v", n, err)
		}
		if err := CheckVerifyRequest(MacHMACSHA224, make([]byte, n), []byte{1}); err != nil {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
	if err := CheckVerifyRequest(MacHMACSHA224, []byte("m"), nil); !errors.Is(err, ErrKMSValidation) {
		t.Errorf("nil MAC: %v", err)
	}
}

var _ MacService = (*Local)(nil)
