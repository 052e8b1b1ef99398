package gcs

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigerr"
)

func suiteKeys(acct *ServiceAccount, hmacKey HMACKey, secret string) Keys {
	return Keys{
		RSA: func(email string) (*rsa.PublicKey, bool) {
			if email == acct.ClientEmail {
				return acct.PublicKey(), true
			}
			return nil, false
		},
		HMAC: func(id string) (string, bool) {
			if id == hmacKey.AccessID {
				return secret, true
			}
			return "", false
		},
	}
}

const testSecret = "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ"

// TestVerifyConformanceURLs: every URL of Google's suite verifies with the
// suite's public key (the signed headers sent along), and the same URL
// with its last signature digit changed does not.
func TestVerifyConformanceURLs(t *testing.T) {
	suite, acct := loadSuite(t), suiteAccount(t)
	v := NewVerifier(suiteKeys(acct, testHMACKey(), testSecret), VerifyOptions{})
	for _, c := range suite.SigningV4Tests {
		t.Run(c.Description, func(t *testing.T) {
			v.Opts.Now = c.Timestamp.Add(5 * time.Second)
			var hs []Header
			for k, val := range c.Headers {
				hs = append(hs, Header{Name: k, Value: val})
			}
			if err := v.PresignedURL(c.Method, c.ExpectedURL, hs); err != nil {
				t.Fatalf("Google's URL does not verify: %v", err)
			}
			bad := flipLast(c.ExpectedURL)
			if err := v.PresignedURL(c.Method, bad, hs); !errors.Is(err, sigerr.ErrSignatureMismatch) {
				t.Fatalf("tampered URL: %v, want signature mismatch", err)
			}
		})
	}
}

