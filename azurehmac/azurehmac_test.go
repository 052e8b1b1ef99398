package azurehmac

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/internal/urltest"
	"github.com/batchsign/batchsign/sigerr"
)

// azureVector is one case of testdata/azure-hmac-vectors.json,
// requests signed by Microsoft's own client library with a pinned clock.
type azureVector struct {
	Input struct {
		URL    string  `json:"url"`
		Method string  `json:"method"`
		Key    string  `json:"key"`
		Date   string  `json:"date"`
		Body   *string `json:"body"`
	} `json:"input"`
	Expected map[string]string `json:"expected_headers"`
}

func loadAzureVectors(t *testing.T) []azureVector {
	t.Helper()
	var vs []azureVector
	if err := json.Unmarshal(vectors.Read(t, "azure-hmac-vectors.json"), &vs); err != nil {
		t.Fatalf("azure-hmac-vectors.json: %v", err)
	}
	if len(vs) == 0 {
		t.Fatal("azure-hmac-vectors.json holds no vectors")
	}
	return vs
}

func (v *azureVector) body() []byte {
	if v.Input.Body == nil {
		return nil
	}
	return []byte(*v.Input.Body)
}

func (v *azureVector) time(t *testing.T) time.Time {
	tm, err := time.Parse(time.RFC3339, v.Input.Date)
	if err != nil {
		t.Fatalf("vector date %q: %v", v.Input.Date, err)
	}
	return tm
}

