package engine

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// rfcHMACVector is one entry of ../shared/testdata/hmac-rfc-vectors.json
// (RFC 2202 and RFC 4231).
type rfcHMACVector struct {
	Source     string `json:"source"`
	Algorithm  string `json:"algorithm"`
	KeyHex     string `json:"key_hex"`
	MessageHex string `json:"message_hex"`
	MACHex     string `json:"mac_hex"`
	Truncated  *int   `json:"truncated_to_bytes"`
}

func loadRFCHMACVectors(t *testing.T) []rfcHMACVector {
	t.Helper()
	var vs []rfcHMACVector
	if err := json.Unmarshal(sharedTestdata(t, "hmac-rfc-vectors.json"), &vs); err != nil {
		t.Fatalf("hmac-rfc-vectors.json: %v", err)
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

// TestHMACMatchesRFC2202AndRFC4231 runs every published vector through each
// entry point (one-shot, digester, hex, base64, verify), honouring
// truncated_to_bytes (RFC 4231 test case 5 publishes only 128 bits).
func TestHMACMatchesRFC2202AndRFC4231(t *testing.T) {
	vs := loadRFCHMACVectors(t)
	perAlg := map[HMACAlgorithm]int{}
	for _, v := range vs {
		name := v.Source + "/" + v.Algorithm
		t.Run(name, func(t *testing.T) {
			alg, err := ParseHMACAlgorithm(v.Algorithm)
			if err != nil {
				t.Fatal(err)
			}
			key, msg, want := mustHex(t, v.KeyHex), mustHex(t, v.MessageHex), mustHex(t, v.MACHex)
			n := alg.Size()
			if v.Truncated != nil {
				n = *v.Truncated
			}
			if len(want) != n {
				t.Fatalf("vector MAC is %d bytes, want %d", len(want), n)
			}
			full := AppendHMAC(nil, alg, key, msg)
			if len(full) != alg.Size() {
				t.Fatalf("MAC length %d, want %d", len(full), alg.Size())
			}
			if !bytes.Equal(full[:n], want) {
				t.Fatalf("AppendHMAC = %x, want %x", full[:n], want)
			}
			d := NewHMACDigester(alg, key)
			for i := 0; i < 2; i++ { // twice: Reset must restore the key state
				if got := d.AppendSum(nil, msg); !bytes.Equal(got, full) {
					t.Fatalf("digester pass %d = %x, want %x", i, got, full)
				}
			}
			if v.Truncated == nil {
				if got := HMACHex(alg, key, msg); got != v.MACHex {
					t.Errorf("HMACHex = %s, want %s", got, v.MACHex)
				}
				if got, want := HMACBase64(alg, key, msg), base64.StdEncoding.EncodeToString(want); got != want {
					t.Errorf("HMACBase64 = %s, want %s", got, want)
				}
				if !VerifyHMAC(alg, key, msg, want) || !d.Verify(msg, want) {
					t.Error("Verify rejects the published MAC")
				}
			} else if VerifyHMAC(alg, key, msg, want) {
				t.Error("VerifyHMAC accepts a truncated MAC")
			}
			perAlg[alg]++
		})
	}
	t.Logf("vectors per algorithm: %v (total %d)", perAlg, len(vs))
	for _, alg := range []HMACAlgorithm{HMACMD5, HMACSHA1, HMACSHA224, HMACSHA256, HMACSHA384, HMACSHA512} {
		if perAlg[alg] == 0 {
			t.Errorf("no vector exercised %v", alg)
		}
	}
}

func TestParseHMACAlgorithmAcceptsCommonSpellings(t *testing.T) {
	cases := []struct {
		in   string
		want HMACAlgorithm
	}{
		{"md5", HMACMD5}, {"HMAC-MD5", HMACMD5}, {"hmac_md5", HMACMD5}, {"HmacMD5", HMACMD5},
		{"sha1", HMACSHA1}, {"SHA-1", HMACSHA1}, {"HMAC_SHA1", HMACSHA1}, {"hmac-sha1", HMACSHA1},
		{"sha224", HMACSHA224}, {"HMAC_SHA_224", HMACSHA224},
		{"sha256", HMACSHA256}, {"SHA-256", HMACSHA256}, {"HMAC_SHA_256", HMACSHA256}, {"HmacSHA256", HMACSHA256}, {"hs256", HMACSHA256}, {"hmac sha256", HMACSHA256}, {"SHA2-256", HMACSHA256},
		{"sha384", HMACSHA384}, {"HMAC_SHA_384", HMACSHA384},
		{"sha512", HMACSHA512}, {"HMAC-SHA-512", HMACSHA512}, {"HS512", HMACSHA512},
	}
	for _, c := range cases {
		got, err := ParseHMACAlgorithm(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseHMACAlgorithm(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		// String round-trips.
		if back, err := ParseHMACAlgorithm(got.String()); err != nil || back != got {
			t.Errorf("ParseHMACAlgorithm(%q.String()) = %v, %v", c.in, back, err)
		}
	}
}

func TestParseHMACAlgorithmRejectsUnknownNames(t *testing.T) {
	for _, in := range []string{"", "hmac", "sha", "sha3-256", "sha512/256", "md4", "sha256x", "crc32", strings.Repeat("sha256", 10)} {
		_, err := ParseHMACAlgorithm(in)
		if !errors.Is(err, ErrUnknownAlgorithm) {
			t.Errorf("ParseHMACAlgorithm(%q) error = %v, want ErrUnknownAlgorithm", in, err)
		}
	}
}

func TestDigestEncodingParsesAndEncodes(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0x00}
	for _, c := range []struct {
		in   string
		want string
	}{{"hex", "fbff00"}, {"HEX", "fbff00"}, {"base64", "+/8A"}, {"b64", "+/8A"}} {
		e, err := ParseDigestEncoding(c.in)
		if err != nil {
			t.Fatalf("ParseDigestEncoding(%q): %v", c.in, err)
		}
		if got := string(e.AppendEncode(nil, raw)); got != c.want {
			t.Errorf("%s: %q, want %q", c.in, got, c.want)
		}
	}
	if _, err := ParseDigestEncoding("base32"); err == nil {
		t.Error("ParseDigestEncoding accepted base32")
	}
}

func TestHMACAppendKeepsDstPrefix(t *testing.T) {
	dst := []byte("prefix:")
	out := AppendHMACEncoded(dst, HMACSHA256, []byte("k"), []byte("m"), EncodingHex)
	if !bytes.HasPrefix(out, []byte("prefix:")) || len(out) != len("prefix:")+64 {
		t.Fatalf("AppendHMACEncoded = %q", out)
	}
}

func TestHMACDigesterAllocatesNothingPerMessage(t *testing.T) {
	for _, alg := range []HMACAlgorithm{HMACMD5, HMACSHA1, HMACSHA224, HMACSHA256, HMACSHA384, HMACSHA512} {
		d := NewHMACDigester(alg, []byte("a key of some length"))
		msg := []byte("a message")
		buf := make([]byte, 0, 256)
		allocs := testing.AllocsPerRun(100, func() {
			buf = d.AppendEncoded(buf[:0], msg, EncodingBase64)
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocs per message, want 0", alg, allocs)
		}
	}
}

func TestHMACDigesterNeverPrintsKey(t *testing.T) {
	key := []byte("TOPSECRETKEYMATERIAL")
	d := NewHMACDigester(HMACSHA1, key)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		out := fmt.Sprintf(verb, d)
		if strings.Contains(out, string(key)) || strings.Contains(strings.ToLower(out), hex.EncodeToString(key)) {
			t.Errorf("%s prints the key: %s", verb, out)
		}
		if !strings.Contains(out, "redacted") {
			t.Errorf("%s = %q, want a redacted form", verb, out)
		}
	}
}

func BenchmarkHMACDigester(b *testing.B) {
	for _, size := range []int{64, 1024} {
		for _, alg := range []HMACAlgorithm{HMACSHA1, HMACSHA256, HMACSHA512} {
			b.Run(fmt.Sprintf("%v/%d", alg, size), func(b *testing.B) {
				d := NewHMACDigester(alg, []byte("key"))
				msg := make([]byte, size)
				buf := make([]byte, 0, 64)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					buf = d.AppendSum(buf[:0], msg)
				}
			})
		}
	}
}