func flipLast(u string) string {
	last := u[len(u)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return u[:len(u)-1] + string(repl)
}

type reasonCase struct {
	name    string
	method  string
	url     string
	headers []Header
	now     time.Time
	opts    func(*VerifyOptions)
	keys    func(*Keys)
	want    sigerr.VerifyReason
}

// TestVerifyReasons names the reason for each way a URL goes wrong, for
// both algorithms.
func TestVerifyReasons(t *testing.T) {
	acct := suiteAccount(t)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	keys := suiteKeys(acct, testHMACKey(), testSecret)
	rsaS, err := NewRSASigner(acct, at, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hmacS, err := NewHMACSigner(testHMACKey(), at, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &Presign{Method: "PUT", Bucket: "exports", Object: "2026/11/a b~\u00e9.parquet", Expires: 3600,
		Headers: []Header{{Name: "Content-Type", Value: "application/octet-stream"}},
		Query:   []QueryParam{{Key: "generation", Value: "17"}}}
	hs := []Header{{Name: "content-type", Value: "application/octet-stream"}, {Name: "User-Agent", Value: "x"}}
	for _, s := range []*Signer{rsaS, hmacS} {
		t.Run(s.Algorithm(), func(t *testing.T) {
			good, err := s.PresignURL(p)
			if err != nil {
				t.Fatal(err)
			}
			other := *p
			other.Headers = nil
			unsignedType, err := s.PresignURL(&other)
			if err != nil {
				t.Fatal(err)
			}
			regional, err := NewHMACSigner(testHMACKey(), at, Options{Region: "europe-west4"})
			if err != nil {
				t.Fatal(err)
			}
			regionalURL, err := regional.PresignURL(p)
			if err != nil {
				t.Fatal(err)
			}
			cases := []reasonCase{
				{name: "good", url: good},
				{name: "good, ~ sent as %7E", url: strings.Replace(good, "~", "%7E", 1)},
				{name: "good, lower-case hex in the path", url: strings.Replace(good, "%C3%A9", "%c3%a9", 1)},
				{name: "good at the last second", url: good, now: at.Add(time.Hour)},
				{name: "good with a signer clock 10 min ahead", url: good, now: at.Add(-10 * time.Minute)},
				{name: "signature changed", url: flipLast(good), want: sigerr.ErrSignatureMismatch},
				{name: "signature not hex", url: good[:len(good)-1] + "z", want: sigerr.ErrSignatureMismatch},
				{name: "signature truncated", url: good[:len(good)-2], want: sigerr.ErrSignatureMismatch},
				{name: "method changed", method: "GET", url: good, want: sigerr.ErrSignatureMismatch},
				{name: "object changed", url: strings.Replace(good, "a%20b", "a%20c", 1), want: sigerr.ErrSignatureMismatch},
				{name: "host changed", url: strings.Replace(good, "storage.googleapis.com", "storage.example.com", 1), want: sigerr.ErrSignatureMismatch},
				{name: "query added", url: strings.Replace(good, "?", "?alt=json&", 1), want: sigerr.ErrSignatureMismatch},
				{name: "query value changed", url: strings.Replace(good, "generation=17", "generation=18", 1), want: sigerr.ErrSignatureMismatch},
				{name: "expires stretched", url: strings.Replace(good, "X-Goog-Expires=3600", "X-Goog-Expires=7200", 1), want: sigerr.ErrSignatureMismatch},
				{name: "signed header value changed", url: good, headers: []Header{{Name: "Content-Type", Value: "text/html"}}, want: sigerr.ErrSignatureMismatch},
				{name: "signed header missing", url: good, headers: []Header{}, want: sigerr.ErrMalformed},
				{name: "signed header twice", url: good, headers: append(hs[:1:1], Header{Name: "Content-Type", Value: "x"}), want: sigerr.ErrMalformed},
				{name: "unsigned header sent", url: unsignedType},
				{name: "expired", url: good, now: at.Add(time.Hour + time.Second), want: sigerr.ErrExpired},
				{name: "not yet valid", url: good, now: at.Add(-16 * time.Minute), want: sigerr.ErrNotYetValid},
				{name: "unknown key", url: good, keys: func(k *Keys) { k.RSA, k.HMAC = nil, nil }, want: sigerr.ErrUnknownKey},
				{name: "region required", url: good, opts: func(o *VerifyOptions) { o.Region = "us-east1" }, want: sigerr.ErrWrongScope},
				{name: "scope date is not X-Goog-Date's", url: strings.Replace(good, "%2F20261123%2F", "%2F20261122%2F", 1), want: sigerr.ErrWrongScope},
				{name: "scope service", url: strings.Replace(good, "%2Fstorage%2F", "%2Fs3%2F", 1), want: sigerr.ErrWrongScope},
				{name: "scope terminator", url: strings.Replace(good, "goog4_request", "aws4_request", 1), want: sigerr.ErrMalformed},
				{name: "host not signed", url: strings.Replace(good, "X-Goog-SignedHeaders=content-type%3Bhost", "X-Goog-SignedHeaders=content-type", 1), want: sigerr.ErrUnsignedHeader},
				{name: "signed headers unsorted", url: strings.Replace(good, "X-Goog-SignedHeaders=content-type%3Bhost", "X-Goog-SignedHeaders=host%3Bcontent-type", 1), want: sigerr.ErrMalformed},
				{name: "algorithm unknown", url: strings.Replace(good, "GOOG4-", "AWS4-", 1), want: sigerr.ErrMalformed},
				{name: "date malformed", url: strings.Replace(good, "X-Goog-Date=20261123T100000Z", "X-Goog-Date=2026-11-23", 1), want: sigerr.ErrMalformed},
				{name: "expires over 7 days", url: strings.Replace(good, "X-Goog-Expires=3600", "X-Goog-Expires=604801", 1), want: sigerr.ErrMalformed},
				{name: "expires zero", url: strings.Replace(good, "X-Goog-Expires=3600", "X-Goog-Expires=0", 1), want: sigerr.ErrMalformed},
				{name: "parameter twice", url: good + "&x-goog-date=20261123T100000Z", want: sigerr.ErrMalformed},
				{name: "signature missing", url: good[:strings.LastIndex(good, "&X-Goog-Signature")], want: sigerr.ErrMalformed},
				{name: "bad escape", url: strings.Replace(good, "generation=17", "generation=%zz", 1), want: sigerr.ErrMalformed},
				{name: "bad escape in path", url: strings.Replace(good, "a%20b", "a%2", 1), want: sigerr.ErrMalformed},
				{name: "not a URL", url: "storage.googleapis.com/x", want: sigerr.ErrMalformed},
				{name: "ftp", url: strings.Replace(good, "https", "ftp", 1), want: sigerr.ErrMalformed},
				{name: "method lower case", method: "put", url: good, want: sigerr.ErrMalformed},
			}
			if s.Algorithm() == AlgorithmHMAC {
				cases = append(cases,
					reasonCase{name: "regional key", url: regionalURL, opts: func(o *VerifyOptions) { o.Region = "europe-west4" }},
					reasonCase{name: "regional key, region claimed auto", url: strings.Replace(regionalURL, "%2Feurope-west4%2F", "%2Fauto%2F", 1), want: sigerr.ErrSignatureMismatch},
					reasonCase{name: "upper-case hex signature", url: good[:strings.LastIndex(good, "=")+1] + strings.ToUpper(good[strings.LastIndex(good, "=")+1:])},
				)
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					method := c.method
					if method == "" {
						method = "PUT"
					}
					headers := hs
					if c.headers != nil {
						headers = c.headers
					}
					now := c.now
					if now.IsZero() {
						now = at.Add(time.Minute)
					}
					k := keys
					if c.keys != nil {
						c.keys(&k)
					}
					o := VerifyOptions{Now: now}
					if c.opts != nil {
						c.opts(&o)
					}
					err := NewVerifier(k, o).PresignedURL(method, c.url, headers)
					if got := sigerr.ReasonOf(err); got != c.want {
						t.Fatalf("reason %v (%v), want %v\n%s", got, err, c.want, c.url)
					}
					if c.want != 0 && !errors.Is(err, c.want) {
						t.Fatalf("errors.Is(%v, %v) is false", err, c.want)
					}
					if err != nil && strings.Contains(err.Error(), testSecret) {
						t.Fatalf("error quotes the secret: %v", err)
					}
				})
			}
		})
	}
}

// TestVerifyLowerCaseNames: Cloud Storage reads X-Goog-* names in any case
// and gsutil writes them in lower case, signature first. A URL built that
// way by hand (canonical request, key chain and all, without the package's
// signer) verifies.
func TestVerifyLowerCaseNames(t *testing.T) {
	const (
		id   = "GOOG1EEXAMPLEACCESSID"
		date = "20261123T100000Z"
	)
	query := "x-goog-algorithm=GOOG4-HMAC-SHA256&x-goog-credential=GOOG1EEXAMPLEACCESSID%2F20261123%2Fauto%2Fstorage%2Fgoog4_request&x-goog-date=20261123T100000Z&x-goog-expires=600&x-goog-signedheaders=host"
	cr := "GET\n/b/o\n" + query + "\nhost:storage.googleapis.com\n\nhost\nUNSIGNED-PAYLOAD"
	sum := sha256.Sum256([]byte(cr))
	sts := "GOOG4-HMAC-SHA256\n" + date + "\n20261123/auto/storage/goog4_request\n" + hex.EncodeToString(sum[:])
	sig := referenceHMAC(testSecret, "20261123", "auto", sts)
	url := "https://storage.googleapis.com/b/o?x-goog-signature=" + sig + "&" + query
	keys := Keys{HMAC: func(k string) (string, bool) { return testSecret, k == id }}
	v := NewVerifier(keys, VerifyOptions{Now: time.Date(2026, 11, 23, 10, 1, 0, 0, time.UTC)})
	if err := v.PresignedURL("GET", url, nil); err != nil {
		t.Fatalf("%v\n%s", err, url)
	}
	if err := v.PresignedURL("GET", strings.Replace(url, "/b/o", "/b/p", 1), nil); !errors.Is(err, sigerr.ErrSignatureMismatch) {
		t.Fatalf("tampered: %v", err)
	}
}

// TestVerifierCachesHMACSigners: a batch of URLs from one key and instant
// derives the key once.
func TestVerifierCachesHMACSigners(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	s, _ := NewHMACSigner(testHMACKey(), at, Options{})
	v := NewVerifier(suiteKeys(suiteAccount(t), testHMACKey(), testSecret), VerifyOptions{Now: at})
	for _, obj := range []string{"a", "b", "c"} {
		u, err := s.PresignURL(&Presign{Bucket: "b", Object: obj, Expires: 60})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.PresignedURL("GET", u, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.signers) != 1 {
		t.Fatalf("%d cached signers, want 1", len(v.signers))
	}
}