// TestAzureMatchesMicrosoftVectors: every vector, through the convenience
// API, the precomputed-hash API and a connection string; then the verifier
// accepts Microsoft's headers.
func TestAzureMatchesMicrosoftVectors(t *testing.T) {
	vs := loadAzureVectors(t)
	for i, v := range vs {
		t.Run(fmt.Sprintf("%d_%s_%s", i, v.Input.Method, v.Input.URL[:min(len(v.Input.URL), 60)]), func(t *testing.T) {
			key, err := decodeAccessKey(v.Input.Key)
			if err != nil {
				t.Fatal(err)
			}
			at := v.time(t)
			got, err := Sign(key, v.Input.Method, v.Input.URL, v.body(), at)
			if err != nil {
				t.Fatal(err)
			}
			want := Headers{Host: v.Expected["Host"], Date: v.Expected["x-ms-date"], ContentSHA256: v.Expected["x-ms-content-sha256"], Authorization: v.Expected["Authorization"]}
			if got != want {
				t.Fatalf("\n got %+v\nwant %+v", got, want)
			}
			// Precomputed hash (as a streamed body_file would give).
			h := sha256block.NewSHA256()
			h.Write(v.body())
			var sum [32]byte
			h.Sum(sum[:0])
			if got2, err := signWithHash(key, v.Input.Method, v.Input.URL, sum, at); err != nil || got2 != want {
				t.Fatalf("with hash: %+v, %v", got2, err)
			}
			// Through a connection string.
			cs, err := ParseConnectionString("endpoint=https://" + want.Host + "/;accesskey=" + v.Input.Key)
			if err != nil {
				t.Fatal(err)
			}
			if got3, err := Sign(cs.Key(), v.Input.Method, v.Input.URL, v.body(), at); err != nil || got3 != want {
				t.Fatalf("via connection string: %+v, %v", got3, err)
			}
			// Microsoft's headers verify, body included.
			hdr := http.Header{}
			for k, val := range v.Expected {
				hdr.Set(k, val)
			}
			if err := Verify(v.Input.Method, v.Input.URL, hdr.Get, &sum, key, at.Add(14*time.Minute)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
	t.Logf("%d Azure vectors", len(vs))
}

// TestAzureSignsPathAndQueryAsWritten pins the string to sign for the URL
// shapes in the vectors: '+' and ':' in the path kept, query unsorted,
// non-default port in host.
func TestAzureSignsPathAndQueryAsWritten(t *testing.T) {
	cases := []struct{ url, host, pq string }{
		{"https://h.example/phoneNumbers/+14255550123?api-version=2021-03-07&scope=chat.voip&b=a-b", "h.example", "/phoneNumbers/+14255550123?api-version=2021-03-07&scope=chat.voip&b=a-b"},
		{"https://h.example/emails:send?z=last&a=first", "h.example", "/emails:send?z=last&a=first"},
		{"https://localhost:8443/a%2Fb?x=%20y", "localhost:8443", "/a%2Fb?x=%20y"},
		{"HTTPS://h.example/p?", "h.example", "/p"},
		{"https://[2001:db8::1]:8443/p", "[2001:db8::1]:8443", "/p"},
	}
	for _, c := range cases {
		host, pq, err := HostAndPath(c.url)
		if err != nil || host != c.host || pq != c.pq {
			t.Errorf("HostAndPath(%q) = %q, %q, %v; want %q, %q", c.url, host, pq, err, c.host, c.pq)
		}
	}
	got := string(appendStringToSign(nil, "get", "/p?b=2&a=1", "D", "h:1", "H"))
	if want := "GET\n/p?b=2&a=1\nD;h:1;H"; got != want {
		t.Errorf("string to sign %q, want %q", got, want)
	}
	// One rule for every scheme (sigcore.SplitURL): user information and
	// fragments are refused, not dropped, and so are hosts and bytes no
	// HTTP request could carry.
	for _, bad := range []string{"", "/relative", "ftp://h/x", "https://", "https:///p", "https://h/a b",
		"https://user@h.example", "https://h.example?q=1#frag", "https://h.example/caf\u00e9", "https://h:99999/",
		"https://a..b/", "https://h/a%2"} {
		if _, _, err := HostAndPath(bad); !errors.Is(err, ErrRequest) {
			t.Errorf("HostAndPath(%q) error = %v", bad, err)
		}
	}
}

func TestAzureDateIsRFC1123GMTWithTwoDigitDay(t *testing.T) {
	loc := time.FixedZone("UTC+5", 5*3600)
	got := string(AppendDate(nil, time.Date(2026, 3, 5, 3, 4, 5, 999, loc)))
	if want := "Wed, 04 Mar 2026 22:04:05 GMT"; got != want {
		t.Errorf("AppendDate = %q, want %q", got, want)
	}
}

func TestParseAzureConnectionStringAcceptsVariants(t *testing.T) {
	const k = "kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo="
	want, _ := base64.StdEncoding.DecodeString(k)
	for _, s := range []string{
		"endpoint=https://contoso.communication.azure.com/;accesskey=" + k,
		"Endpoint=https://contoso.communication.azure.com/;AccessKey=" + k,
		"ENDPOINT = https://contoso.communication.azure.com/ ; ACCESSKEY = " + k + " ;",
		"accesskey=" + k + ";endpoint=https://contoso.communication.azure.com/;",
		";;endpoint=https://contoso.communication.azure.com/;future=1;accesskey=" + k,
	} {
		cs, err := ParseConnectionString(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if cs.Endpoint != "https://contoso.communication.azure.com/" || string(cs.Key()) != string(want) {
			t.Errorf("%q: endpoint %q, key mismatch", s, cs.Endpoint)
		}
	}
}

// TestAzureConnectionStringErrorsNeverEchoTheKey: every malformed string,
// including ones where the key lands in a name, an endpoint or a bad
// base64, gives an error that quotes no part of the key.
func TestAzureConnectionStringErrorsNeverEchoTheKey(t *testing.T) {
	const k = "Zm9vYmFyU2VjcmV0S2V5TWF0ZXJpYWwxMjM0NTY3OA=="
	const secretBits = "Zm9vYmFy" // any 8-character run of the key would be a leak
	cases := []string{
		"",
		"endpoint=https://x.example/",
		"accesskey=" + k,
		"endpoint=https://x.example/;" + k, // key without name
		"endpoint=https://x.example/;accesskey=" + k + "!",               // bad base64
		"endpoint=https://x.example/;accesskey=" + k[:len(k)-1],          // bad padding
		"endpoint=https://x.example/accesskey=" + k,                      // missing ';'
		"endpoint=" + k + ";accesskey=" + k,                              // key as endpoint
		"endpoint=https://x.example/;accesskey=" + k + ";accesskey=" + k, // twice
		"endpoint=https://x.example/;accesskey=",                         // empty
		"endpoint=https://x.example/;accessKey=" + k + " extra",          // spaces inside
	}
	for _, s := range cases {
		_, err := ParseConnectionString(s)
		if err == nil {
			t.Errorf("%q parsed", s)
			continue
		}
		if !errors.Is(err, ErrRequest) {
			t.Errorf("%q: error %v does not wrap ErrRequest", s, err)
		}
		for i := 0; i+8 <= len(k); i++ {
			if strings.Contains(err.Error(), k[i:i+8]) {
				t.Errorf("%q: error %q quotes the key", s, err)
				break
			}
		}
		if strings.Contains(err.Error(), secretBits) {
			t.Errorf("error quotes the key: %v", err)
		}
	}
}

func TestAzureSecretsNeverPrint(t *testing.T) {
	const k = "Zm9vYmFyU2VjcmV0S2V5TWF0ZXJpYWwxMjM0NTY3OA=="
	cs, err := ParseConnectionString("endpoint=https://x.example/;accesskey=" + k)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(cs.Key())
	s, _ := NewSigner(cs.Key())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, arg := range []any{cs, &cs, s, struct{ c ConnectionString }{cs}, struct{ s Signer }{*s}} {
			out := fmt.Sprintf(verb, arg)
			if strings.Contains(out, k[:12]) || strings.Contains(out, raw[:8]) || strings.Contains(out, "foobar") {
				t.Errorf("%s of %T leaks: %s", verb, arg, out)
			}
		}
	}
	j, _ := json.Marshal(cs)
	if strings.Contains(string(j), k[:12]) {
		t.Errorf("json leaks: %s", j)
	}
	if _, err := NewSigner(nil); err == nil {
		t.Error("empty key accepted")
	}
}

func azureTestRequest(t *testing.T) (key []byte, hdr http.Header, sum [32]byte, at time.Time) {
	key = []byte("0123456789abcdef0123456789abcdef")
	at = time.Date(2026, 1, 21, 17, 0, 56, 0, time.UTC)
	body := []byte(`{"to":"+14255550123"}`)
	sum = sha256block.Sum256(body)
	h, err := Sign(key, "POST", "https://contoso.communication.azure.com/sms?api-version=2021-03-07", body, at)
	if err != nil {
		t.Fatal(err)
	}
	hdr = http.Header{}
	hdr.Set("Host", h.Host)
	hdr.Set("x-ms-date", h.Date)
	hdr.Set("x-ms-content-sha256", h.ContentSHA256)
	hdr.Set("Authorization", h.Authorization)
	return key, hdr, sum, at
}

func TestVerifyAzureHMACReportsTypedReasons(t *testing.T) {
	const u = "https://contoso.communication.azure.com/sms?api-version=2021-03-07"
	key, good, sum, at := azureTestRequest(t)
	if err := Verify("POST", u, good.Get, &sum, key, at); err != nil {
		t.Fatalf("good request: %v", err)
	}
	edit := func(f func(h http.Header)) func(string) string {
		h := good.Clone()
		f(h)
		return h.Get
	}
	otherSum := sha256block.Sum256([]byte("other body"))
	cases := []struct {
		name   string
		method string
		url    string
		header func(string) string
		body   *[32]byte
		key    []byte
		now    time.Time
		want   sigerr.VerifyReason
	}{
		{"no authorization", "POST", u, edit(func(h http.Header) { h.Del("Authorization") }), &sum, key, at, sigerr.ErrMalformed},
		{"bearer", "POST", u, edit(func(h http.Header) { h.Set("Authorization", "Bearer x") }), &sum, key, at, sigerr.ErrMalformed},
		{"no signature", "POST", u, edit(func(h http.Header) {
			h.Set("Authorization", "HMAC-SHA256 SignedHeaders="+signedHeadersValue)
		}), &sum, key, at, sigerr.ErrMalformed},
		{"date unsigned", "POST", u, edit(func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), "x-ms-date;", "", 1))
		}), &sum, key, at, sigerr.ErrUnsignedHeader},
		{"host unsigned", "POST", u, edit(func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), ";host", "", 1))
		}), &sum, key, at, sigerr.ErrUnsignedHeader},
		{"hash unsigned", "POST", u, edit(func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), ";x-ms-content-sha256", "", 1))
		}), &sum, key, at, sigerr.ErrUnsignedHeader},
		{"date unparsable", "POST", u, edit(func(h http.Header) { h.Set("x-ms-date", "2026-01-21T17:00:56Z") }), &sum, key, at, sigerr.ErrMalformed},
		{"no content hash", "POST", u, edit(func(h http.Header) { h.Del("x-ms-content-sha256") }), &sum, key, at, sigerr.ErrMalformed},
		{"date changed", "POST", u, edit(func(h http.Header) { h.Set("x-ms-date", "Wed, 21 Jan 2026 17:00:57 GMT") }), &sum, key, at, sigerr.ErrSignatureMismatch},
		{"host changed", "POST", u, edit(func(h http.Header) { h.Set("Host", "evil.communication.azure.com") }), &sum, key, at, sigerr.ErrSignatureMismatch},
		{"hash header changed", "POST", u, edit(func(h http.Header) { h.Set("x-ms-content-sha256", base64.StdEncoding.EncodeToString(otherSum[:])) }), &otherSum, key, at, sigerr.ErrSignatureMismatch},
		{"signature changed", "POST", u, edit(func(h http.Header) {
			h.Set("Authorization", strings.Replace(h.Get("Authorization"), "Signature=", "Signature=A", 1))
		}), &sum, key, at, sigerr.ErrSignatureMismatch},
		{"method changed", "PUT", u, good.Get, &sum, key, at, sigerr.ErrSignatureMismatch},
		{"path changed", "POST", strings.Replace(u, "/sms", "/SMS", 1), good.Get, &sum, key, at, sigerr.ErrSignatureMismatch},
		{"query changed", "POST", u + "&x=1", good.Get, &sum, key, at, sigerr.ErrSignatureMismatch},
		{"wrong key", "POST", u, good.Get, &sum, []byte("another key"), at, sigerr.ErrSignatureMismatch},
		{"body changed", "POST", u, good.Get, &otherSum, key, at, sigerr.ErrContentHashMismatch},
		{"16 minutes late", "POST", u, good.Get, &sum, key, at.Add(16 * time.Minute), sigerr.ErrClockSkew},
		{"16 minutes early", "POST", u, good.Get, &sum, key, at.Add(-16 * time.Minute), sigerr.ErrClockSkew},
		{"bad url", "POST", "/sms", good.Get, &sum, key, at, sigerr.ErrMalformed},
	}
	for _, c := range cases {
		err := Verify(c.method, c.url, c.header, c.body, c.key, c.now)
		if sigerr.ReasonOf(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), string(key)) || strings.Contains(err.Error(), good.Get("Authorization")[len("HMAC-SHA256 SignedHeaders="+signedHeadersValue+"&Signature="):]) {
			t.Errorf("%s: error leaks key or signature: %v", c.name, err)
		}
	}
	// Exactly 15 minutes either way is still fine; a nil body hash skips the body check.
	for _, now := range []time.Time{at.Add(15 * time.Minute), at.Add(-15 * time.Minute)} {
		if err := Verify("POST", u, good.Get, nil, key, now); err != nil {
			t.Errorf("at %v: %v", now, err)
		}
	}
	// Host taken from the URL when the header is absent.
	noHost := good.Clone()
	noHost.Del("Host")
	if err := Verify("POST", u, noHost.Get, &sum, key, at); err != nil {
		t.Errorf("no Host header: %v", err)
	}
	// A Date header may stand for x-ms-date when it is what was signed.
	dated := good.Clone()
	dated.Set("Date", dated.Get("x-ms-date"))
	dated.Del("x-ms-date")
	dated.Set("Authorization", strings.Replace(dated.Get("Authorization"), "x-ms-date;", "date;", 1))
	if err := Verify("POST", u, dated.Get, &sum, key, at); err != nil {
		t.Errorf("Date instead of x-ms-date: %v", err)
	}
}

