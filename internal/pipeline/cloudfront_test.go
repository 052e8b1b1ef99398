package pipeline

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/cloudfront"
	"github.com/batchsign/batchsign/internal/cputime"
	"github.com/batchsign/batchsign/internal/vectors"
)

const cfDomain = "d111111abcdef8.cloudfront.net"

// testCloudFrontConfig signs with the test key of testdata/cloudfront and
// knows its public key, on the distribution cfDomain.
func testCloudFrontConfig(t testing.TB) CloudFrontConfig {
	t.Helper()
	key, err := cloudfront.ParsePrivateKeyPEM(vectors.Read(t, "cloudfront/private_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := cloudfront.NewSigner("K2JCJMDEHXQW5F", key)
	if err != nil {
		t.Fatal(err)
	}
	pub := s.PublicKey()
	return CloudFrontConfig{Signer: s, Domain: cfDomain,
		Keys: func(id string) (*rsa.PublicKey, bool) { return pub, id == "K2JCJMDEHXQW5F" }}
}

// cloudFrontSample is a URL signed by the test key at docTime, valid an hour.
func cloudFrontSample(t testing.TB) string {
	u, err := testCloudFrontConfig(t).Signer.SignedURL("https://"+cfDomain+"/k", &cloudfront.Policy{Expires: docTime.Add(3600e9)})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type cfOut struct {
	ID        string            `json:"id"`
	URL       string            `json:"url"`
	ExpiresAt string            `json:"expires_at"`
	Cookies   map[string]string `json:"cookies"`
}

func cfRun(t *testing.T, cfg Config, manifest string) ([]cfOut, runResult) {
	t.Helper()
	res := runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	var outs []cfOut
	for line := range strings.Lines(res.out) {
		var o cfOut
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, o)
	}
	return outs, res
}

// TestCloudFrontPresignVerifies: every kind of row signs, verify --scheme
// cloudfront finds each URL valid and a tampered copy invalid.
func TestCloudFrontPresignVerifies(t *testing.T) {
	rows := `{"id":"key","key":"exports/2026 11/ü#1.csv","expires":31536000}
{"id":"url","url":"https://d111111abcdef8.cloudfront.net/a%20b.csv?v=2"}
{"id":"custom","key":"c/42/x.csv","ip_address":"192.0.2.0/24","not_before":"2013-05-23T00:00:00Z"}
{"id":"wild","key":"c/42/y.csv","resource":"https://d111111abcdef8.cloudfront.net/c/42/*"}
`
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.CloudFront = SchemeCloudFront, testCloudFrontConfig(t)
	outs, res := cfRun(t, cfg, rows)
	if res.stats.Signed != 4 || res.rejects != "" {
		t.Fatalf("%+v", res)
	}
	if want := "https://d111111abcdef8.cloudfront.net/exports/2026%2011/%C3%BC%231.csv?Expires=1400889600&Signature="; !strings.HasPrefix(outs[0].URL, want) {
		t.Errorf("key row: %s, want a year's canned URL %s…", outs[0].URL, want)
	}
	if outs[0].ExpiresAt != "2014-05-24T00:00:00Z" {
		t.Errorf("expires_at %s", outs[0].ExpiresAt)
	}
	if !strings.HasPrefix(outs[1].URL, "https://d111111abcdef8.cloudfront.net/a%20b.csv?v=2&Expires=") {
		t.Errorf("url row: %s", outs[1].URL)
	}
	for _, o := range outs[2:] {
		if !strings.Contains(o.URL, "?Policy=") {
			t.Errorf("%s: no custom policy: %s", o.ID, o.URL)
		}
	}
	var vm strings.Builder
	for _, o := range outs {
		vm.WriteString(`{"id":"` + o.ID + `","url":"` + o.URL + `","ip_address":"192.0.2.9"}` + "\n")
		vm.WriteString(`{"id":"` + o.ID + `-tampered","url":"` + strings.Replace(o.URL, ".net/", ".net/x", 1) + `"}` + "\n")
	}
	vm.WriteString(`{"id":"custom-elsewhere","url":"` + outs[2].URL + `","ip_address":"198.51.100.1"}` + "\n")
	vcfg := docConfig(Verify)
	vcfg.Scheme, vcfg.CloudFront = SchemeCloudFront, testCloudFrontConfig(t)
	vres := runManifest(t, vcfg, vm.String(), FormatNDJSON, Shard{})
	for line := range strings.Lines(vres.out) {
		var v struct {
			ID, Reason string
			Valid      bool
		}
		_ = json.Unmarshal([]byte(line), &v)
		if want := !strings.Contains(v.ID, "-"); v.Valid != want {
			t.Errorf("verify %s: valid %v (%s)", v.ID, v.Valid, v.Reason)
		}
	}
	if vres.stats.Signed != 9 || !strings.Contains(vres.out, `"custom-elsewhere","valid":false,"reason":"wrong_scope"`) {
		t.Errorf("%+v", vres)
	}
}

// TestCloudFrontRejectsNamingTheField: bad rows are rejected, naming the
// field at fault.
func TestCloudFrontRejectsNamingTheField(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.CloudFront = SchemeCloudFront, testCloudFrontConfig(t)
	for _, tc := range []struct{ row, field string }{
		{`{"id":"1","url":"https://other.example.com/k"}`, "url"},
		{`{"id":"1","url":"https://d111111abcdef8.cloudfront.net/a b"}`, "url"},
		{`{"id":"1","url":"https://d111111abcdef8.cloudfront.net/a?Signature=x"}`, "url"},
		{`{"id":"1","key":"k","ip_address":"192.0.2.1"}`, "ip_address"},
		{`{"id":"1","key":"k","ip_address":"not-an-ip/8"}`, "ip_address"},
		{`{"id":"1","key":"k","not_before":"yesterday"}`, "not_before"},
		{`{"id":"1","key":"k","resource":"https://d111111abcdef8.cloudfront.net/\"*"}`, "resource"},
		{`{"id":"1","key":"k","expires":0}`, "expires"},
		{`{"id":"1","key":"k","expires":3153600001}`, "expires"},
		{`{"id":"1","key":"k","method":"PUT"}`, "method"},
		{`{"id":"1","bucket":"b","key":"k"}`, "bucket"},
		{`{"id":"1"}`, "url"},
		{`{"id":"1","key":"k` + "\xff" + `"}`, "key"},
	} {
		res := runManifest(t, cfg, tc.row+"\n", FormatNDJSON, Shard{})
		if res.stats.Rejected != 1 || !strings.Contains(res.rejects, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %+v, want a reject naming %s", tc.row, res, tc.field)
		}
	}
	cfg.CloudFront.Domain = ""
	if res := runManifest(t, cfg, `{"id":"1","key":"k"}`+"\n", FormatNDJSON, Shard{}); !strings.Contains(res.rejects, "--cloudfront-domain") {
		t.Errorf("key row without a domain: %+v", res)
	}
	cfg.Expires = 30 * 86400 // no 7-day cap
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
}

// TestCloudFrontPerPrefixSignsEachFolderOnce: under PerPrefix, rows of one
// folder carry the same policy and signature, which CloudFront's matching
// accepts for each URL; counted RSA operations prove one per folder.
func TestCloudFrontPerPrefixSignsEachFolderOnce(t *testing.T) {
	var rows strings.Builder
	const folders, perFolder = 5, 40
	for f := range folders {
		for k := range perFolder {
			fmt.Fprintf(&rows, `{"id":"%d","key":"exports/%c/part %05d.csv"}`+"\n", f*perFolder+k, 'a'+f, k)
		}
	}
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.CloudFront = SchemeCloudFront, testCloudFrontConfig(t)
	cfg.CloudFront.PerPrefix = true
	cfg.Workers, cfg.BatchSize = 1, 1000
	outs, res := cfRun(t, cfg, rows.String())
	if res.stats.Signed != folders*perFolder {
		t.Fatalf("%+v", res)
	}
	sigs := map[string]bool{}
	v := cloudfront.NewVerifier(cfg.CloudFront.Keys, cloudfront.VerifyOptions{Now: docTime})
	for _, o := range outs {
		_, q, _ := strings.Cut(o.URL, "?")
		sigs[q] = true
		if err := v.SignedURL(o.URL); err != nil {
			t.Fatalf("%s: %v", o.URL, err)
		}
	}
	if len(sigs) != folders {
		t.Errorf("%d distinct signatures for %d folders", len(sigs), folders)
	}
	// The folder's policy grants the whole folder, sub-folders included,
	// and nothing beside it.
	_, params, _ := strings.Cut(outs[0].URL, "?")
	if err := v.SignedURL("https://" + cfDomain + "/exports/a/deeper/other.csv?" + params); err != nil {
		t.Errorf("sub-folder: %v", err)
	}
	if err := v.SignedURL("https://" + cfDomain + "/exports/b/x.csv?" + params); err == nil {
		t.Error("another folder accepted")
	}
}

func TestCloudFrontCookies(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.CloudFront = SchemeCloudFront, testCloudFrontConfig(t)
	cfg.CloudFront.Cookies = true
	outs, _ := cfRun(t, cfg, `{"id":"1","key":"exports/42/a.csv","resource":"https://d111111abcdef8.cloudfront.net/exports/42/*"}`+"\n")
	o := outs[0]
	if o.URL != "https://"+cfDomain+"/exports/42/a.csv" || len(o.Cookies) != 3 || o.Cookies[cloudfront.CookieKeyPairID] != "K2JCJMDEHXQW5F" {
		t.Fatalf("%+v", o)
	}
	cookie := cloudfront.CookiePolicy + "=" + o.Cookies[cloudfront.CookiePolicy] + "; " + cloudfront.CookieSignature + "=" + o.Cookies[cloudfront.CookieSignature] + "; " + cloudfront.CookieKeyPairID + "=K2JCJMDEHXQW5F"
	vcfg := docConfig(Verify)
	vcfg.Scheme, vcfg.CloudFront = SchemeCloudFront, testCloudFrontConfig(t)
	res := runManifest(t, vcfg, `{"id":"in","url":"https://`+cfDomain+`/exports/42/b/c.csv","headers":{"Cookie":"`+cookie+`"}}`+"\n"+
		`{"id":"out","url":"https://`+cfDomain+`/exports/43/c.csv","headers":{"Cookie":"`+cookie+`"}}`+"\n", FormatNDJSON, Shard{})
	if !strings.Contains(res.out, `"in","valid":true`) || !strings.Contains(res.out, `"out","valid":false,"reason":"wrong_scope"`) {
		t.Errorf("%+v", res)
	}
}

// cfFolderManifest is n keys in n/100 folders: the shape of the issue's
// 1M keys in 10k folders, scaled down.
func cfFolderManifest(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"%d","key":"exports/customer-%05d/part-%08d.csv.gz"}`+"\n", i, i/100, i)
	}
	return []byte(b.String())
}

// BenchmarkCloudFrontPresign is presign --scheme cloudfront on 2,000 keys
// in 20 folders (the 1M keys in 10k folders, scaled down), one
// signature per URL against one per folder (--policy-per-prefix), with
// GOMAXPROCS workers; rows/s/cpu comes from the process's CPU time. The
// ratio of the two is the per-prefix speed-up:
//
//	go test ./internal/pipeline -run '^$' -bench CloudFrontPresign -benchtime 1x -count 3
func BenchmarkCloudFrontPresign(b *testing.B) {
	const rows = 2000
	manifest := cfFolderManifest(rows)
	for _, perPrefix := range []bool{false, true} {
		name := "per-url"
		if perPrefix {
			name = "per-prefix"
		}
		b.Run(name, func(b *testing.B) {
			cfg := docConfig(Presign)
			cfg.Scheme, cfg.CloudFront = SchemeCloudFront, testCloudFrontConfig(b)
			cfg.CloudFront.PerPrefix = perPrefix
			cfg.Workers, cfg.BatchSize = 0, 0
			b.ReportAllocs()
			c0 := cputime.Process()
			for b.Loop() {
				w, _ := NewWriter(io.Discard, FormatNDJSON, Presign, SchemeCloudFront)
				st, err := Run(context.Background(), cfg, NewNDJSONReader(bytes.NewReader(manifest)), w, NewRejectWriter(io.Discard), nil)
				if err != nil || st.Signed != rows {
					b.Fatal(err, st)
				}
			}
			cpu := cputime.Process() - c0
			b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(b.N*rows)/cpu.Seconds(), "rows/s/cpu")
		})
	}
}

func TestCloudFrontFolderPattern(t *testing.T) {
	for url, want := range map[string]string{
		"https://d.example.com/a/b.csv?x=1":  "https://d.example.com/a/*",
		"https://d.example.com/a/b/c.csv":    "https://d.example.com/a/b/*",
		"https://d.example.com//b.csv":       "https://d.example.com//*",
		"https://d.example.com/b.csv":        "", // the root: all the distribution
		"https://d.example.com/":             "",
		"https://d.example.com/a*b/c.csv":    "", // '*' would be a wildcard
		"https://d.example.com:8443/a/b.csv": "https://d.example.com:8443/a/*",
	} {
		if got := folderPattern(url); got != want {
			t.Errorf("folderPattern(%q) = %q, want %q", url, got, want)
		}
	}
}
