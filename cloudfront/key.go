package cloudfront

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// ErrNotKey: the bytes given to ParsePrivateKeyPEM or ParsePublicKeyPEM are
// not a key CloudFront can use (no PEM block, an encrypted key, a key that
// is not RSA or is shorter than MinKeyBits). Errors wrap it with detail
// about the structure only, never a byte of the key.
var ErrNotKey = errors.New("not a usable CloudFront RSA key")

// MinKeyBits is the shortest RSA key accepted: CloudFront key groups take
// 2048-bit RSA public keys.
const MinKeyBits = 2048

// ParsePrivateKeyPEM reads a key pair's private key from PEM: PKCS #1 ("BEGIN
// RSA PRIVATE KEY") or PKCS #8 ("BEGIN PRIVATE KEY"). An encrypted PEM, a
// key that is not RSA, one shorter than MinKeyBits or one that fails
// validation is an error wrapping ErrNotKey; no error quotes the input.
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	k, err := sigcore.ParseRSAPrivateKeyPEM(data, ErrNotKey)
	if err != nil {
		return nil, err
	}
	if err := checkBits(k.N.BitLen()); err != nil {
		return nil, err
	}
	if err := k.Validate(); err != nil {
		return nil, sigcore.WithDetail(ErrNotKey, err.Error())
	}
	return k, nil
}

// ParsePublicKeyPEM reads a public key from PEM: "BEGIN PUBLIC KEY" (what
// CloudFront's console takes, `openssl rsa -pubout` writes) or PKCS #1 "BEGIN
// RSA PUBLIC KEY". Errors wrap ErrNotKey.
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, sigcore.WithDetail(ErrNotKey, "no PEM block")
	}
	var pub *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, sigcore.WithDetail(ErrNotKey, "PKIX: "+err.Error())
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, sigcore.WithDetail(ErrNotKey, fmt.Sprintf("public key is %T, not RSA", k))
		}
		pub = rk
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, sigcore.WithDetail(ErrNotKey, "PKCS #1: "+err.Error())
		}
		pub = k
	default:
		return nil, sigcore.WithDetail(ErrNotKey, "PEM block is "+sigcore.QuoteForError(block.Type)+", want \"PUBLIC KEY\"")
	}
	if err := checkBits(pub.N.BitLen()); err != nil {
		return nil, err
	}
	return pub, nil
}

func checkBits(bits int) error {
	if bits < MinKeyBits {
		return sigcore.WithDetail(ErrNotKey, "RSA key of "+strconv.Itoa(bits)+" bits; CloudFront key groups take 2048-bit keys")
	}
	return nil
}

// checkKeyPairID refuses an empty id or one that could not sit in a query
// or cookie unescaped (CloudFront's are upper-case letters and digits).
func checkKeyPairID(id string) error {
	if id == "" {
		return sigcore.FieldErr("key_pair_id", sigerr.ErrMissingField)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') || len(id) > 128 {
			return sigcore.FieldErr("key_pair_id", sigcore.WithDetail(sigerr.ErrInvalidValue, "want letters and digits, as CloudFront's key ids (K2JCJMDEHXQW5F)"))
		}
	}
	return nil
}