func TestAzureSignerAllocatesNothingPerRequest(t *testing.T) {
	s, _ := NewSigner([]byte("0123456789abcdef"))
	sum := sha256block.Sum256([]byte("body"))
	at := time.Date(2026, 1, 21, 17, 0, 56, 0, time.UTC)
	buf := make([]byte, 0, 256)
	var err error
	allocs := testing.AllocsPerRun(200, func() {
		buf, err = s.AppendAuthorization(buf[:0], "POST", "https://contoso.communication.azure.com/identities?api-version=2021-03-07", at, &sum)
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per request, want 0", allocs)
	}
}

// TestAzureRoundTripAndTamperDetection is the property: random requests
// signed here verify; flipping any byte of the signature, the date, the path
// or the query makes verification fail.
func TestAzureRoundTripAndTamperDetection(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const pathChars = "abcXYZ019-._~!$&'()*+,;=:@%/"
	for i := 0; i < 300; i++ {
		key := make([]byte, 1+rng.IntN(64))
		for j := range key {
			key[j] = byte(rng.Uint32())
		}
		// A '%' drawn starts an escape, with two random hex digits.
		write := func(b *strings.Builder, chars string) {
			c := chars[rng.IntN(len(chars))]
			b.WriteByte(c)
			if c == '%' {
				const hex = "0123456789abcdefABCDEF"
				b.WriteByte(hex[rng.IntN(len(hex))])
				b.WriteByte(hex[rng.IntN(len(hex))])
			}
		}
		var pb strings.Builder
		for j := 0; j < 1+rng.IntN(20); j++ {
			write(&pb, pathChars)
		}
		var qb strings.Builder
		for j := 0; j < rng.IntN(20); j++ {
			write(&qb, pathChars+"?")
		}
		host := []string{"contoso.communication.azure.com", "localhost:8443", "10.0.0.1"}[rng.IntN(3)]
		u := "https://" + host + "/" + pb.String()
		if qb.Len() > 0 {
			u += "?" + qb.String()
		}
		method := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}[rng.IntN(5)]
		body := make([]byte, rng.IntN(100))
		sum := sha256block.Sum256(body)
		at := time.Unix(1.7e9+rng.Int64N(1e8), 0)
		h, err := Sign(key, method, u, body, at)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		hdr := map[string]string{"host": h.Host, "x-ms-date": h.Date, "x-ms-content-sha256": h.ContentSHA256, "authorization": h.Authorization}
		get := func(m map[string]string) func(string) string { return func(n string) string { return m[n] } }
		now := at.Add(time.Duration(rng.Int64N(int64(2*sigcore.MaxClockSkew))) - sigcore.MaxClockSkew)
		if err := Verify(method, u, get(hdr), &sum, key, now); err != nil {
			t.Fatalf("fresh request does not verify: %v\n%s %s", err, method, u)
		}
		flip := func(s string, from int) string {
			b := []byte(s)
			i := from + rng.IntN(len(b)-from)
			old := b[i]
			for b[i] == old {
				b[i] = pathChars[rng.IntN(len(pathChars))]
			}
			return string(b)
		}
		tamperHeader := func(name string, from int) {
			m := map[string]string{}
			for k, v := range hdr {
				m[k] = v
			}
			m[name] = flip(m[name], from)
			if err := Verify(method, u, get(m), &sum, key, now); err == nil {
				t.Fatalf("tampered %s verifies: %q", name, m[name])
			}
		}
		tamperHeader("authorization", len("HMAC-SHA256 SignedHeaders="+signedHeadersValue+"&Signature="))
		tamperHeader("x-ms-date", 0)
		tamperHeader("x-ms-content-sha256", 0)
		tamperHeader("host", 0)
		// Path and query: flip a byte after "https://host/".
		from := len("https://" + host + "/")
		if t2 := flip(u, from); t2 != u && !strings.Contains(t2[from:], "#") {
			if err := Verify(method, t2, get(hdr), &sum, key, now); err == nil {
				t.Fatalf("tampered URL verifies:\n%s\n%s", u, t2)
			}
		}
		if err := Verify(method, u, get(hdr), &sum, key, at.Add(sigcore.MaxClockSkew+time.Second)); !errors.Is(err, sigerr.ErrClockSkew) {
			t.Fatalf("skew: %v", err)
		}
	}
}

