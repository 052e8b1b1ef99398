package sigcore

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// ParseRSAPrivateKeyPEM decodes the first PEM block of b as an RSA private
// key, PKCS #8 ("BEGIN PRIVATE KEY") or PKCS #1 ("BEGIN RSA PRIVATE KEY").
// Every error wraps notKey (the caller's sentinel) and describes the
// structure only, never a byte of the key: no PEM block, an encrypted key
// (a "Proc-Type: 4,ENCRYPTED" header or an "ENCRYPTED PRIVATE KEY" block,
// which would need a passphrase), another key type, a DER that does not
// parse.
func ParseRSAPrivateKeyPEM(b []byte, notKey error) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, WithDetail(notKey, "no PEM block")
	}
	if len(block.Headers) != 0 || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, WithDetail(notKey, "encrypted PEM keys are not supported (decrypt it first: openssl pkey -in KEY -out PLAIN)")
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, WithDetail(notKey, "PKCS #8: "+err.Error())
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, WithDetail(notKey, fmt.Sprintf("PKCS #8 key is %T, not RSA", k))
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, WithDetail(notKey, "PKCS #1: "+err.Error())
		}
		return k, nil
	}
	return nil, WithDetail(notKey, "PEM block is "+QuoteForError(block.Type)+", want \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"")
}
