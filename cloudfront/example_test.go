package cloudfront_test

import (
	"crypto/rsa"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/batchsign/batchsign/cloudfront"
)

func newSigner() *cloudfront.Signer {
	pemBytes, err := os.ReadFile("../testdata/cloudfront/private_key.pem") // mode 0600 in real use
	if err != nil {
		log.Fatal(err)
	}
	key, err := cloudfront.ParsePrivateKeyPEM(pemBytes)
	if err != nil {
		log.Fatal(err)
	}
	s, err := cloudfront.NewSigner("K2JCJMDEHXQW5F", key)
	if err != nil {
		log.Fatal(err)
	}
	return s
}

// A canned policy: the URL as the viewer will request it, and an expiry.
func ExampleSigner_SignedURL() {
	s := newSigner()
	expires := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) // no 7-day limit
	u, err := s.SignedURL("https://d111111abcdef8.cloudfront.net/exports/2026%2011/report.csv?v=3", &cloudfront.Policy{Expires: expires})
	if err != nil {
		log.Fatal(err)
	}
	base, sig, _ := strings.Cut(u, "&Signature=")
	_, keyID, _ := strings.Cut(sig, "&Key-Pair-Id=")
	fmt.Println(base)
	fmt.Println(keyID)
	// Output:
	// https://d111111abcdef8.cloudfront.net/exports/2026%2011/report.csv?v=3&Expires=1798761600
	// K2JCJMDEHXQW5F
}

// A custom policy with a wildcard resource: one signature for a whole
// folder, from one address range, from a start time.
func ExampleSigner_AppendSignature() {
	s := newSigner()
	p := &cloudfront.Policy{
		Resource:  "https://d111111abcdef8.cloudfront.net/exports/42/*",
		Expires:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		NotBefore: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		SourceIP:  "192.0.2.0/24",
	}
	params, err := s.AppendSignature(nil, "", p)
	if err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"a.csv", "b/c.csv"} {
		u := "https://d111111abcdef8.cloudfront.net/exports/42/" + name + "?" + string(params)
		v := cloudfront.NewVerifier(func(string) (*rsa.PublicKey, bool) { return s.PublicKey(), true },
			cloudfront.VerifyOptions{Now: time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)})
		fmt.Println(name, v.SignedURL(u))
	}
	// Output:
	// a.csv <nil>
	// b/c.csv <nil>
}

// Signed cookies hand a browser a whole folder.
func ExampleSigner_SignedCookies() {
	s := newSigner()
	c, err := s.SignedCookies(&cloudfront.Policy{
		Resource: "https://d111111abcdef8.cloudfront.net/exports/42/*",
		Expires:  time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cloudfront.CookieKeyPairID + "=" + c.KeyPairID)
	fmt.Println(cloudfront.CookiePolicy+"=", len(c.Policy) > 0, cloudfront.CookieSignature+"=", len(c.Signature) > 0)
	// Output:
	// CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F
	// CloudFront-Policy= true CloudFront-Signature= true
}
