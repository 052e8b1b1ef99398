package sigv4a

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// The SigV4a signing key is an ECDSA P-256 key derived from the secret access
// key, so that a SigV4a request needs no key material besides the ordinary
// credentials, and the server can derive the same public key to check it.
// The derivation is NIST SP 800-108's KDF in counter mode with HMAC-SHA256:
//
//	input   = "AWS4A" + secret
//	fixed   = be32(1) || "AWS4-ECDSA-P256-SHA256" || 0x00 || accessKeyID || counter || be32(256)
//	k0      = HMAC-SHA256(input, fixed)          for counter = 1, 2, … 255
//	d       = k0 + 1                             for the first k0 ≤ n−2
//
// n is the order of P-256, so d lies in [1, n−1]. Only about one candidate in
// 2^32 is rejected; the comparison runs in constant time anyway, since k0 is
// secret.

// p256NMinus2 is n−2 for the P-256 group order n, big-endian.
const p256NMinus2 = "\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xbc\xe6\xfa\xad\xa7\x17\x9e\x84\xf3\xb9\xca\xc2\xfc\x63\x25\x4f"

// errCounterExhausted: 255 candidates were all above n−2, which happens with
// probability about 2^-8000; it is an error rather than a panic all the same.
var errCounterExhausted = errors.New("SigV4a key derivation exhausted its counter")

// SigningKey is a SigV4a ECDSA P-256 private key derived from one credential.
// It keeps the *ecdsa.PrivateKey it was parsed into, so that crypto/ecdsa's
// per-key preparation (the checked, FIPS-form key) is done on the first
// signature and reused by every later one. A SigningKey is immutable and
// safe to share between goroutines; it prints its access key id, never the
// scalar.
type SigningKey struct {
	accessKeyID string
	priv        *ecdsa.PrivateKey
}

// DeriveKey derives the SigV4a signing key of an access key pair. It is
// deterministic, takes a few microseconds (one HMAC and one P-256 scalar
// multiplication for the public point), and needs doing once per
// credential: a KeyCache does it once and shares the result.
func DeriveKey(accessKeyID, secret string) (*SigningKey, error) {
	switch {
	case accessKeyID == "":
		return nil, sigcore.FieldErr("access_key_id", sigerr.ErrMissingField)
	case secret == "":
		return nil, sigcore.FieldErr("secret_access_key", sigerr.ErrMissingField)
	}
	input := make([]byte, 0, 5+len(secret))
	input = append(input, "AWS4A"...)
	input = append(input, secret...)
	defer clear(input)

	fixed := make([]byte, 0, 4+len(Algorithm)+1+len(accessKeyID)+1+4)
	fixed = binary.BigEndian.AppendUint32(fixed, 1) // the KDF's block counter: one block of 256 bits
	fixed = append(fixed, Algorithm...)
	fixed = append(fixed, 0)
	fixed = append(fixed, accessKeyID...)
	ctr := len(fixed)
	fixed = append(fixed, 0)                          // the external counter, set below
	fixed = binary.BigEndian.AppendUint32(fixed, 256) // L, the output length in bits

	var k [sha256.Size]byte
	defer clear(k[:])
	mac := hmac.New(sha256.New, input)
	for counter := 1; ; counter++ {
		if counter > 255 {
			return nil, sigcore.FieldErr("secret_access_key", errCounterExhausted)
		}
		fixed[ctr] = byte(counter)
		mac.Reset()
		mac.Write(fixed)
		mac.Sum(k[:0])
		if lessOrEqual(&k, p256NMinus2) {
			break
		}
	}
	addOne(&k)
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), k[:])
	if err != nil {
		// d is in [1, n−1] by construction; no secret in this message.
		return nil, sigcore.FieldErr("secret_access_key", sigcore.WithDetail(sigerr.ErrInvalidValue, "derived key rejected by crypto/ecdsa"))
	}
	return &SigningKey{accessKeyID: accessKeyID, priv: priv}, nil
}

// lessOrEqual reports whether a ≤ b as big-endian integers, in time that
// does not depend on their values: it computes b − a and looks at the final
// borrow.
func lessOrEqual(a *[32]byte, b string) bool {
	var borrow uint32
	for i := len(a) - 1; i >= 0; i-- {
		d := uint32(b[i]) - uint32(a[i]) - borrow
		borrow = d >> 31
	}
	return borrow == 0
}

// addOne adds 1 to a big-endian integer in place (no overflow: the caller's
// value is at most n−2), in constant time.
func addOne(k *[32]byte) {
	carry := uint32(1)
	for i := len(k) - 1; i >= 0; i-- {
		s := uint32(k[i]) + carry
		k[i] = byte(s)
		carry = s >> 8
	}
}

// PublicKey returns the key's public half: what a server derives to check a
// SigV4a signature, and what the official test suite publishes per case.
func (k *SigningKey) PublicKey() *ecdsa.PublicKey { return &k.priv.PublicKey }

// AccessKeyID returns the access key id the key was derived for.
func (k *SigningKey) AccessKeyID() string { return k.accessKeyID }

// String names the access key and never the scalar.
func (k SigningKey) String() string {
	return "sigv4a.SigningKey{" + k.accessKeyID + " " + sigcore.Redacted + "}"
}

// GoString is String: %#v must not print the private scalar.
func (k SigningKey) GoString() string { return k.String() }

// Format makes every verb (%v, %+v, %#v, %s, %x, ...) print String.
func (k SigningKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }
