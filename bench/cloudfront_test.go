package bench

import (
	"crypto/rsa"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/cloudfront"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/internal/vectors"

	cfsign "github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"
)

// The CloudFront differential: batchsign's cloudfront package against
// aws-sdk-go-v2's feature/cloudfront/sign on hostile URLs (keys made of
// rows_test.go's pieces, percent-encoded as a viewer sends them, with raw
// sub-delimiters and queries mixed in). Canned URLs must be equal byte for
// byte; custom policies equal as JSON values, and each implementation's
// signature must verify with batchsign's Verifier; cookies alike.

const cfDomain = "https://d111111abcdef8.cloudfront.net"

// cfRowCount is the differential's size (two RSA signatures per URL).
func cfRowCount() int {
	if testing.Short() {
		return 200
	}
	return 1000
}

// cfPathMarks are bytes a viewer may send raw in a path (RFC 3986 pchar
// beyond the unreserved), which the URL keeps as written.
var cfPathMarks = []string{"!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "%2F", "%25", "//", "/./", "/../"}

// genCloudFrontURL builds a hostile distribution URL.
func genCloudFrontURL(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(cfDomain)
	b.WriteByte('/')
	for range 1 + r.IntN(4) {
		key := genKey(r)
		for !utf8Valid(key) {
			key = genKey(r)
		}
		b.WriteString(sigcore.URIEscape(key, true))
		if r.IntN(2) == 0 {
			b.WriteString(cfPathMarks[r.IntN(len(cfPathMarks))])
		}
	}
	if r.IntN(3) == 0 {
		b.WriteString("?response-content-disposition=" + sigcore.URIEscape(dispositions[r.IntN(len(dispositions))], false))
		if r.IntN(2) == 0 {
			b.WriteString("&v=" + sigcore.URIEscape(genValue(r), false) + "&flag")
		}
	}
	return b.String()
}

func utf8Valid(s string) bool { return sigcore.CheckUTF8(s) == nil }

// queryParam returns the value of name in a URL's query.
func queryParam(u, name string) string {
	_, q, _ := strings.Cut(u, "?")
	v := ""
	for part := range strings.SplitSeq(q, "&") {
		if k, val, _ := strings.Cut(part, "="); k == name {
			v = val
		}
	}
	return v
}

// policyJSON decodes a Policy parameter or cookie to a JSON value.
func policyJSON(t *testing.T, enc string) any {
	t.Helper()
	raw, err := base64CloudFront(enc)
	if err != nil {
		t.Fatalf("policy %q: %v", enc, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("policy %s: %v", raw, err)
	}
	return v
}

func TestCloudFrontDifferentialAgainstAWSSDK(t *testing.T) {
	key, err := cloudfront.ParsePrivateKeyPEM(vectors.Read(t, "cloudfront/private_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cloudfront.NewSigner("K2JCJMDEHXQW5F", key)
	if err != nil {
		t.Fatal(err)
	}
	sdk := cfsign.NewURLSigner("K2JCJMDEHXQW5F", key)
	sdkCookies := cfsign.NewCookieSigner("K2JCJMDEHXQW5F", key)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	v := cloudfront.NewVerifier(func(id string) (*rsa.PublicKey, bool) { return s.PublicKey(), id == "K2JCJMDEHXQW5F" }, cloudfront.VerifyOptions{Now: now})
	r := rand.New(rand.NewPCG(16, 2026))
	var canned, custom, cookies, byteEqualCustom int
	for i := range cfRowCount() {
		u := genCloudFrontURL(r)
		exp := now.Add(time.Duration(1+r.IntN(400*86400)) * time.Second) // past 7 days too
		if i%2 == 0 {
			ours, err := s.SignedURL(u, &cloudfront.Policy{Expires: exp})
			if err != nil {
				t.Fatalf("batchsign refused %q: %v", u, err)
			}
			theirs, err := sdk.Sign(u, exp)
			if err != nil {
				t.Fatalf("SDK refused %q: %v", u, err)
			}
			if ours != theirs {
				t.Fatalf("canned URL differs\nbatchsign %s\nSDK       %s", ours, theirs)
			}
			if err := v.SignedURL(ours); err != nil {
				t.Fatalf("verify %s: %v", ours, err)
			}
			canned++
			continue
		}
		// A custom policy: the URL's folder as a wildcard, or the URL, a
		// start time, an address range, in random combination.
		p := cloudfront.Policy{Expires: exp}
		sp := cfsign.Statement{Condition: cfsign.Condition{DateLessThan: cfsign.NewAWSEpochTime(exp)}}
		path, _, _ := strings.Cut(u, "?")
		p.Resource = path[:strings.LastIndexByte(path, '/')+1] + "*"
		if r.IntN(4) == 0 {
			p.Resource = u
		}
		sp.Resource = p.Resource
		if r.IntN(2) == 0 {
			p.NotBefore = now.Add(-time.Duration(r.IntN(86400)+1) * time.Second)
			sp.Condition.DateGreaterThan = cfsign.NewAWSEpochTime(p.NotBefore)
		}
		if r.IntN(2) == 0 {
			p.SourceIP = []string{"192.0.2.0/24", "198.51.100.7/32", "2001:db8::/32", "0.0.0.0/0"}[r.IntN(4)]
			sp.Condition.IPAddress = &cfsign.IPAddress{SourceIP: p.SourceIP}
		}
		if strings.Contains(p.Resource[:len(p.Resource)-1], "*") && p.Resource != u {
			continue // a '*' in the folder is itself a wildcard: not a folder policy
		}
		pol := &cfsign.Policy{Statements: []cfsign.Statement{sp}}
		if i%10 == 1 {
			ours, err := s.SignedCookies(&p)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := sdkCookies.SignWithPolicy(pol)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range theirs {
				got[c.Name] = c.Value
			}
			if !reflect.DeepEqual(policyJSON(t, ours.Policy), policyJSON(t, got[cloudfront.CookiePolicy])) ||
				ours.Signature != got[cloudfront.CookieSignature] || ours.KeyPairID != got[cloudfront.CookieKeyPairID] {
				t.Fatalf("cookies differ\nbatchsign %+v\nSDK       %v", ours, got)
			}
			if err := v.Verify(&cloudfront.Request{URL: u, Cookies: cloudfront.Cookies{Policy: got[cloudfront.CookiePolicy], Signature: got[cloudfront.CookieSignature], KeyPairID: got[cloudfront.CookieKeyPairID]}}); err != nil {
				t.Fatalf("SDK cookies for %s: %v", u, err)
			}
			cookies++
			continue
		}
		ours, err := s.SignedURL(u, &p)
		if err != nil {
			t.Fatalf("batchsign refused %q %+v: %v", u, p, err)
		}
		theirs, err := sdk.SignWithPolicy(u, pol)
		if err != nil {
			t.Fatalf("SDK refused %q: %v", u, err)
		}
		if !reflect.DeepEqual(policyJSON(t, queryParam(ours, "Policy")), policyJSON(t, queryParam(theirs, "Policy"))) {
			t.Fatalf("custom policies differ\nbatchsign %s\nSDK       %s", ours, theirs)
		}
		for _, signed := range []string{ours, theirs} {
			if err := v.SignedURL(signed); err != nil {
				t.Fatalf("verify %s: %v", signed, err)
			}
		}
		if ours == theirs {
			byteEqualCustom++
		}
		custom++
	}
	t.Logf("%d canned URLs equal byte for byte; %d custom policies equal as JSON (%d byte for byte), both signatures verified; %d cookie sets equal", canned, custom, byteEqualCustom, cookies)
	if canned == 0 || custom == 0 || cookies == 0 {
		t.Fatal("a kind was not compared")
	}
}

// BenchmarkCloudFrontCannedURL compares one canned-policy signed URL (RSA
// SHA-1 with the test vectors' 2048-bit key, an expiry a day away):
// batchsign's cloudfront.Signer appending into a reused buffer against
// aws-sdk-go-v2's feature/cloudfront/sign URLSigner.Sign, which returns a
// string. Both write the same URL (TestCloudFrontDifferentialAgainstAWSSDK);
// the RSA operation is most of either.
func BenchmarkCloudFrontCannedURL(b *testing.B) {
	const u = cfDomain + "/exports/2026/11/23/part-00042.parquet"
	exp := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	key, err := cloudfront.ParsePrivateKeyPEM(vectors.Read(b, "cloudfront/private_key.pem"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=batchsign", func(b *testing.B) {
		s, err := cloudfront.NewSigner("K2JCJMDEHXQW5F", key)
		if err != nil {
			b.Fatal(err)
		}
		p := &cloudfront.Policy{Expires: exp}
		dst := make([]byte, 0, 1024)
		b.ReportAllocs()
		for b.Loop() {
			if dst, err = s.AppendSignedURL(dst[:0], u, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=awssdk", func(b *testing.B) {
		s := cfsign.NewURLSigner("K2JCJMDEHXQW5F", key)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Sign(u, exp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
