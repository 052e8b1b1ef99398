package sigv4a

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/awssuite"
	"github.com/batchsign/batchsign/sigerr"
)

func lookupOf(ak, secret string) SecretLookup {
	return func(id string) (string, bool) {
		if id == ak {
			return secret, true
		}
		return "", false
	}
}

var testLookup = lookupOf(testCreds.AccessKeyID, testCreds.SecretAccessKey)

// TestVerifyOfficialSuite verifies the suite's own signed requests, both
// forms (signed by AWS's reference implementation, not by us), then ours,
// and refuses each with its method changed. The two input-only cases have
// no signed requests: ours are verified.
func TestVerifyOfficialSuite(t *testing.T) {
	forEachCase(t, func(t *testing.T, c *suiteCase) {
		opts := VerifyOptions{Now: c.at.Add(time.Minute), Region: c.ctx.Region, Service: c.ctx.Service, Rules: RulesGeneric,
			DisablePathNormalization: !c.ctx.Normalize, TokenAfterSigning: c.ctx.OmitSessionToken}
		v := NewVerifier(lookupOf(c.ctx.Credentials.AccessKeyID, c.ctx.Credentials.SecretAccessKey), opts)
		for _, form := range []string{"header", "query"} {
			var requests []awssuite.Request
			var whose []string
			if c.canonicalQuery == "" {
				requests = append(requests, awssuite.ParseRequest(t, c.file(t, form+"-signed-request.txt")))
				whose = append(whose, "suite's")
			}
			if !notOnTheWire[c.name] { // our signers write no such request line
				requests = append(requests, signCase(t, c, form))
				whose = append(whose, "our")
			}
			for i, rr := range requests {
				who := whose[i]
				check := v.PresignedURL
				if form == "header" {
					check = v.Request
				}
				url := "https://" + rr.Host + awssuite.Target(rr.Path, rr.Query)
				if notOnTheWire[c.name] {
					var ve *sigerr.VerifyError
					if err := check(rr.Method, url, rr.Headers, c.body); !errors.As(err, &ve) || ve.Reason != sigerr.ErrMalformed || ve.Field != "url" {
						t.Errorf("%s %s-signed request with raw bytes in its request line: %v, want malformed url", who, form, err)
					}
					continue
				}
				if err := check(rr.Method, url, rr.Headers, c.body); err != nil {
					t.Errorf("%s %s-signed request: %v", who, form, err)
				}
				other := map[string]string{"GET": "PUT", "POST": "GET"}[rr.Method]
				if err := check(other, url, rr.Headers, c.body); !errors.Is(err, sigerr.ErrSignatureMismatch) {
					t.Errorf("%s %s-signed request as %s: %v", who, form, other, err)
				}
			}
		}
	})
}

// signCase signs a suite case in one form and returns the signed request.
func signCase(t *testing.T, c *suiteCase, form string) awssuite.Request {
	t.Helper()
	o := c.options()
	o.ContentSHA256Header = c.ctx.SignBody && form == "header"
	s, err := NewSigner(c.creds(), nil, c.at, o)
	if err != nil {
		t.Fatal(err)
	}
	req := c.request()
	rr := c.req
	rr.Headers = append([]Header(nil), rr.Headers...)
	if form == "header" {
		added, err := s.SignHeaders(&req)
		if err != nil {
			t.Fatal(err)
		}
		rr.Headers = append(rr.Headers, added...)
		return rr
	}
	u, err := s.PresignURL("https", &req, c.ctx.Expiration)
	if err != nil {
		t.Fatal(err)
	}
	_, rr.Query, _ = strings.Cut(u, "?")
	return rr
}

