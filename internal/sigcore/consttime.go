package sigcore

import (
	"crypto/subtle"
	"fmt"
)

// ConstantTimeEqual reports whether a and b are equal, taking time that
// depends only on their lengths, never on where they first differ. Every
// verifier in batchsign compares signatures and MACs with it (or with
// ConstantTimeEqualString) so that a forger cannot learn a correct signature
// byte by byte from response times.
//
// Lengths are not secret: a MAC of the wrong length is rejected at once, as
// crypto/hmac.Equal does.
func ConstantTimeEqual(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// ConstantTimeEqualString is ConstantTimeEqual for strings, without the
// []byte conversions (and their allocations) a caller would otherwise need on
// the verify hot path.
func ConstantTimeEqualString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

// Secret holds key material two pointers away. Types that carry secrets
// keep a *Secret in an unexported field and redact themselves in
// String/GoString/Format; the indirection is the second line of defence: if
// such a value is nested in a caller's unexported struct field, where fmt
// cannot call its methods, fmt prints at most the holder and then a bare
// address (it prints only the top-level pointer's target), never the bytes.
type Secret struct{ p *[]byte }

// NewSecret copies b, so the caller may reuse or wipe its slice.
func NewSecret(b []byte) *Secret {
	c := append([]byte(nil), b...)
	return &Secret{p: &c}
}

// Bytes returns the material (nil for a nil holder).
func (s *Secret) Bytes() []byte {
	if s == nil || s.p == nil {
		return nil
	}
	return *s.p
}

// Len is nil-safe: a zero-value holder has no material.
func (s *Secret) Len() int { return len(s.Bytes()) }

// String redacts, for any path that reaches the holder itself.
func (s *Secret) String() string { return "redacted" }

// GoString redacts.
func (s *Secret) GoString() string { return "redacted" }

// Format redacts for every verb.
func (s *Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte("redacted")) }
