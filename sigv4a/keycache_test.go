package sigv4a

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestKeyCacheDerivesOncePerCredential(t *testing.T) {
	c := NewKeyCache(0)
	var wg sync.WaitGroup
	keys := make([]*SigningKey, 16)
	for i := range keys {
		wg.Go(func() {
			k, err := c.Get("AKID", "secret")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatal("goroutines got different pointers for one credential")
		}
	}
	if c.Len() != 1 {
		t.Fatalf("Len = %d", c.Len())
	}
	other, _ := c.Get("AKID", "other secret")
	if other == keys[0] || c.Len() != 2 {
		t.Fatal("a different secret shares the key")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = c.Get("AKID", "secret") }); n != 0 {
		t.Fatalf("cached Get allocates %v times", n)
	}
	if _, err := c.Get("", "secret"); err == nil {
		t.Fatal("empty access key id accepted")
	}
}

func TestKeyCacheIsBounded(t *testing.T) {
	c := NewKeyCache(8)
	for i := range 100 {
		if _, err := c.Get("AKID"+strconv.Itoa(i), "secret"); err != nil {
			t.Fatal(err)
		}
		if c.Len() > 8 {
			t.Fatalf("Len = %d after %d keys", c.Len(), i+1)
		}
	}
	if c.derivations() != 100 {
		t.Fatalf("%d derivations", c.derivations())
	}
}

func TestKeyCacheRedacts(t *testing.T) {
	c := NewKeyCache(0)
	_, _ = c.Get("AKID", "wJalrXUtnFEMI")
	holder := struct{ c *KeyCache }{c}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, x := range []any{c, *c, holder} {
			if out := fmt.Sprintf(verb, x); strings.Contains(out, "wJalrXUtnFEMI") {
				t.Errorf("%s prints %q", verb, out)
			}
		}
	}
}
