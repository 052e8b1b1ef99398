package keyring

import (
	"context"
	"strconv"
	"testing"
)

// BenchmarkLocalGenerateMac is the `mac generate` row cost with a local
// keyring: lookup by alias, then the HMAC (go test -bench Local ./keyring).
func BenchmarkLocalGenerateMac(b *testing.B) {
	r, err := Parse(ring(keyJSON(`"k"`, `["alias/k"]`, `["HMAC_SHA_256"]`, `"`+b64(material32)+`"`, "")), "bench")
	if err != nil {
		b.Fatal(err)
	}
	svc := NewLocal(r)
	ctx := context.Background()
	for _, size := range []int{64, 1024, 4096} {
		msg := make([]byte, size)
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.GenerateMac(ctx, "alias/k", MacHMACSHA256, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLookup compares the name forms; a lookup allocates nothing.
func BenchmarkLookup(b *testing.B) {
	r, err := Parse(ring(keyJSON(`"1234abcd-12ab-34cd-56ef-1234567890ab"`, `["alias/k"]`, `["HMAC_SHA_256"]`, `"`+b64(material32)+`"`, "")), "bench")
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"1234abcd-12ab-34cd-56ef-1234567890ab", "alias/k", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"} {
		b.Run(name[:min(len(name), 12)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Lookup(name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestLookupAllocatesNothing(t *testing.T) {
	r := testRing(t)
	for _, name := range []string{"alias/orders", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:us-east-1:111122223333:alias/orders"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = r.Lookup(name) }); n != 0 {
			t.Errorf("Lookup(%q) allocates %v times", name, n)
		}
	}
}
