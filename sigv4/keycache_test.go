package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// The S3 documentation's example key (testdata/s3-doc-vectors.md at the repository root,
// "Derived keys"): secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 20130524,
// us-east-1, s3.
const (
	docSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	docKSigning = "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378"
	// String to sign of the doc's presigned GET (§5) and its signature.
	docPresignSTS = "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"
	docPresignSig = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)

func TestDeriveMatchesDocumentedSignature(t *testing.T) {
	k := DeriveKey(docSecret, docTime, "us-east-1", "s3")
	if got := hex.EncodeToString(k.Sum(nil, []byte(docPresignSTS))); got != docPresignSig {
		t.Fatalf("signature = %s, want %s", got, docPresignSig)
	}
	if k.Scope() != "20130524/us-east-1/s3/aws4_request" {
		t.Fatalf("scope = %q", k.Scope())
	}
}

func TestPreparedStateEqualsPlainHMAC(t *testing.T) {
	kSigning, _ := hex.DecodeString(docKSigning)
	k := DeriveKey(docSecret, docTime, "us-east-1", "s3")
	for _, msg := range []string{"", "a", strings.Repeat("x", 63), strings.Repeat("y", 64), strings.Repeat("z", 1000)} {
		m := hmac.New(sha256.New, kSigning)
		m.Write([]byte(msg))
		want := m.Sum(nil)
		if got := k.Sum(nil, []byte(msg)); !hmac.Equal(got, want) {
			t.Errorf("len %d: prepared HMAC differs from crypto/hmac", len(msg))
		}
	}
}

func TestStateFormat(t *testing.T) {
	k := DeriveKey(docSecret, docTime, "us-east-1", "s3")
	for _, st := range [][]byte{k.appendInnerState(nil), k.appendOuterState(nil)} {
		if len(st) != stateSize || string(st[:4]) != "sha\x03" {
			t.Fatalf("state: len %d magic %q", len(st), st[:4])
		}
	}
}

func TestKeyOnEitherSideOfUTCMidnight(t *testing.T) {
	c := NewKeyCache(0)
	before := time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, time.UTC)
	after := before.Add(time.Nanosecond)
	// Same instants seen from another zone must pick the same UTC day.
	tokyo := time.FixedZone("JST", 9*3600)
	kb := c.Get("AK", "SK", before.In(tokyo), "eu-west-1", "s3")
	ka := c.Get("AK", "SK", after.In(tokyo), "eu-west-1", "s3")
	if kb.date != "20240229" || ka.date != "20240301" {
		t.Fatalf("dates %s / %s", kb.date, ka.date)
	}
	for _, tc := range []struct {
		k *SigningKey
		t time.Time
	}{{kb, before}, {ka, after}} {
		want := DeriveKey("SK", tc.t, "eu-west-1", "s3")
		if hex.EncodeToString(tc.k.Sum(nil, []byte("m"))) != hex.EncodeToString(want.Sum(nil, []byte("m"))) {
			t.Errorf("%s: cached key differs from a fresh derivation", tc.k.date)
		}
	}
	if string(ka.Sum(nil, []byte("m"))) == string(kb.Sum(nil, []byte("m"))) {
		t.Fatal("keys of different days sign alike")
	}
}

func TestCacheReusesAndSeparates(t *testing.T) {
	c := NewKeyCache(0)
	k1 := c.Get("AK", "SK", docTime, "us-east-1", "s3")
	k2 := c.Get("AK", "SK", docTime.Add(3*time.Hour), "us-east-1", "s3")
	if k1 != k2 || c.derivations() != 1 {
		t.Fatalf("same day not reused: derived %d", c.derivations())
	}
	distinct := []*SigningKey{
		k1,
		c.Get("AK2", "SK", docTime, "us-east-1", "s3"),
		c.Get("AK", "SK2", docTime, "us-east-1", "s3"),
		c.Get("AK", "SK", docTime, "us-west-2", "s3"),
		c.Get("AK", "SK", docTime, "us-east-1", "sqs"),
	}
	seen := map[*SigningKey]bool{}
	for _, k := range distinct {
		if seen[k] {
			t.Fatal("two different tuples share a key")
		}
		seen[k] = true
	}
}

func TestCacheGetDoesNotAllocateWhenCached(t *testing.T) {
	c := NewKeyCache(0)
	c.Get("AK", "SK", docTime, "us-east-1", "s3")
	if n := testing.AllocsPerRun(1000, func() { c.Get("AK", "SK", docTime, "us-east-1", "s3") }); n != 0 {
		t.Fatalf("cached Get allocates %v times", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := NewKeyCache(8)
	for day := 0; day < 5; day++ {
		for r := 0; r < 4; r++ {
			c.Get("AK", "SK", docTime.AddDate(0, 0, day), fmt.Sprintf("r%d", r), "s3")
			if c.Len() > 8 {
				t.Fatalf("cache holds %d > 8", c.Len())
			}
		}
	}
	// The newest day's keys must have survived the oldest days' eviction.
	before := c.derivations()
	c.Get("AK", "SK", docTime.AddDate(0, 0, 4), "r3", "s3")
	if c.derivations() != before {
		t.Fatal("the newest day's key was evicted before older days")
	}
	one := NewKeyCache(4)
	for r := 0; r < 20; r++ {
		one.Get("AK", "SK", docTime, fmt.Sprintf("r%d", r), "s3")
		if one.Len() > 4 {
			t.Fatalf("single-day cache holds %d > 4", one.Len())
		}
	}
}

func TestCacheConcurrentUse(t *testing.T) {
	c := NewKeyCache(16)
	var wg sync.WaitGroup
	keys := make([][]*SigningKey, 8)
	for g := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				keys[g] = append(keys[g], c.Get("AK", "SK", docTime.Add(time.Duration(i)*time.Minute), "us-east-1", "s3"))
				c.Get("AK", "SK", docTime.AddDate(0, 0, i%40), fmt.Sprint(i%3), "s3")
			}
		}()
	}
	wg.Wait()
	want := DeriveKey("SK", docTime, "us-east-1", "s3").Sum(nil, []byte("x"))
	for _, ks := range keys {
		for _, k := range ks {
			if !hmac.Equal(k.Sum(nil, []byte("x")), want) {
				t.Fatal("concurrent Get returned a wrong key")
			}
		}
	}
}

func TestNothingPrintsSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	c := NewKeyCache(0)
	k := c.Get("AKIDEXAMPLE", secret, docTime, "us-east-1", "s3")
	kSigning, _ := hex.DecodeString(docKSigning)
	inner := hex.EncodeToString(k.appendInnerState(nil)[4:36])
	for _, v := range []any{k, *k, c, *c} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
			out := fmt.Sprintf(verb, v)
			for _, bad := range []string{secret, "wJalrX", docKSigning, hex.EncodeToString(kSigning[:8]), inner[:16], "AKIDEXAMPLE"} {
				if strings.Contains(strings.ToLower(out), strings.ToLower(bad)) {
					t.Errorf("%s of %T leaks %q: %s", verb, v, bad, out)
				}
			}
		}
	}
}
