package cloudfront

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
)

func sha1Sum(b []byte) [20]byte { return sha1.Sum(b) }

func rsaSign(s *Signer, digest []byte) ([]byte, error) {
	return rsa.SignPKCS1v15(nil, s.key, crypto.SHA1, digest)
}
