package pipeline

import (
	"strings"
	"testing"

	"github.com/batchsign/batchsign/gcs"
	"github.com/batchsign/batchsign/internal/vectors"
)

// testGCSConfig is the conformance suite's service account and an HMAC key.
func testGCSConfig(t testing.TB) GCSConfig {
	t.Helper()
	data := vectors.Read(t, "gcs-conformance/test_service_account.not-a-test.json")
	acct, err := gcs.ParseServiceAccountJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	const id, secret = "GOOG1ETESTACCESSID", "dGVzdC1zZWNyZXQtbm90LXJlYWwtMDEyMzQ1Njc4OQ"
	return GCSConfig{Account: acct, HMAC: gcs.NewHMACKey(id, secret),
		HMACLookup: func(k string) (string, bool) { return secret, k == id }}
}

// TestGCSPresignVerifies: what presign writes under either GCS scheme,
// for every way a row places the bucket, verify (auto and the scheme
// itself) finds valid, and a tampered copy invalid.
func TestGCSPresignVerifies(t *testing.T) {
	rows := `{"id":"path","bucket":"b","key":"a b/ü"}
{"id":"put","method":"PUT","bucket":"b","key":"k","headers":{"Content-Type":"text/plain"},"query":{"generation":"1"}}
{"id":"url-path","url":"https://storage.googleapis.com/b/x/y?userProject=p"}
{"id":"url-virtual","url":"https://b.storage.googleapis.com/x"}
{"id":"url-bound","url":"http://cdn.example.com/x"}
`
	for _, s := range []Scheme{SchemeGCSRSA, SchemeGCSHMAC} {
		cfg := docConfig(Presign)
		cfg.Scheme, cfg.GCS = s, testGCSConfig(t)
		res := runManifest(t, cfg, rows, FormatNDJSON, Shard{})
		if res.err != nil || res.stats.Signed != 5 || res.rejects != "" {
			t.Fatalf("%s: %+v", s, res)
		}
		if !strings.Contains(res.out, `"headers":{"Content-Type":"text/plain"}`) {
			t.Errorf("%s: headers not listed:\n%s", s, res.out)
		}
		for _, only := range []Scheme{SchemeAuto, s} {
			vcfg := docConfig(Verify)
			vcfg.Scheme, vcfg.GCS = only, cfg.GCS
			// The output rows carry the headers the URLs signed, as a
			// client sends them (the PUT's Content-Type).
			good := runManifest(t, vcfg, res.out, FormatNDJSON, Shard{})
			if good.err != nil || good.stats.Verify.Valid != 5 || !strings.Contains(good.out, `"scheme":"`+string(s)+`"`) {
				t.Errorf("%s verify %s: %+v", s, only, good)
			}
			bad := runManifest(t, vcfg, strings.ReplaceAll(res.out, "X-Goog-Expires=3600", "X-Goog-Expires=3601"), FormatNDJSON, Shard{})
			if bad.err != nil || bad.stats.Verify.Valid != 0 || strings.Count(bad.out, "signature_mismatch") != 5 {
				t.Errorf("%s verify %s of tampered URLs: %s", s, only, bad.out)
			}
		}
	}
}

func TestGCSRowsRefused(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.GCS = SchemeGCSRSA, testGCSConfig(t)
	for _, tc := range []struct{ row, field string }{
		{`{"id":"1","key":"k"}`, FieldBucket},
		{`{"id":"1","bucket":"b","url":"https://storage.googleapis.com/b/k"}`, FieldURL},
		{`{"id":"1","url":"https://storage.googleapis.com/"}`, FieldURL},
		{`{"id":"1","bucket":"b","key":"k","expires":604801}`, FieldExpires},
		{`{"id":"1","bucket":"b","key":"k","query":{"X-Goog-Signature":"x"}}`, "query"},
	} {
		res := runManifest(t, cfg, tc.row+"\n", FormatNDJSON, Shard{})
		if res.stats.Rejected != 1 || !strings.Contains(res.rejects, `"field":"`+tc.field) {
			t.Errorf("%s: %+v", tc.row, res)
		}
	}
}
