package pipeline

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestHeaderInjectionRejected: a header value holding CR, LF or NUL, or a
// header name that is not an HTTP token, rejects the row naming headers in
// every mode that takes headers — presign, sign and verify under each
// scheme — instead of being signed (issue 14 item 14).
func TestHeaderInjectionRejected(t *testing.T) {
	bad := []string{
		`{"x-amz-meta-a":"v\r\nInjected: 1"}`,
		`{"x-amz-meta-a":"v\nInjected: 1"}`,
		`{"x-amz-meta-a":"v\u0000"}`,
		`{"x-amz-meta-a\r\nInjected":"1"}`,
		`{"x amz":"v"}`,
		`{"":"v"}`,
	}
	covered := 0
	for _, d := range modeDefs() {
		if !slices.Contains(d.fields, FieldHeaders) {
			continue
		}
		covered++
		cfg := docConfig(d.mode)
		cfg.Scheme = d.scheme
		switch d.scheme {
		case SchemeAzureHMAC:
			cfg.AzureKey = []byte("azure test key")
		case SchemeGCSRSA, SchemeGCSHMAC:
			cfg.GCS = testGCSConfig(t)
		case SchemeAzureSAS:
			cfg.AzureSAS = testAzureSASConfig(t)
		case SchemeCloudFront:
			cfg.CloudFront = testCloudFrontConfig(t)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("%v %v: give the test a config that runs: %v", d.mode, d.scheme, err)
			continue
		}
		var m strings.Builder
		for i, h := range bad {
			m.WriteString(`{"id":"` + strings.Repeat("x", i) + `","url":"https://examplebucket.s3.amazonaws.com/k","headers":` + h + "}\n")
		}
		// A good header still passes in the same run.
		m.WriteString(`{"id":"good","url":"https://examplebucket.s3.amazonaws.com/k","headers":{"x-amz-meta-a":"v"}}` + "\n")
		res := runManifest(t, cfg, m.String(), FormatNDJSON, Shard{})
		if res.err != nil {
			t.Fatalf("%v %v: %v", d.mode, d.scheme, res.err)
		}
		lines := strings.Split(strings.TrimSpace(res.rejects), "\n")
		n := 0
		for _, l := range lines {
			if l == "" {
				continue
			}
			var rj Reject
			if err := json.Unmarshal([]byte(l), &rj); err != nil {
				t.Fatalf("%v %v: reject %q: %v", d.mode, d.scheme, l, err)
			}
			if rj.ID == "good" {
				continue
			}
			n++
			if rj.Field != FieldHeaders || strings.Contains(rj.Error, "Injected: 1") {
				t.Errorf("%v %v: reject %+v, want field headers, the value not quoted", d.mode, d.scheme, rj)
			}
		}
		if n != len(bad) || strings.Contains(res.out, "Injected") {
			t.Errorf("%v %v: %d of %d rows rejected\nout:\n%s\nrejects:\n%s", d.mode, d.scheme, n, len(bad), res.out, res.rejects)
		}
	}
	if covered < 3 {
		t.Errorf("only %d modes take headers", covered)
	}
}
