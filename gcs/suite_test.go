package gcs

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"
)

// suiteFile is testdata/gcs-conformance/v4_signatures.json: Google's V4
// signing conformance tests (googleapis/conformance-tests storage/v1).
type suiteFile struct {
	SigningV4Tests    []suiteCase      `json:"signingV4Tests"`
	PostPolicyV4Tests []postPolicyCase `json:"postPolicyV4Tests"`
}

type suiteCase struct {
	Description         string            `json:"description"`
	Bucket              string            `json:"bucket"`
	Object              string            `json:"object"`
	Method              string            `json:"method"`
	Expiration          int64             `json:"expiration"`
	Timestamp           time.Time         `json:"timestamp"`
	Scheme              string            `json:"scheme"`
	Headers             map[string]string `json:"headers"`
	QueryParameters     map[string]string `json:"queryParameters"`
	URLStyle            string            `json:"urlStyle"`
	BucketBoundHostname string            `json:"bucketBoundHostname"`
	Hostname            string            `json:"hostname"`
	ClientEndpoint      string            `json:"clientEndpoint"`
	EmulatorHostname    string            `json:"emulatorHostname"`
	UniverseDomain      string            `json:"universeDomain"`

	ExpectedURL              string `json:"expectedUrl"`
	ExpectedCanonicalRequest string `json:"expectedCanonicalRequest"`
	ExpectedStringToSign     string `json:"expectedStringToSign"`
}

// postPolicyCase is one of the suite's postPolicyV4Tests.
type postPolicyCase struct {
	Description string `json:"description"`
	PolicyInput struct {
		Scheme              string           `json:"scheme"`
		URLStyle            string           `json:"urlStyle"`
		BucketBoundHostname string           `json:"bucketBoundHostname"`
		Bucket              string           `json:"bucket"`
		Object              string           `json:"object"`
		Expiration          int64            `json:"expiration"`
		Timestamp           time.Time        `json:"timestamp"`
		Fields              json.RawMessage  `json:"fields"`
		Conditions          map[string][]any `json:"conditions"`
	} `json:"policyInput"`
	PolicyOutput struct {
		URL                   string            `json:"url"`
		Fields                map[string]string `json:"fields"`
		ExpectedDecodedPolicy string            `json:"expectedDecodedPolicy"`
	} `json:"policyOutput"`
}

func loadSuite(t testing.TB) suiteFile {
	t.Helper()
	var f suiteFile
	if err := json.Unmarshal(vectors.Read(t, "gcs-conformance/v4_signatures.json"), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.SigningV4Tests) != 29 || len(f.PostPolicyV4Tests) != 11 {
		t.Fatalf("suite has %d signing and %d policy cases, want 29 and 11", len(f.SigningV4Tests), len(f.PostPolicyV4Tests))
	}
	return f
}