func BenchmarkAzureAuthorization(b *testing.B) {
	s, _ := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	sum := sha256block.Sum256([]byte(`["chat"]`))
	at := time.Date(2026, 1, 21, 17, 0, 56, 0, time.UTC)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = s.AppendAuthorization(buf[:0], "PATCH", "https://contoso.communication.azure.com/identities", at, &sum)
	}
}

func BenchmarkAzureVerify(b *testing.B) {
	key := []byte("0123456789abcdef0123456789abcdef")
	sum := sha256block.Sum256([]byte(`["chat"]`))
	at := time.Date(2026, 1, 21, 17, 0, 56, 0, time.UTC)
	const u = "https://contoso.communication.azure.com/identities?api-version=2021-03-07"
	h, _ := signWithHash(key, "PATCH", u, sum, at)
	hdr := map[string]string{"host": h.Host, "x-ms-date": h.Date, "x-ms-content-sha256": h.ContentSHA256, "authorization": h.Authorization}
	get := func(n string) string { return hdr[n] }
	s, _ := NewSigner(key)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Verify("PATCH", u, get, &sum, at); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAzureVerifyDetectsEveryByteChange: Azure HMAC signs the host and the
// path and query as written, so replacing any one byte of the URL after the
// scheme, by any other byte value, fails verification (a byte no URL may
// carry as malformed url); only a change of case in the scheme, which
// leaves the same URL, still verifies. The Host header is absent, so the
// verifier takes the host from the URL.
func TestAzureVerifyDetectsEveryByteChange(t *testing.T) {
	key := []byte("an azure key")
	at := time.Unix(1.7e9, 0)
	sum := sha256block.Sum256(nil)
	for _, u := range []string{
		"https://contoso.communication.azure.com/identities/a%C3%BC?api-version=2021-03-07&x=%2f",
		"http://[::1]:8443/p",
	} {
		h, err := Sign(key, "GET", u, nil, at)
		if err != nil {
			t.Fatal(err)
		}
		hdr := map[string]string{"x-ms-date": h.Date, "x-ms-content-sha256": h.ContentSHA256, "authorization": h.Authorization}
		get := func(n string) string { return hdr[n] }
		s, _ := NewSigner(key)
		if err := s.Verify("GET", u, get, &sum, at); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(u); i++ {
			for c := 0; c < 256; c++ {
				repl := byte(c)
				if u[i] == repl {
					continue
				}
				bad := u[:i] + string(repl) + u[i+1:]
				err := s.Verify("GET", bad, get, &sum, at)
				var ve *sigerr.VerifyError
				switch {
				case urltest.Part(u, i) == "scheme" && urltest.Equivalent(u, i, repl):
					if err != nil {
						t.Fatalf("scheme case changed at %d: %v", i, err)
					}
				case err == nil:
					t.Fatalf("byte %d (%s) changed to %q still verifies:\n%s\n%s", i, urltest.Part(u, i), repl, u, bad)
				case urltest.NeverInURL(repl) && (!errors.As(err, &ve) || ve.Reason != sigerr.ErrMalformed || ve.Field != "url"):
					t.Fatalf("byte %d changed to %q: %v, want malformed url", i, repl, err)
				}
			}
		}
	}
}
