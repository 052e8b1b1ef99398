package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/batchsign/batchsign/internal/keycache"
	"github.com/batchsign/batchsign/internal/sigcore"
)

// Signing keys, derived once and kept ready: each key is stored as prepared
// HMAC-SHA256 state (the inner and outer pad blocks already absorbed), so a
// signature costs only the compression blocks of its own string to sign.
//
// Deriving a key takes four HMACs (eight or more SHA-256 blocks); a batch run
// signs millions of rows under a handful of (credential, day, region,
// service) combinations, so the KeyCache derives each once and shares it
// between workers. Secret material never leaves through fmt: every type here
// prints its scope and a redaction marker, never key bytes.

// stateSize is the length of the serialized SHA-256 state AppendInnerState and
// appendOuterState produce: the "sha\x03" format shared by crypto/sha256 and
// github.com/minio/sha256-simd (magic, eight chaining words, a 64-byte block
// buffer, a 64-bit length).
const stateSize = 4 + 8*4 + 64 + 8

const (
	stateMagic = "sha\x03"
	blockSize  = 64
)

// SigningKey is a derived SigV4 signing key (kSigning) for one day, region and
// service, held as the SHA-256 chaining values after the HMAC inner and outer
// pad blocks. It is immutable and safe to share between goroutines.
type SigningKey struct {
	date    string // YYYYMMDD
	region  string
	service string
	scope   string // date/region/service/aws4_request

	inner [8]uint32 // SHA-256 state after (kSigning XOR ipad)
	outer [8]uint32 // SHA-256 state after (kSigning XOR opad)
}

// Derive computes the signing key for secret on the UTC day of t, for region
// and service, following the SigV4 key derivation:
//
//	kDate    = HMAC("AWS4" + secret, YYYYMMDD)
//	kRegion  = HMAC(kDate, region)
//	kService = HMAC(kRegion, service)
//	kSigning = HMAC(kService, "aws4_request")
func DeriveKey(secret string, t time.Time, region, service string) *SigningKey {
	var d [8]byte
	return derive(secret, string(appendDate(d[:0], t)), region, service)
}

func derive(secret, date, region, service string) *SigningKey {
	seed := make([]byte, 0, 4+len(secret))
	seed = append(seed, "AWS4"...)
	seed = append(seed, secret...)
	k := hmacSum(seed, date)
	k = hmacSum(k, region)
	k = hmacSum(k, service)
	k = hmacSum(k, "aws4_request")
	clear(seed)

	sk := &SigningKey{
		date:    date,
		region:  region,
		service: service,
		scope:   date + "/" + region + "/" + service + "/aws4_request",
	}
	var pad [blockSize]byte
	for i, pv := range [2]byte{0x36, 0x5c} {
		pad = [blockSize]byte{}
		copy(pad[:], k) // len(k) = 32 < 64: the rest is zero
		for j := range pad {
			pad[j] ^= pv
		}
		st := padState(pad[:])
		if i == 0 {
			sk.inner = st
		} else {
			sk.outer = st
		}
	}
	clear(pad[:])
	clear(k)
	return sk
}

