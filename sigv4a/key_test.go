package sigv4a

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/vectors"
)

// TestKeyDerivationVector derives the key of aws-c-auth's key-derivation
// test and compares the private scalar and the public point.
func TestKeyDerivationVector(t *testing.T) {
	var v struct {
		Cases []struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
			PrivateKeyHex   string `json:"private_key_hex"`
			PublicXHex      string `json:"public_x_hex"`
			PublicYHex      string `json:"public_y_hex"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(vectors.Read(t, "aws-signing-test-suite/v4a-key-derivation.json"), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no key-derivation cases")
	}
	for _, c := range v.Cases {
		k, err := DeriveKey(c.AccessKeyID, c.SecretAccessKey)
		if err != nil {
			t.Fatal(err)
		}
		d, err := k.priv.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		pub, err := k.PublicKey().Bytes() // 04 || X || Y
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(d); got != c.PrivateKeyHex {
			t.Errorf("private key %s, want %s", got, c.PrivateKeyHex)
		}
		if got, want := hex.EncodeToString(pub), "04"+c.PublicXHex+c.PublicYHex; got != want {
			t.Errorf("public point %s, want %s", got, want)
		}
	}
}

// aws-c-auth also derives a key for a 2 KiB access key id; it must succeed.
func TestDeriveKeyLongAccessKeyID(t *testing.T) {
	k, err := DeriveKey(strings.Repeat("A", 2048), "secret")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.PublicKey().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub); err != nil {
		t.Fatalf("public point: %v", err)
	}
}

func TestDeriveKeyNeedsCredentials(t *testing.T) {
	for _, c := range [][2]string{{"", "s"}, {"AKID", ""}} {
		if _, err := DeriveKey(c[0], c[1]); err == nil {
			t.Errorf("DeriveKey(%q, %q) accepted", c[0], c[1])
		}
	}
}

func TestNMinus2IsTheP256OrderMinusTwo(t *testing.T) {
	want := new(big.Int).Sub(elliptic.P256().Params().N, big.NewInt(2))
	if got := new(big.Int).SetBytes([]byte(p256NMinus2)); got.Cmp(want) != 0 {
		t.Fatalf("n-2 = %x, want %x", got, want)
	}
}

// lessOrEqual and addOne agree with math/big at the edges.
func TestConstantTimeArithmetic(t *testing.T) {
	nm2 := new(big.Int).SetBytes([]byte(p256NMinus2))
	for _, delta := range []int64{-1 << 40, -256, -255, -2, -1, 0, 1, 2, 255, 256} {
		x := new(big.Int).Add(nm2, big.NewInt(delta))
		var a [32]byte
		x.FillBytes(a[:])
		if got, want := lessOrEqual(&a, p256NMinus2), x.Cmp(nm2) <= 0; got != want {
			t.Errorf("n-2%+d <= n-2: got %v", delta, got)
		}
		addOne(&a)
		if got := new(big.Int).SetBytes(a[:]); got.Cmp(x.Add(x, big.NewInt(1))) != 0 {
			t.Errorf("addOne(n-2%+d) = %x", delta, got)
		}
	}
	var zero, ff [32]byte
	for i := range ff {
		ff[i] = 0xff
	}
	if !lessOrEqual(&zero, p256NMinus2) || lessOrEqual(&ff, p256NMinus2) {
		t.Error("0 or 2^256-1 compared wrongly")
	}
}

func TestSigningKeyRedacts(t *testing.T) {
	k, err := DeriveKey("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := k.priv.Bytes()
	dx := hex.EncodeToString(d)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
		out := fmt.Sprintf(verb, k) + fmt.Sprintf(verb, *k)
		if strings.Contains(out, dx) || strings.Contains(out, new(big.Int).SetBytes(d).String()) || !strings.Contains(out, "AKIDEXAMPLE") {
			t.Errorf("%s prints %q", verb, out)
		}
	}
}