// A presigned S3 URL and the reason each kind of damage is reported with.
func TestVerifyPresignedURLReasons(t *testing.T) {
	s := newS3Signer(t, "", "us-*,eu-west-1")
	u, err := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.amazonaws.com", Key: "a b/c", Expires: 600})
	if err != nil {
		t.Fatal(err)
	}
	good := string(u)
	_, sig, _ := strings.Cut(good, "&X-Amz-Signature=")
	at := testTime.Add(time.Minute)
	other, _ := NewSigner(Credentials{AccessKeyID: testCreds.AccessKeyID, SecretAccessKey: "another secret"}, nil, testTime, Options{Service: "s3", RegionSet: "us-*,eu-west-1"})
	forged, _ := other.AppendPresignS3(nil, &S3Presign{Host: "b.s3.amazonaws.com", Key: "a b/c", Expires: 600})
	cases := []struct {
		name   string
		url    string
		opts   VerifyOptions
		lookup SecretLookup
		want   sigerr.VerifyReason
	}{
		{"good", good, VerifyOptions{Now: at}, nil, 0},
		{"good in us-west-2", good, VerifyOptions{Now: at, Region: "us-west-2", Service: "s3"}, nil, 0},
		{"good in eu-west-1", good, VerifyOptions{Now: at, Region: "eu-west-1"}, nil, 0},
		{"region outside the set", good, VerifyOptions{Now: at, Region: "eu-central-1"}, nil, sigerr.ErrWrongScope},
		{"another service", good, VerifyOptions{Now: at, Service: "s3-object-lambda"}, nil, sigerr.ErrWrongScope},
		{"unknown key", good, VerifyOptions{Now: at}, lookupOf("AKIDOTHER", "x"), sigerr.ErrUnknownKey},
		{"signed with another secret", string(forged), VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"other key", strings.Replace(good, "/a%20b/c?", "/a%20b/d?", 1), VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"region set widened", strings.Replace(good, "X-Amz-Region-Set=us-%2A%2Ceu-west-1", "X-Amz-Region-Set=%2A", 1), VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"signature changed", good[:len(good)-2] + flipHex(good[len(good)-2:]), VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"signature not hex", strings.Replace(good, sig, "zz"+sig[2:], 1), VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"signature too long", good + "00", VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"signature in upper case", strings.Replace(good, sig, strings.ToUpper(sig), 1), VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"extra parameter", good + "&x=1", VerifyOptions{Now: at}, nil, sigerr.ErrSignatureMismatch},
		{"expired", good, VerifyOptions{Now: testTime.Add(601 * time.Second)}, nil, sigerr.ErrExpired},
		{"still valid at the end", good, VerifyOptions{Now: testTime.Add(600 * time.Second)}, nil, 0},
		{"not yet valid", good, VerifyOptions{Now: testTime.Add(-16 * time.Minute)}, nil, sigerr.ErrNotYetValid},
		{"within the skew", good, VerifyOptions{Now: testTime.Add(-14 * time.Minute)}, nil, 0},
		{"SigV4 algorithm", strings.Replace(good, "AWS4-ECDSA-P256-SHA256", "AWS4-HMAC-SHA256", 1), VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
		{"no region set", strings.Replace(good, "X-Amz-Region-Set=", "X-Amz-Region-Sat=", 1), VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
		{"bad region set", strings.Replace(good, "X-Amz-Region-Set=us-%2A%2Ceu-west-1", "X-Amz-Region-Set=US", 1), VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
		{"region set twice", good + "&X-Amz-Region-Set=%2A", VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
		{"SigV4 credential", strings.Replace(good, "%2F20150830%2Fs3%2F", "%2F20150830%2Fus-east-1%2Fs3%2F", 1), VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
		{"scope of another day", strings.Replace(good, "%2F20150830%2Fs3%2F", "%2F20150831%2Fs3%2F", 1), VerifyOptions{Now: at}, nil, sigerr.ErrWrongScope},
		{"expires too long", strings.Replace(good, "X-Amz-Expires=600", "X-Amz-Expires=604801", 1), VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
		{"host unsigned", strings.Replace(good, "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=range", 1), VerifyOptions{Now: at}, nil, sigerr.ErrUnsignedHeader},
		{"bad escape", good + "&%zz=1", VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
		{"not absolute", "/a%20b/c?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", VerifyOptions{Now: at}, nil, sigerr.ErrMalformed},
	}
	for _, c := range cases {
		lookup := c.lookup
		if lookup == nil {
			lookup = testLookup
		}
		err := VerifyPresignedURL("GET", c.url, nil, "", lookup, c.opts)
		if got := sigerr.ReasonOf(err); got != c.want || (c.want == 0) != (err == nil) {
			t.Errorf("%s: got %v (%v), want %v", c.name, got, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), testCreds.SecretAccessKey) {
			t.Errorf("%s: error holds the secret: %v", c.name, err)
		}
	}
}

func flipHex(s string) string {
	b := []byte(s)
	if b[len(b)-1] == '0' {
		b[len(b)-1] = '1'
	} else {
		b[len(b)-1] = '0'
	}
	return string(b)
}

// Header signing, and the reason each kind of damage is reported with.
func TestVerifyRequestReasons(t *testing.T) {
	c := testCreds
	c.SessionToken = "tok"
	s, err := NewSigner(c, nil, testTime, Options{Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	const body = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
	r := Request{Method: "PUT", Host: "b.s3.amazonaws.com", Path: "/k", PayloadHash: body,
		Headers: []Header{{Name: "Content-Type", Value: "text/plain"}}}
	added, err := s.SignHeaders(&r)
	if err != nil {
		t.Fatal(err)
	}
	signed := append(append([]Header(nil), r.Headers...), added...)
	with := func(name, value string) []Header {
		out := append([]Header(nil), signed...)
		for i := range out {
			if strings.EqualFold(out[i].Name, name) {
				out[i].Value = value
				return out
			}
		}
		return append(out, Header{Name: name, Value: value})
	}
	at := testTime.Add(time.Minute)
	url := "https://b.s3.amazonaws.com/k"
	cases := []struct {
		name    string
		url     string
		headers []Header
		payload string
		now     time.Time
		want    sigerr.VerifyReason
	}{
		{"good", url, signed, body, at, 0},
		{"good, body not checked", url, signed, "", at, 0},
		{"other body", url, signed, strings.Repeat("0", 64), at, sigerr.ErrContentHashMismatch},
		{"other content type", url, with("Content-Type", "text/html"), body, at, sigerr.ErrSignatureMismatch},
		{"other path", url + "2", signed, body, at, sigerr.ErrSignatureMismatch},
		{"region set changed", url, with("X-Amz-Region-Set", "us-east-1"), body, at, sigerr.ErrSignatureMismatch},
		{"unsigned x-amz header", url, with("X-Amz-Meta-X", "1"), body, at, sigerr.ErrUnsignedHeader},
		{"no region set", url, with("X-Amz-Region-Set", ""), body, at, sigerr.ErrMalformed},
		{"clock skew", url, signed, body, testTime.Add(16 * time.Minute), sigerr.ErrClockSkew},
		{"clock skew, early", url, signed, body, testTime.Add(-16 * time.Minute), sigerr.ErrClockSkew},
		{"SigV4 header", url, with("Authorization", strings.Replace(added[len(added)-1].Value, Algorithm, "AWS4-HMAC-SHA256", 1)), body, at, sigerr.ErrMalformed},
	}
	for _, tc := range cases {
		err := VerifyRequest("PUT", tc.url, tc.headers, tc.payload, testLookup, VerifyOptions{Now: tc.now})
		if got := sigerr.ReasonOf(err); got != tc.want || (tc.want == 0) != (err == nil) {
			t.Errorf("%s: got %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}

// One Verifier reused across URLs of one batch keeps working when its
// options change between calls.
func TestVerifierReuse(t *testing.T) {
	s := newS3Signer(t, "", "")
	v := NewVerifier(testLookup, VerifyOptions{Now: testTime, Keys: NewKeyCache(0)})
	for _, key := range []string{"a", "b", "a"} {
		u, _ := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.amazonaws.com", Key: key, Expires: 60})
		if err := v.PresignedURL("GET", string(u), nil, ""); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	if v.Opts.Keys.Len() != 1 {
		t.Fatalf("%d keys derived", v.Opts.Keys.Len())
	}
	g, _ := NewSigner(testCreds, nil, testTime, Options{Service: "s3", Rules: RulesGeneric})
	u, _ := g.PresignURL("https", &Request{Method: "GET", Host: "b.s3.amazonaws.com", Path: "/a/./b"}, 60)
	if err := v.PresignedURL("GET", u, nil, ""); err == nil {
		t.Fatal("a generic-rules URL verifies under S3 rules")
	}
	v.Opts.Rules = RulesGeneric
	if err := v.PresignedURL("GET", u, nil, ""); err != nil {
		t.Fatalf("after switching to generic rules: %v", err)
	}
}

func TestRegionSetMatching(t *testing.T) {
	for _, c := range []struct {
		set, region string
		want        bool
	}{
		{"*", "us-east-1", true},
		{"us-east-1", "us-east-1", true},
		{"us-east-1", "us-east-2", false},
		{"us-*", "us-west-2", true},
		{"us-*", "eu-west-1", false},
		{"eu-west-1,us-*", "us-east-1", true},
		{"*-west-*", "eu-west-3", true},
		{"us-east-1", "us-east-1x", false},
		{"us-east-1*", "us-east-1", true},
	} {
		if got := regionSetHas(c.set, c.region); got != c.want {
			t.Errorf("regionSetHas(%q, %q) = %v", c.set, c.region, got)
		}
	}
}