func suiteAccount(t testing.TB) *ServiceAccount {
	t.Helper()
	a, err := ParseServiceAccountJSON(vectors.Read(t, "gcs-conformance/test_service_account.not-a-test.json"))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// presign maps a case's inputs to a Presign the way Google's clients map
// their options: an explicit hostname wins over the client's endpoint,
// which wins over the emulator host, which wins over the universe domain
// ("storage." + domain); an endpoint given as a URL brings its scheme.
func (c *suiteCase) presign() *Presign {
	p := &Presign{Method: c.Method, Bucket: c.Bucket, Object: c.Object, Expires: c.Expiration, Scheme: c.Scheme}
	endpoint := ""
	for _, e := range []string{c.Hostname, c.ClientEndpoint, c.EmulatorHostname} {
		if e != "" {
			endpoint = e
			break
		}
	}
	if endpoint == "" && c.UniverseDomain != "" {
		endpoint = "storage." + c.UniverseDomain
	}
	if scheme, host, ok := strings.Cut(endpoint, "://"); ok {
		endpoint = host
		if p.Scheme == "" {
			p.Scheme = scheme
		}
	}
	p.Host = endpoint
	switch c.URLStyle {
	case "VIRTUAL_HOSTED_STYLE":
		p.Style = VirtualHostedStyle
	case "BUCKET_BOUND_HOSTNAME":
		p.Style, p.Host = BucketBoundHostname, c.BucketBoundHostname
	}
	for k, v := range c.Headers {
		p.Headers = append(p.Headers, Header{Name: k, Value: v})
	}
	for k, v := range c.QueryParameters {
		p.Query = append(p.Query, QueryParam{Key: k, Value: v})
	}
	return p
}

// suiteCanonicalRequest is the case's canonical request, corrected where
// the suite is inconsistent with itself (see
// TestSuiteUniverseVirtualHostedCanonicalRequestIsWrong).
func (c *suiteCase) canonicalRequest() string {
	if c.Description == "Universe domain with virtual hosted style" {
		return strings.Replace(c.ExpectedCanonicalRequest, "\n/test-bucket/test-object\n", "\n/test-object\n", 1)
	}
	return c.ExpectedCanonicalRequest
}

// TestConformanceSigningV4 is Google's suite: for each of the 29 cases the
// canonical request, the string to sign and the whole URL, RSA signature
// included, byte for byte.
func TestConformanceSigningV4(t *testing.T) {
	suite, acct := loadSuite(t), suiteAccount(t)
	for _, c := range suite.SigningV4Tests {
		t.Run(c.Description, func(t *testing.T) {
			s, err := NewRSASigner(acct, c.Timestamp, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := c.presign()
			got, err := s.Explain(p)
			if err != nil {
				t.Fatal(err)
			}
			if want := c.canonicalRequest(); got.CanonicalRequest != want {
				t.Errorf("canonical request:\n got %q\nwant %q", got.CanonicalRequest, want)
			}
			if got.StringToSign != c.ExpectedStringToSign {
				t.Errorf("string to sign:\n got %q\nwant %q", got.StringToSign, c.ExpectedStringToSign)
			}
			url, err := s.PresignURL(p)
			if err != nil {
				t.Fatal(err)
			}
			if url != c.ExpectedURL {
				t.Errorf("URL:\n got %s\nwant %s", url, c.ExpectedURL)
			}
		})
	}
}

// TestSuiteUniverseVirtualHostedCanonicalRequestIsWrong records the one
// inconsistency in Google's suite: "Universe domain with virtual hosted
// style" expects the canonical path /test-bucket/test-object, but its own
// string to sign hashes the canonical request with /test-object (the path
// its URL https://test-bucket.storage.domain.com/test-object sends), and
// its URL's signature is over that string to sign. The path-style path in a
// virtual-hosted request would never verify; we sign what the URL sends.
func TestSuiteUniverseVirtualHostedCanonicalRequestIsWrong(t *testing.T) {
	suite, acct := loadSuite(t), suiteAccount(t)
	wrong := 0
	for _, c := range suite.SigningV4Tests {
		hashLine := c.ExpectedStringToSign[strings.LastIndexByte(c.ExpectedStringToSign, '\n')+1:]
		sum := sha256.Sum256([]byte(c.ExpectedCanonicalRequest))
		if hex.EncodeToString(sum[:]) == hashLine {
			continue
		}
		wrong++
		if c.Description != "Universe domain with virtual hosted style" {
			t.Errorf("%s: the expected canonical request does not hash to the string to sign", c.Description)
		}
		fixed := sha256.Sum256([]byte(c.canonicalRequest()))
		if hex.EncodeToString(fixed[:]) != hashLine {
			t.Errorf("%s: the corrected canonical request does not hash to the string to sign either", c.Description)
		}
		// The URL's signature is Google's key over the expected string to
		// sign: the corrected request is what was signed.
		sig, err := hex.DecodeString(c.ExpectedURL[strings.LastIndex(c.ExpectedURL, "X-Goog-Signature=")+len("X-Goog-Signature="):])
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256([]byte(c.ExpectedStringToSign))
		if err := rsaVerify(acct.PublicKey(), digest[:], sig); err != nil {
			t.Errorf("%s: URL signature does not verify over the expected string to sign: %v", c.Description, err)
		}
	}
	if wrong != 1 {
		t.Errorf("%d inconsistent cases, want exactly 1: update this test and testdata/gcs-conformance/SOURCE.md", wrong)
	}
}

// testHMACKey is a made-up HMAC key whose access ID is the suite's service
// account email, so that HMAC canonical requests differ from the suite's
// only in X-Goog-Algorithm.
func testHMACKey() HMACKey {
	return NewHMACKey("test-iam-credentials@dummy-project-id.iam.gserviceaccount.com", "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ")
}

// referenceHMAC is the GOOG4 key chain and signature computed with
// crypto/hmac directly, apart from the package's own code.
func referenceHMAC(secret, day, region, sts string) string {
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	k := mac([]byte("GOOG4"+secret), day)
	k = mac(k, region)
	k = mac(k, "storage")
	k = mac(k, "goog4_request")
	return hex.EncodeToString(mac(k, sts))
}

// TestConformanceSigningV4HMAC proves GOOG4-HMAC-SHA256 from the suite's own
// canonical requests (it has no HMAC cases): for each of the 29 cases the
// canonical request is the suite's with X-Goog-Algorithm=GOOG4-HMAC-SHA256,
// the string to sign is the suite's with that algorithm and that request's
// hash, the signature is the key chain computed by crypto/hmac here, and the
// URL is the suite's with the algorithm and the signature swapped.
func TestConformanceSigningV4HMAC(t *testing.T) {
	suite := loadSuite(t)
	key := testHMACKey()
	for _, c := range suite.SigningV4Tests {
		t.Run(c.Description, func(t *testing.T) {
			s, err := NewHMACSigner(key, c.Timestamp, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := c.presign()
			got, err := s.Explain(p)
			if err != nil {
				t.Fatal(err)
			}
			const rsaAlg, hmacAlg = "X-Goog-Algorithm=GOOG4-RSA-SHA256", "X-Goog-Algorithm=GOOG4-HMAC-SHA256"
			wantCR := strings.Replace(c.canonicalRequest(), rsaAlg, hmacAlg, 1)
			if got.CanonicalRequest != wantCR {
				t.Errorf("canonical request:\n got %q\nwant %q", got.CanonicalRequest, wantCR)
			}
			sum := sha256.Sum256([]byte(wantCR))
			lines := strings.Split(c.ExpectedStringToSign, "\n")
			wantSTS := AlgorithmHMAC + "\n" + lines[1] + "\n" + lines[2] + "\n" + hex.EncodeToString(sum[:])
			if got.StringToSign != wantSTS {
				t.Errorf("string to sign:\n got %q\nwant %q", got.StringToSign, wantSTS)
			}
			wantSig := referenceHMAC("bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ", c.Timestamp.Format("20060102"), "auto", wantSTS)
			if got.Signature != wantSig {
				t.Errorf("signature %s, want %s", got.Signature, wantSig)
			}
			base, _, _ := strings.Cut(c.ExpectedURL, "&X-Goog-Signature=")
			wantURL := strings.Replace(base, rsaAlg, hmacAlg, 1) + "&X-Goog-Signature=" + wantSig
			url, err := s.PresignURL(p)
			if err != nil {
				t.Fatal(err)
			}
			if url != wantURL {
				t.Errorf("URL:\n got %s\nwant %s", url, wantURL)
			}
		})
	}
}

func rsaVerify(pub *rsa.PublicKey, digest, sig []byte) error {
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest, sig)
}
