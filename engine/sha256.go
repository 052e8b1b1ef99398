package engine

import (
	"crypto/sha256"
	"hash"
)

// PLACEHOLDER: replaced by the run-time dispatch (SHA-NI / ARMv8 SHA2 / AVX2 /
// generic) between minio/sha256-simd and crypto/sha256.

// Sum256 returns the SHA-256 of b using the backend chosen for small one-shot
// hashes (canonical requests, strings to sign).
func Sum256(b []byte) [32]byte { return sha256.Sum256(b) }

// NewSHA256 returns a streaming SHA-256 from the backend chosen for large
// inputs. The returned hash also implements encoding.BinaryMarshaler and
// encoding.BinaryUnmarshaler in the "sha\x03" state format shared by
// crypto/sha256 and minio/sha256-simd, which the HMAC code relies on to resume
// from prepared key states.
func NewSHA256() hash.Hash { return sha256.New() }

// newResumableSHA256 returns the SHA-256 used to finish HMACs from prepared
// states (small inputs, resumed with UnmarshalBinary).
func newResumableSHA256() hash.Hash { return sha256.New() }
