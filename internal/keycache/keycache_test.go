package keycache

import (
	"fmt"
	"strings"
	"testing"
)

type key struct {
	day    uint64
	secret string
}

func TestEvictsOldestGeneration(t *testing.T) {
	c := New[key, int](4, 1024, func(k key) uint64 { return k.day })
	for i, k := range []key{{1, "a"}, {2, "b"}, {1, "c"}, {2, "d"}} {
		c.Put(k, i)
	}
	c.Put(key{3, "e"}, 4)
	if c.Len() != 3 {
		t.Fatalf("Len = %d after evicting day 1, want 3", c.Len())
	}
	for _, k := range []key{{1, "a"}, {1, "c"}} {
		if _, ok := c.Get(k); ok {
			t.Errorf("%v of the oldest day survived", k)
		}
	}
	if v, ok := c.Get(key{2, "d"}); !ok || v != 3 {
		t.Errorf("Get(day 2) = %v, %v", v, ok)
	}
}

func TestEvictsHalfOfOneGeneration(t *testing.T) {
	for _, gen := range []func(key) uint64{nil, func(key) uint64 { return 7 }} {
		c := New[key, int](0, 4, gen)
		if c.Max() != 4 {
			t.Fatalf("Max = %d, want the default 4", c.Max())
		}
		for i := range 5 {
			c.Put(key{7, fmt.Sprint(i)}, i)
		}
		if c.Len() != 3 || c.Stored() != 5 {
			t.Errorf("Len, Stored = %d, %d; want 3, 5", c.Len(), c.Stored())
		}
	}
}

func TestPutKeepsTheFirstValue(t *testing.T) {
	c := New[key, *int](0, 8, nil)
	a, b := new(int), new(int)
	if got := c.Put(key{0, "k"}, a); got != a {
		t.Fatal("first Put did not store its value")
	}
	if got := c.Put(key{0, "k"}, b); got != a || c.Stored() != 1 {
		t.Error("second Put replaced the first value")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = c.Get(key{0, "k"}) }); n != 0 {
		t.Errorf("Get allocates %v times", n)
	}
}

func TestNeverPrintsKeys(t *testing.T) {
	c := New[key, int](0, 8, nil)
	c.Put(key{0, "SECRET"}, 1)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if s := fmt.Sprintf(verb, c); strings.Contains(s, "SECRET") || !strings.Contains(s, "entries: 1") {
			t.Errorf("%s prints %q", verb, s)
		}
	}
}
