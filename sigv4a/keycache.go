package sigv4a

import (
	"fmt"
	"sync"
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
	// The state sits behind a pointer so that even a struct holding a
	// KeyCache in an unexported field prints an address, never the map of
	// secrets.
	s *cacheState
}

type cacheState struct {
	mu      sync.RWMutex
	max     int
	entries map[cacheKey]*SigningKey
	derives uint64 // keys derived, for tests
}

type cacheKey struct{ accessKeyID, secret string }

// NewKeyCache returns a KeyCache holding at most maxEntries keys (1024 if
// maxEntries <= 0).
func NewKeyCache(maxEntries int) *KeyCache {
	if maxEntries <= 0 {
		maxEntries = defaultKeyCacheSize
	}
	return &KeyCache{s: &cacheState{max: maxEntries, entries: make(map[cacheKey]*SigningKey)}}
}

// Get returns the signing key of the access key pair, deriving it on first
// use. It does not allocate when the key is cached. The error is DeriveKey's
// (an empty access key id or secret).
func (c *KeyCache) Get(accessKeyID, secret string) (*SigningKey, error) {
	ck := cacheKey{accessKeyID, secret}
	c.s.mu.RLock()
	k := c.s.entries[ck]
	c.s.mu.RUnlock()
	if k != nil {
		return k, nil
	}
	// Derive outside the lock: two goroutines may both derive a new key,
	// and the second keeps the first one's pointer.
	k, err := DeriveKey(accessKeyID, secret)
	if err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if old := c.s.entries[ck]; old != nil {
		return old, nil
	}
	if len(c.s.entries) >= c.s.max {
		drop := max(len(c.s.entries)/2, 1)
		for ek := range c.s.entries {
			if drop == 0 {
				break
			}
			delete(c.s.entries, ek)
			drop--
		}
	}
	c.s.entries[ck] = k
	c.s.derives++
	return k, nil
}

// Len returns the number of cached keys.
func (c *KeyCache) Len() int {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	return len(c.s.entries)
}

// derivations returns how many keys the cache has derived.
func (c *KeyCache) derivations() uint64 {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	return c.s.derives
}

// String describes the cache without any key or secret.
func (c KeyCache) String() string {
	if c.s == nil {
		return "sigv4a.KeyCache{}"
	}
	return fmt.Sprintf("sigv4a.KeyCache{entries: %d, max: %d}", c.Len(), c.s.max)
}

// GoString is String, so %#v cannot reach the map of secrets.
func (c KeyCache) GoString() string { return c.String() }

// Format makes every verb print String.
func (c KeyCache) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }
