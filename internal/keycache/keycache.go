// Package keycache is the bounded, concurrency-safe map behind the signing
// key caches of packages sigv4 and sigv4a: a key is derived once, outside
// the lock, and every caller gets the same value afterwards. When full, the
// cache drops the entries of its oldest generation (SigV4's keys are per
// day, and yesterday's are the first no longer needed), or, holding one
// generation only, an arbitrary half; a dropped key is derived again.
//
// Its keys hold secrets: a Cache never prints them.
package keycache

import (
	"fmt"
	"sync"
)

// Cache maps K to V for many goroutines, holding at most its bound of
// entries.
type Cache[K comparable, V any] struct {
	mu      sync.RWMutex
	max     int
	gen     func(K) uint64
	entries map[K]V
	stored  uint64
}

// New returns a Cache of at most max entries (def when max <= 0). gen, when
// not nil, orders entries by generation for eviction; nil makes every
// entry one generation.
func New[K comparable, V any](max, def int, gen func(K) uint64) *Cache[K, V] {
	if max <= 0 {
		max = def
	}
	return &Cache[K, V]{max: max, gen: gen, entries: make(map[K]V)}
}

// Get returns the value stored under k. It does not allocate.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.entries[k]
	c.mu.RUnlock()
	return v, ok
}

// Put stores v under k, evicting first if the cache is full, and returns
// the value now stored: another goroutine's, when it stored one for k
// first, so that every caller keeps one value per key.
func (c *Cache[K, V]) Put(k K, v V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		return old
	}
	if len(c.entries) >= c.max {
		c.evictLocked()
	}
	c.entries[k] = v
	c.stored++
	return v
}

// evictLocked frees room: every entry of the oldest generation when more
// than one is cached, otherwise an arbitrary half of the entries.
func (c *Cache[K, V]) evictLocked() {
	if c.gen != nil {
		var oldest, newest uint64
		first := true
		for k := range c.entries {
			g := c.gen(k)
			if first || g < oldest {
				oldest = g
			}
			if first || g > newest {
				newest = g
			}
			first = false
		}
		if oldest != newest {
			for k := range c.entries {
				if c.gen(k) == oldest {
					delete(c.entries, k)
				}
			}
			return
		}
	}
	drop := max(len(c.entries)/2, 1)
	for k := range c.entries {
		if drop == 0 {
			break
		}
		delete(c.entries, k)
		drop--
	}
}

// Len returns the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// Max returns the bound on entries.
func (c *Cache[K, V]) Max() int { return c.max }

// Stored returns how many values Put has stored since New, for tests and
// statistics: the number of derivations that were kept.
func (c *Cache[K, V]) Stored() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stored
}

// String describes the cache by its size, never its keys.
func (c *Cache[K, V]) String() string {
	return fmt.Sprintf("keycache.Cache{entries: %d, max: %d}", c.Len(), c.max)
}

// GoString is String, so %#v cannot reach the keys.
func (c *Cache[K, V]) GoString() string { return c.String() }

// Format makes every verb print String.
func (c *Cache[K, V]) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }
