package engine

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// HMACAlgorithm names one of the plain HMAC digests batchsign computes for
// legacy peers that authenticate with a shared secret and a bare HMAC (webhook
// signatures, old partner APIs): HMAC-MD5 and HMAC-SHA1 because such peers
// still exist, and the SHA-2 family for everything newer. The zero value is
// not an algorithm.
type HMACAlgorithm uint8

// The supported HMAC digests.
const (
	HMACMD5    HMACAlgorithm = iota + 1 // HMAC-MD5 (RFC 2104, vectors RFC 2202); legacy only
	HMACSHA1                            // HMAC-SHA1 (RFC 2202); legacy only, also SigV2's MAC
	HMACSHA224                          // HMAC-SHA-224 (RFC 4231)
	HMACSHA256                          // HMAC-SHA-256 (RFC 4231)
	HMACSHA384                          // HMAC-SHA-384 (RFC 4231)
	HMACSHA512                          // HMAC-SHA-512 (RFC 4231)
)

// ErrUnknownAlgorithm is wrapped by every error about an algorithm name the
// engine does not know, whatever the scheme.
const ErrUnknownAlgorithm = constError("unknown algorithm")

// ParseHMACAlgorithm accepts the spellings users and other tools write for an
// HMAC digest: case does not matter, '-', '_' and spaces are ignored, and an
// "hmac" prefix is optional. So "sha256", "SHA-256", "hmac-sha256",
// "HMAC_SHA_256" (KMS), "HmacSHA256" (Java) and "HS256" (JOSE) all name
// HMACSHA256; "md5" and "sha1" name the legacy ones. Anything else is an error
// wrapping ErrUnknownAlgorithm.
func ParseHMACAlgorithm(name string) (HMACAlgorithm, error) {
	var buf [24]byte
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if n == len(buf) {
			n = 0 // longer than any name we know
			break
		}
		buf[n] = c
		n++
	}
	norm := string(buf[:n])
	if len(norm) > 4 && norm[:4] == "hmac" {
		norm = norm[4:]
	}
	switch norm {
	case "md5":
		return HMACMD5, nil
	case "sha1":
		return HMACSHA1, nil
	case "sha224", "sha2224", "hs224":
		return HMACSHA224, nil
	case "sha256", "sha2256", "hs256":
		return HMACSHA256, nil
	case "sha384", "sha2384", "hs384":
		return HMACSHA384, nil
	case "sha512", "sha2512", "hs512":
		return HMACSHA512, nil
	}
	return 0, fmt.Errorf("%w %s (want md5, sha1, sha224, sha256, sha384 or sha512)", ErrUnknownAlgorithm, quoteNameForError(name))
}

// String returns the conventional name ("HMAC-SHA256"), which
// ParseHMACAlgorithm accepts back.
func (a HMACAlgorithm) String() string {
	switch a {
	case HMACMD5:
		return "HMAC-MD5"
	case HMACSHA1:
		return "HMAC-SHA1"
	case HMACSHA224:
		return "HMAC-SHA224"
	case HMACSHA256:
		return "HMAC-SHA256"
	case HMACSHA384:
		return "HMAC-SHA384"
	case HMACSHA512:
		return "HMAC-SHA512"
	}
	return "HMACAlgorithm(" + strconv.Itoa(int(a)) + ")"
}

// Valid reports whether a is one of the defined algorithms.
func (a HMACAlgorithm) Valid() bool { return a >= HMACMD5 && a <= HMACSHA512 }

// Size returns the length in bytes of the algorithm's MAC, 0 if a is not
// valid.
func (a HMACAlgorithm) Size() int {
	switch a {
	case HMACMD5:
		return md5.Size
	case HMACSHA1:
		return sha1.Size
	case HMACSHA224:
		return sha256.Size224
	case HMACSHA256:
		return sha256.Size
	case HMACSHA384:
		return sha512.Size384
	case HMACSHA512:
		return sha512.Size
	}
	return 0
}

// hashFunc returns the hash constructor behind a. SHA-256 goes through the
// engine's dispatched NewSHA256 so that every SHA-256 in batchsign runs on the
// backend chosen for this CPU.
func (a HMACAlgorithm) hashFunc() func() hash.Hash {
	switch a {
	case HMACMD5:
		return md5.New
	case HMACSHA1:
		return sha1.New
	case HMACSHA224:
		return sha256.New224
	case HMACSHA256:
		return NewSHA256
	case HMACSHA384:
		return sha512.New384
	case HMACSHA512:
		return sha512.New
	}
	panic("engine: invalid HMACAlgorithm " + strconv.Itoa(int(a)))
}

// New returns a fresh HMAC under key. It panics if a is not valid, like
// crypto.Hash.New: an algorithm comes from ParseHMACAlgorithm or a constant,
// so an invalid one is a programming error, not input.
func (a HMACAlgorithm) New(key []byte) hash.Hash { return hmac.New(a.hashFunc(), key) }

// DigestEncoding is how a MAC is written out as text.
type DigestEncoding uint8

// The supported encodings. Hex is the zero value because it is what
// hand-written legacy integrations most often expect.
const (
	EncodingHex    DigestEncoding = iota // lower-case hexadecimal
	EncodingBase64                       // standard base64 (RFC 4648 §4) with padding
)