func hmacSum(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// padState hashes one 64-byte pad block and returns the chaining words, read
// back through the standard library's state serialisation.
func padState(block []byte) [8]uint32 {
	h := sha256.New()
	h.Write(block)
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil || len(b) != stateSize || string(b[:4]) != stateMagic {
		// The format has been stable since Go 1.11; a change must not go
		// unnoticed, and there is no secret in this message.
		panic("keycache: unexpected crypto/sha256 state format")
	}
	var st [8]uint32
	for i := range st {
		st[i] = binary.BigEndian.Uint32(b[4+4*i:])
	}
	clear(b)
	return st
}

// appendInnerState appends the serialized SHA-256 state after the inner pad
// block (StateSize bytes) to dst. Feeding it to UnmarshalBinary of a
// crypto/sha256 or minio/sha256-simd hash, writing the message and summing
// gives the HMAC's inner hash.
func (k *SigningKey) appendInnerState(dst []byte) []byte { return appendState(dst, &k.inner) }

// appendOuterState appends the serialized SHA-256 state after the outer pad
// block; writing the 32-byte inner hash to it and summing gives the HMAC.
func (k *SigningKey) appendOuterState(dst []byte) []byte { return appendState(dst, &k.outer) }

// chainingStates returns the SHA-256 chaining words after the inner and the outer pad
// block, for block-level SHA-256 code that continues them itself (one 64-byte
// block has been absorbed into each).
func (k *SigningKey) chainingStates() (inner, outer [8]uint32) { return k.inner, k.outer }

func appendState(dst []byte, h *[8]uint32) []byte {
	dst = append(dst, stateMagic...)
	for _, w := range h {
		dst = binary.BigEndian.AppendUint32(dst, w)
	}
	var zero [blockSize]byte
	dst = append(dst, zero[:]...)
	return binary.BigEndian.AppendUint64(dst, blockSize)
}

// Sum appends HMAC-SHA256(kSigning, msg) to dst. It is the slow, allocating
// reference path (crypto/sha256); the signer's hot path resumes from the
// prepared states with its dispatched SHA-256 instead.
func (k *SigningKey) Sum(dst, msg []byte) []byte {
	var st [stateSize]byte
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(k.appendInnerState(st[:0])); err != nil {
		panic("keycache: unexpected crypto/sha256 state format")
	}
	h.Write(msg)
	var in [32]byte
	inner := h.Sum(in[:0])
	h = sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(k.appendOuterState(st[:0])); err != nil {
		panic("keycache: unexpected crypto/sha256 state format")
	}
	h.Write(inner)
	return h.Sum(dst)
}

// Scope returns the credential scope, date/region/service/aws4_request.
func (k *SigningKey) Scope() string { return k.scope }

// String names the key's scope and never its bytes.
func (k SigningKey) String() string {
	return "sigv4.SigningKey{" + k.scope + " " + sigcore.Redacted + "}"
}

// GoString is String: %#v must not print the chaining words.
func (k SigningKey) GoString() string { return k.String() }

// Format makes every verb (%v, %+v, %#v, %s, %x, ...) print String.
func (k SigningKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// appendDate appends t's UTC day as YYYYMMDD without allocating.
func appendDate(dst []byte, t time.Time) []byte {
	y, m, d := t.UTC().Date()
	return append(dst,
		byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		byte('0'+int(m)/10), byte('0'+int(m)%10),
		byte('0'+d/10), byte('0'+d%10))
}

// defaultKeyCacheSize bounds a KeyCache created with NewKeyCache(0). A run uses one entry
// per (credential, day, region, service); 1024 covers any realistic manifest.
const defaultKeyCacheSize = 1024

// KeyCache derives signing keys on first use and returns the same *SigningKey
// afterwards. It is safe for concurrent use and holds at most its bound of
// entries: when full, it drops the entries of the oldest day (keys for past
// days are the first no longer needed after UTC midnight), and if every entry
// is of one day, an arbitrary half of them.
//
// The KeyCache holds secrets in memory as its map keys; it never prints them.
type KeyCache struct {
	// The cache sits behind a pointer so that even a struct holding a
	// KeyCache in an unexported field prints an address, never the map of
	// secrets.
	s *keycache.Cache[entryKey, *SigningKey]
}

type entryKey struct {
	accessKeyID string
	secret      string
	date        [8]byte
	region      string
	service     string
}

// entryDay orders entries by day for eviction: the big-endian number of
// the YYYYMMDD bytes sorts as the days do.
func entryDay(ek entryKey) uint64 { return binary.BigEndian.Uint64(ek.date[:]) }

// NewKeyCache returns a KeyCache holding at most maxEntries keys (1024 if
// maxEntries <= 0).
func NewKeyCache(maxEntries int) *KeyCache {
	return &KeyCache{s: keycache.New[entryKey, *SigningKey](maxEntries, defaultKeyCacheSize, entryDay)}
}

// Get returns the signing key for the credential on the UTC day of t, deriving
// it on first use. Rows signed on either side of UTC midnight get the key of
// their own day. Get does not allocate when the key is cached.
func (c *KeyCache) Get(accessKeyID, secret string, t time.Time, region, service string) *SigningKey {
	ek := entryKey{accessKeyID: accessKeyID, secret: secret, region: region, service: service}
	appendDate(ek.date[:0], t)
	if k, ok := c.s.Get(ek); ok {
		return k
	}
	return c.s.Put(ek, derive(secret, string(ek.date[:]), region, service))
}

// Len returns the number of cached keys.
func (c *KeyCache) Len() int { return c.s.Len() }

// derivations returns how many keys the cache has derived since it was created.
func (c *KeyCache) derivations() uint64 { return c.s.Stored() }

// String describes the cache without any key or secret.
func (c KeyCache) String() string {
	if c.s == nil {
		return "KeyCache{}"
	}
	return fmt.Sprintf("KeyCache{entries: %d, max: %d}", c.Len(), c.s.Max())
}

// GoString is String, so %#v cannot reach the map of secrets.
func (c KeyCache) GoString() string { return c.String() }

// Format makes every verb print String.
func (c KeyCache) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }
