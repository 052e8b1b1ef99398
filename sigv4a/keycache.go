package sigv4a

import (
	"fmt"

	"github.com/batchsign/batchsign/internal/keycache"
)

// defaultKeyCacheSize bounds a KeyCache created with NewKeyCache(0): one
// entry per credential, and a run rarely has more than a handful.
const defaultKeyCacheSize = 1024

// KeyCache derives SigV4a signing keys on first use and returns the same
// *SigningKey afterwards, so each credential costs one derivation and
// crypto/ecdsa's per-key preparation is shared by every signature made with
// it. Unlike SigV4's keys, a SigV4a key does not depend on the day, region
// or service: it is cached per access key pair.
//
// A KeyCache is safe for concurrent use and holds at most its bound of
// entries: when full, it drops an arbitrary half (a dropped key is simply
// derived again). It holds secrets in memory as its map keys and never
// prints them.
type KeyCache struct {
	// The cache sits behind a pointer so that even a struct holding a
	// KeyCache in an unexported field prints an address, never the map of
	// secrets.
	s *keycache.Cache[cacheKey, *SigningKey]
}

type cacheKey struct{ accessKeyID, secret string }

// NewKeyCache returns a KeyCache holding at most maxEntries keys (1024 if
// maxEntries <= 0).
func NewKeyCache(maxEntries int) *KeyCache {
	return &KeyCache{s: keycache.New[cacheKey, *SigningKey](maxEntries, defaultKeyCacheSize, nil)}
}

// Get returns the signing key of the access key pair, deriving it on first
// use. It does not allocate when the key is cached. The error is DeriveKey's
// (an empty access key id or secret).
func (c *KeyCache) Get(accessKeyID, secret string) (*SigningKey, error) {
	ck := cacheKey{accessKeyID, secret}
	if k, ok := c.s.Get(ck); ok {
		return k, nil
	}
	// Derive outside the lock: two goroutines may both derive a new key,
	// and the second keeps the first one's pointer.
	k, err := DeriveKey(accessKeyID, secret)
	if err != nil {
		return nil, err
	}
	return c.s.Put(ck, k), nil
}

// Len returns the number of cached keys.
func (c *KeyCache) Len() int { return c.s.Len() }

// derivations returns how many keys the cache has derived.
func (c *KeyCache) derivations() uint64 { return c.s.Stored() }

// String describes the cache without any key or secret.
func (c KeyCache) String() string {
	if c.s == nil {
		return "sigv4a.KeyCache{}"
	}
	return fmt.Sprintf("sigv4a.KeyCache{entries: %d, max: %d}", c.Len(), c.s.Max())
}

// GoString is String, so %#v cannot reach the map of secrets.
func (c KeyCache) GoString() string { return c.String() }

// Format makes every verb print String.
func (c KeyCache) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }
