package pipeline

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4a"
)

func TestMRAPAddress(t *testing.T) {
	for _, tc := range []struct{ arn, host, err string }{
		{"arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap", "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", ""},
		{"arn:aws-cn:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap", "", "aws partition only"},
		{"arn:aws:s3::12345:accesspoint/mfzwi23gnjvgw.mrap", "", "12 digits"},
		{"arn:aws:s3:us-east-1:123456789012:accesspoint/ap", "", "Multi-Region Access Point"},
		{"arn:aws:s3::123456789012:accesspoint/Upper.mrap", "", "lower-case"},
		{"arn:aws:s3::123456789012:accesspoint/a/b.mrap", "", "lower-case"},
	} {
		host, err := mrapAddress(tc.arn)
		if host != tc.host || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %q %v", tc.arn, host, err)
		}
	}
}

// TestSigV4aPresignAndSignVerify: SigV4a output verifies with the sigv4a
// library and with verify (auto and --scheme sigv4a); the row's region_set
// is signed; a tampered copy is refused.
func TestSigV4aPresignAndSignVerify(t *testing.T) {
	rows := `{"id":"v","bucket":"examplebucket","key":"a b"}
{"id":"rs","bucket":"examplebucket","key":"k","region_set":"us-east-1,eu-*"}
{"id":"arn","bucket":"arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap","key":"k"}
{"id":"url","url":"https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/x?versionId=1"}
`
	lookup := credentialsLookup(docCreds)
	for _, m := range []Mode{Presign, Sign} {
		cfg := docConfig(m)
		cfg.Scheme = SchemeSigV4a
		res := runManifest(t, cfg, rows, FormatNDJSON, Shard{})
		if res.err != nil || res.stats.Signed != 4 {
			t.Fatalf("%v: %+v", m, res)
		}
		v := sigv4a.NewVerifier(lookup, sigv4a.VerifyOptions{Now: docTime})
		for line := range strings.Lines(res.out) {
			var rec struct {
				ID, URL string
				Headers map[string]string
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatal(err)
			}
			var err error
			if m == Presign {
				err = v.PresignedURL("GET", rec.URL, nil, "")
			} else {
				var hs []sigv4a.Header
				for k, val := range rec.Headers {
					hs = append(hs, sigv4a.Header{Name: k, Value: val})
				}
				err = v.Request("GET", rec.URL, hs, "")
			}
			if err != nil {
				t.Errorf("%v %s: %v", m, rec.ID, err)
			}
		}
		if !strings.Contains(res.out, "us-east-1%2Ceu-%2A") && !strings.Contains(res.out, `"X-Amz-Region-Set":"us-east-1,eu-*"`) {
			t.Errorf("%v: region_set not signed:\n%s", m, res.out)
		}
		if !strings.Contains(res.out, "https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/k") {
			t.Errorf("%v: ARN row not addressed at its host:\n%s", m, res.out)
		}
		for _, only := range []Scheme{SchemeAuto, SchemeSigV4a} {
			vcfg := docConfig(Verify)
			vcfg.Scheme = only
			good := runManifest(t, vcfg, res.out, FormatNDJSON, Shard{})
			if good.err != nil || good.stats.Verify.Valid != 4 || strings.Count(good.out, `"scheme":"sigv4a"`) != 4 {
				t.Errorf("%v verify %s: %+v", m, only, good)
			}
			// Expired an hour later (presign), skewed (sign).
			vcfg.Time = docTime.Add(7200e9)
			late := runManifest(t, vcfg, res.out, FormatNDJSON, Shard{})
			if late.err != nil || late.stats.Verify.Valid != 0 {
				t.Errorf("%v verify %s later: %s", m, only, late.out)
			}
		}
		vcfg := docConfig(Verify)
		vcfg.Scheme = SchemeSigV4
		if other := runManifest(t, vcfg, res.out, FormatNDJSON, Shard{}); other.stats.Verify.ByReason[sigerr.ErrMalformed.Code()] != 4 {
			t.Errorf("%v verify --scheme sigv4: %s", m, other.out)
		}
	}
}

// TestSigV4SignsMRAPRowsWithSigV4a: under --scheme sigv4, a row addressing
// a Multi-Region Access Point is signed with SigV4a; others with SigV4.
func TestSigV4SignsMRAPRowsWithSigV4a(t *testing.T) {
	rows := `{"id":"plain","bucket":"examplebucket","key":"k"}
{"id":"arn","bucket":"arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap","key":"k","region_set":"us-*"}
{"id":"url","url":"https://MFZWI23GNJVGW.mrap.accesspoint.s3-global.amazonaws.com:443/x"}
{"id":"badarn","bucket":"arn:aws:s3:us-east-1:123456789012:accesspoint/ap","key":"k"}
`
	for _, m := range []Mode{Presign, Sign} {
		res := runManifest(t, docConfig(m), rows, FormatNDJSON, Shard{})
		lines := strings.Split(strings.TrimSpace(res.out), "\n")
		if res.err != nil || len(lines) != 3 || res.stats.Rejected != 1 || !strings.Contains(res.rejects, `"field":"bucket"`) {
			t.Fatalf("%v: %+v", m, res)
		}
		if !strings.Contains(lines[0], "AWS4-HMAC-SHA256") || !strings.Contains(lines[1], "AWS4-ECDSA-P256-SHA256") || !strings.Contains(lines[2], "AWS4-ECDSA-P256-SHA256") {
			t.Errorf("%v:\n%s", m, res.out)
		}
	}
}

func TestSigV4aRegionSetChecked(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.RegionSet = SchemeSigV4a, "us east"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "region set") {
		t.Errorf("Validate: %v", err)
	}
	cfg.RegionSet = ""
	res := runManifest(t, cfg, `{"id":"1","bucket":"b","key":"k","region_set":"US"}`+"\n", FormatNDJSON, Shard{})
	if res.stats.Rejected != 1 || !strings.Contains(res.rejects, `"field":"region_set"`) {
		t.Errorf("%+v", res)
	}
}