// ParseDigestEncoding accepts "hex" and "base64" (also "b64"), any case.
func ParseDigestEncoding(name string) (DigestEncoding, error) {
	switch strings.ToLower(name) {
	case "hex":
		return EncodingHex, nil
	case "base64", "b64":
		return EncodingBase64, nil
	}
	return 0, fmt.Errorf("unknown digest encoding %s (want hex or base64)", quoteNameForError(name))
}

// String returns "hex" or "base64".
func (e DigestEncoding) String() string {
	switch e {
	case EncodingHex:
		return "hex"
	case EncodingBase64:
		return "base64"
	}
	return "DigestEncoding(" + strconv.Itoa(int(e)) + ")"
}

// AppendEncode appends raw to dst in encoding e. An unknown encoding is
// treated as hex.
func (e DigestEncoding) AppendEncode(dst, raw []byte) []byte {
	if e == EncodingBase64 {
		return base64.StdEncoding.AppendEncode(dst, raw)
	}
	return hex.AppendEncode(dst, raw)
}

// AppendHMAC appends the raw MAC of message under key to dst. It builds a new
// HMAC each call (a few allocations); for many messages under one key use an
// HMACDigester, which allocates nothing per message.
func AppendHMAC(dst []byte, alg HMACAlgorithm, key, message []byte) []byte {
	h := alg.New(key)
	h.Write(message)
	return h.Sum(dst)
}

// AppendHMACEncoded appends the MAC of message under key to dst, encoded as
// enc.
func AppendHMACEncoded(dst []byte, alg HMACAlgorithm, key, message []byte, enc DigestEncoding) []byte {
	var raw [sha512.Size]byte
	return enc.AppendEncode(dst, AppendHMAC(raw[:0], alg, key, message))
}

// HMACString returns the MAC of message under key encoded as enc.
func HMACString(alg HMACAlgorithm, key, message []byte, enc DigestEncoding) string {
	return string(AppendHMACEncoded(make([]byte, 0, 2*sha512.Size), alg, key, message, enc))
}

// HMACHex returns the MAC of message under key in lower-case hex.
func HMACHex(alg HMACAlgorithm, key, message []byte) string {
	return HMACString(alg, key, message, EncodingHex)
}

// HMACBase64 returns the MAC of message under key in standard base64.
func HMACBase64(alg HMACAlgorithm, key, message []byte) string {
	return HMACString(alg, key, message, EncodingBase64)
}

// VerifyHMAC reports whether mac is the raw MAC of message under key,
// comparing in constant time. A truncated MAC (RFC 4231 §4.6) does not
// verify: accepting short MACs is a decision for the caller, who can compare
// a prefix of AppendHMAC's output with ConstantTimeEqual.
func VerifyHMAC(alg HMACAlgorithm, key, message, mac []byte) bool {
	var raw [sha512.Size]byte
	return ConstantTimeEqual(AppendHMAC(raw[:0], alg, key, message), mac)
}

// HMACDigester computes MACs of many messages under one key without
// allocating: the key's inner and outer pad states are prepared once and
// restored for each message. It is not safe for concurrent use; give each
// worker its own. It never prints its key (or the pad states, which are
// equivalent to it).
type HMACDigester struct {
	alg HMACAlgorithm
	h   hash.Hash
	raw [sha512.Size]byte // scratch for the raw MAC: a stack array would escape through hash.Hash.Sum
}

// NewHMACDigester prepares key for alg. It panics if alg is not valid (see
// HMACAlgorithm.New).
func NewHMACDigester(alg HMACAlgorithm, key []byte) *HMACDigester {
	return &HMACDigester{alg: alg, h: alg.New(key)}
}

// Algorithm returns the digester's algorithm.
func (d *HMACDigester) Algorithm() HMACAlgorithm { return d.alg }

// AppendSum appends the raw MAC of message to dst.
func (d *HMACDigester) AppendSum(dst, message []byte) []byte {
	d.h.Reset()
	d.h.Write(message)
	return d.h.Sum(dst)
}

// AppendEncoded appends the MAC of message to dst, encoded as enc.
func (d *HMACDigester) AppendEncoded(dst, message []byte, enc DigestEncoding) []byte {
	return enc.AppendEncode(dst, d.AppendSum(d.raw[:0], message))
}

// Verify reports whether mac is the raw MAC of message, in constant time.
func (d *HMACDigester) Verify(message, mac []byte) bool {
	return ConstantTimeEqual(d.AppendSum(d.raw[:0], message), mac)
}

// String redacts: a digester holds key material.
func (d HMACDigester) String() string { return "HMACDigester(" + d.alg.String() + ", key redacted)" }

// GoString redacts, so %#v cannot dump the pad states.
func (d HMACDigester) GoString() string { return d.String() }

// Format redacts for every verb, so no fmt verb can reach the key.
func (d HMACDigester) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(d.String())) }

// quoteNameForError quotes a name (algorithm, encoding) for an error message,
// cut to 40 bytes so a wrong paste does not flood the rejects file. Never
// used on fields that may hold secrets.
func quoteNameForError(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
