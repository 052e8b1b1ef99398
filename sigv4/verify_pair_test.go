package sigv4

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// errText is err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// checkPairMatchesSingle: PresignedURLPair's verdicts are the two
// PresignedURL verdicts, word for word, with either URL first.
func checkPairMatchesSingle(t *testing.T, pair, single *Verifier, u0, u1 string) {
	t.Helper()
	for _, us := range [][2]string{{u0, u1}, {u1, u0}} {
		want0 := errText(single.PresignedURL("GET", us[0], nil, ""))
		want1 := errText(single.PresignedURL("GET", us[1], nil, ""))
		e0, e1 := pair.PresignedURLPair("GET", us[0], nil, "GET", us[1], nil)
		if errText(e0) != want0 || errText(e1) != want1 {
			t.Fatalf("pair (%q, %q), singles (%q, %q)\n%s\n%s", errText(e0), errText(e1), want0, want1, us[0], us[1])
		}
	}
}

// pairCases are URLs of several regions, tokens and shapes, valid and not.
func pairCases(t *testing.T) []string {
	urls := manifestURLs(t, 24)
	tok := newS3Signer(t, "tok/en+=")
	u, err := tok.AppendPresignS3(nil, &S3Presign{Host: "b.s3.us-east-1.amazonaws.com", Key: strings.Repeat("k/", 300), Expires: 60,
		Query: []QueryParam{{Key: "versionId", Value: "v1"}}})
	if err != nil {
		t.Fatal(err)
	}
	long := string(u)
	expired := strings.Replace(urls[1], "X-Amz-Expires=", "X-Amz-Expires=1", 1) // a mismatch, and reported as one
	return append(urls, long, tamperLast(long), tamperLast(urls[0]), expired,
		"https://b.s3.amazonaws.com/k", "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256",
		strings.Replace(urls[2], "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Bx-amz-meta", 1),
		strings.Replace(urls[3], "/exports", "/%zz", 1), "not a url", "")
}

func TestPresignedURLPairMatchesSingle(t *testing.T) {
	lookup := lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey)
	cases := pairCases(t)
	for _, now := range []time.Time{docTime, docTime.Add(2 * time.Hour), docTime.Add(-time.Hour)} {
		pair := NewVerifier(lookup, VerifyOptions{Now: now})
		single := NewVerifier(lookup, VerifyOptions{Now: now})
		for _, u0 := range cases {
			for _, u1 := range cases {
				checkPairMatchesSingle(t, pair, single, u0, u1)
			}
		}
	}
}

// TestPresignedURLPairValid: a pair of good URLs of different regions is
// valid in both lanes, and a one-byte change to the signature in either lane
// is a mismatch in that lane alone.
func TestPresignedURLPairValid(t *testing.T) {
	urls := manifestURLs(t, 8)
	v := NewVerifier(lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey), VerifyOptions{Now: docTime})
	for i := 0; i+1 < len(urls); i++ {
		if e0, e1 := v.PresignedURLPair("GET", urls[i], nil, "GET", urls[i+1], nil); e0 != nil || e1 != nil {
			t.Fatalf("%v, %v\n%s\n%s", e0, e1, urls[i], urls[i+1])
		}
		if e0, e1 := v.PresignedURLPair("GET", tamperLast(urls[i]), nil, "GET", urls[i+1], nil); e0 == nil || e1 != nil {
			t.Fatalf("tampered first: %v, %v", e0, e1)
		}
		if e0, e1 := v.PresignedURLPair("GET", urls[i], nil, "GET", tamperLast(urls[i+1]), nil); e0 != nil || e1 == nil {
			t.Fatalf("tampered second: %v, %v", e0, e1)
		}
	}
}

func TestPresignedURLPairAllocatesNothing(t *testing.T) {
	if !sha256block.BlockHMAC() {
		t.Skip("the pair path runs on sha256block only")
	}
	urls := manifestURLs(t, 8)
	v := NewVerifier(lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey), VerifyOptions{Now: docTime})
	for i := range urls { // every region's Signer made and its scratch grown
		v.PresignedURLPair("GET", urls[i], nil, "GET", urls[(i+1)%8], nil)
	}
	i := 0
	n := testing.AllocsPerRun(100, func() {
		e0, e1 := v.PresignedURLPair("GET", urls[i%8], nil, "GET", urls[(i+1)%8], nil)
		if e0 != nil || e1 != nil {
			panic(fmt.Sprint(e0, e1))
		}
		i += 2
	})
	if n != 0 {
		t.Errorf("%v allocations per pair", n)
	}
}

// FuzzPresignedURLPair: for any two URLs made from presigned ones by a
// one-byte change (or none), the pair's verdicts are the singles'.
func FuzzPresignedURLPair(f *testing.F) {
	f.Add(uint8(0), uint16(0), byte(0), uint8(1), uint16(0), byte(0))
	f.Add(uint8(3), uint16(70), byte('Z'), uint8(4), uint16(9), byte('%'))
	f.Add(uint8(5), uint16(400), byte('&'), uint8(5), uint16(401), byte('='))
	urls := manifestURLs(f, 12)
	lookup := lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey)
	pair := NewVerifier(lookup, VerifyOptions{Now: docTime})
	single := NewVerifier(lookup, VerifyOptions{Now: docTime})
	change := func(u string, pos uint16, b byte) string {
		if b == 0 {
			return u
		}
		i := int(pos) % len(u)
		return u[:i] + string(b) + u[i+1:]
	}
	f.Fuzz(func(t *testing.T, i0 uint8, pos0 uint16, b0 byte, i1 uint8, pos1 uint16, b1 byte) {
		u0 := change(urls[int(i0)%len(urls)], pos0, b0)
		u1 := change(urls[int(i1)%len(urls)], pos1, b1)
		checkPairMatchesSingle(t, pair, single, u0, u1)
	})
}

// TestPresignedURLPairStringsToSignOfUnequalBlocks: a region long enough to
// push its string to sign's unabsorbed rest into one more block than
// us-east-1's (prefix 120–127 bytes) takes the pair's one-lane-each inner
// step; both verdicts stay the singles'.
func TestPresignedURLPairStringsToSignOfUnequalBlocks(t *testing.T) {
	region := strings.Repeat("r", 62) // prefix 60 + 62 bytes: rest 58, three blocks with the hex hash
	var urls []string
	for _, r := range []string{"us-east-1", region} {
		s, err := NewSigner(docCreds, nil, docTime, Options{Region: r, Service: "s3"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.AppendPresignS3(nil, &S3Presign{Host: "bucket.example.com", Key: "k", Expires: 600})
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, string(u))
	}
	v := NewVerifier(lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey), VerifyOptions{Now: docTime})
	for _, p := range [][2]string{{urls[0], urls[1]}, {urls[1], urls[0]}} {
		if e0, e1 := v.PresignedURLPair("GET", p[0], nil, "GET", p[1], nil); e0 != nil || e1 != nil {
			t.Fatalf("%v, %v\n%s\n%s", e0, e1, p[0], p[1])
		}
		if e0, e1 := v.PresignedURLPair("GET", p[0], nil, "GET", tamperLast(p[1]), nil); e0 != nil || e1 == nil {
			t.Fatalf("tampered second: %v, %v", e0, e1)
		}
	}
}
