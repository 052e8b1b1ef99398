package pipeline

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

func TestVerifyRecordsInEveryFormat(t *testing.T) {
	recs := []testRecord{
		{ID: "a", Valid: true, Scheme: SchemeSigV4},
		{ID: "b,\"c\"", Reason: "expired", Scheme: SchemeSigV2},
	}
	if got, want := string(encodeAll(t, FormatNDJSON, Verify, recs)),
		`{"id":"a","valid":true,"reason":"","scheme":"sigv4"}`+"\n"+`{"id":"b,\"c\"","valid":false,"reason":"expired","scheme":"sigv2"}`+"\n"; got != want {
		t.Errorf("ndjson:\n%s\nwant\n%s", got, want)
	}
	if got, want := string(encodeAll(t, FormatCSV, Verify, recs)),
		"id,valid,reason,scheme\r\na,true,,sigv4\r\n\"b,\"\"c\"\"\",false,expired,sigv2\r\n"; got != want {
		t.Errorf("csv:\n%q\nwant\n%q", got, want)
	}
	pq := encodeAll(t, FormatParquet, Verify, recs)
	rows, err := parquet.Read[VerifyRecord](bytes.NewReader(pq), int64(len(pq)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0] != (VerifyRecord{ID: "a", Valid: true, Scheme: "sigv4"}) ||
		rows[1] != (VerifyRecord{ID: "b,\"c\"", Reason: "expired", Scheme: "sigv2"}) {
		t.Errorf("parquet: %+v", rows)
	}
}

// TestVerifyRunRoundTrip: what a Presign run writes, a Verify run over the
// same pool judges; the counts land in Stats.
func TestVerifyRunRoundTrip(t *testing.T) {
	cfg := docConfig(Presign)
	manifest := `{"id":"1","bucket":"examplebucket","key":"a.txt"}
{"id":"2","bucket":"examplebucket","key":"b c.txt","expires":60}
`
	signed := runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
	if signed.err != nil {
		t.Fatal(signed.err)
	}
	cfg.Mode = Verify
	if res := runManifest(t, cfg, signed.out, FormatNDJSON, Shard{}); res.err != nil || res.stats.Verify.Valid != 2 || res.rejects != "" {
		t.Fatalf("untouched: %+v %+v", res, res.stats.Verify)
	}
	tampered := strings.Replace(signed.out, "a.txt", "z.txt", 1) + `{"id":"3"}` + "\n"
	cfg.Time = cfg.Time.Add(61 * time.Second)
	res := runManifest(t, cfg, tampered, FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := `{"id":"1","valid":false,"reason":"signature_mismatch","scheme":"sigv4"}` + "\n" +
		`{"id":"2","valid":false,"reason":"expired","scheme":"sigv4"}` + "\n"
	if res.out != want || !strings.Contains(res.rejects, `"id":"3","field":"url"`) {
		t.Errorf("out:\n%s\nrejects:\n%s", res.out, res.rejects)
	}
	st := res.stats
	if st.Read != 3 || st.Signed != 2 || st.Rejected != 1 || st.Verify == nil || st.Verify.Invalid != 2 ||
		st.Verify.ByReason["expired"] != 1 || st.Verify.ByReason["signature_mismatch"] != 1 {
		t.Errorf("stats %+v %+v", st, st.Verify)
	}
}

// TestVerifyUnderOneScheme: under auto every row is judged by the scheme it
// shows; under one scheme its rows are judged as under auto, and a row of
// another scheme is invalid, reason malformed, under the scheme asked for.
func TestVerifyUnderOneScheme(t *testing.T) {
	row := `{"id":"%s","bucket":"examplebucket","key":"k"}` + "\n"
	sign := func(cfg Config, id, manifest string) string {
		t.Helper()
		res := runManifest(t, cfg, strings.ReplaceAll(manifest, "%s", id), FormatNDJSON, Shard{})
		if res.err != nil || res.rejects != "" {
			t.Fatal(res.err, res.rejects)
		}
		return res.out
	}
	v2 := docConfig(Presign)
	v2.Scheme = SchemeSigV2
	az := azureConfig(t, azureVectors(t)[0])
	az.Time = docTime
	rows := sign(docConfig(Presign), "sigv4-url", row) + sign(docConfig(Sign), "sigv4-headers", row) +
		sign(v2, "sigv2", row) + sign(az, "azure-hmac", `{"id":"%s","url":"/identities","body":"{}"}`+"\n")
	cfg := docConfig(Verify)
	cfg.AzureKey = az.AzureKey
	ids := []string{"sigv4-url", "sigv4-headers", "sigv2", "azure-hmac"}
	for _, only := range []Scheme{SchemeAuto, SchemeSigV4, SchemeSigV2, SchemeAzureHMAC} {
		cfg.Scheme = only
		res := runManifest(t, cfg, rows, FormatNDJSON, Shard{})
		if res.err != nil || res.rejects != "" {
			t.Fatalf("%v: %v %s", only, res.err, res.rejects)
		}
		var want strings.Builder
		invalid := 0
		for _, id := range ids {
			scheme := Scheme(strings.TrimSuffix(strings.TrimSuffix(id, "-url"), "-headers"))
			switch {
			case only == SchemeAuto || only == scheme:
				want.WriteString(`{"id":"` + id + `","valid":true,"reason":"","scheme":"` + string(scheme) + `"}` + "\n")
			default:
				want.WriteString(`{"id":"` + id + `","valid":false,"reason":"malformed","scheme":"` + string(only) + `"}` + "\n")
				invalid++
			}
		}
		if res.out != want.String() {
			t.Errorf("%v:\n%s\nwant\n%s", only, res.out, want.String())
		}
		if v := res.stats.Verify; v.Invalid != int64(invalid) || v.ByReason["malformed"] != int64(invalid) {
			t.Errorf("%v: stats %+v", only, v)
		}
	}
}

// TestVerifyUnderOneSchemeNeedsItsKeys: AWS keys for sigv4 and sigv2, the
// Azure key for azure-hmac; auto takes either.
func TestVerifyUnderOneSchemeNeedsItsKeys(t *testing.T) {
	aws := Config{Mode: Verify, Credentials: docCreds, Time: docTime}
	azure := Config{Mode: Verify, AzureKey: []byte("k"), Time: docTime}
	for _, tc := range []struct {
		cfg    Config
		scheme Scheme
		ok     bool
	}{
		{aws, SchemeAuto, true}, {azure, SchemeAuto, true},
		{aws, SchemeSigV4, true}, {aws, SchemeSigV2, true}, {aws, SchemeAzureHMAC, false},
		{azure, SchemeSigV4, false}, {azure, SchemeSigV2, false}, {azure, SchemeAzureHMAC, true},
	} {
		tc.cfg.Scheme = tc.scheme
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%v with AWS keys %v: %v", tc.scheme, tc.cfg.AzureKey == nil, err)
		}
	}
}

// TestVerifyPairsKeepRowOrder: SigV4 presigned URL rows are judged two at
// a time (verifyPaired); whatever batch size pairs them, the verdicts,
// rejects and counts are those of rows judged one per batch, where no row
// has a partner: valid, tampered, expired and SigV2 rows, rejects and
// header-signed rows mixed, odd and even runs of pairable rows.
func TestVerifyPairsKeepRowOrder(t *testing.T) {
	cfg := docConfig(Presign)
	var m strings.Builder
	for i := range 9 {
		fmt.Fprintf(&m, `{"id":"p%d","bucket":"examplebucket","key":"k%d","region":"%s","expires":%d}`+"\n",
			i, i, []string{"us-east-1", "eu-west-1"}[i%2], 60+i*30)
	}
	signed := runManifest(t, cfg, m.String(), FormatNDJSON, Shard{})
	v2 := docConfig(Presign)
	v2.Scheme = SchemeSigV2
	sigv2 := runManifest(t, v2, `{"id":"v2","bucket":"examplebucket","key":"k"}`+"\n", FormatNDJSON, Shard{})
	headers := runManifest(t, docConfig(Sign), `{"id":"h","bucket":"examplebucket","key":"k"}`+"\n", FormatNDJSON, Shard{})
	for _, r := range []runResult{signed, sigv2, headers} {
		if r.err != nil || r.rejects != "" {
			t.Fatal(r.err, r.rejects)
		}
	}
	lines := strings.SplitAfter(strings.TrimSuffix(signed.out, "\n"), "\n")
	lines[3] = strings.Replace(lines[3], "k3", "k4", 1) // a signature mismatch
	var rows []string
	rows = append(rows, lines[0], sigv2.out, lines[1], lines[2], `{"id":"bad","method":"FETCH","url":"https://x"}`+"\n",
		lines[3], lines[4], lines[5], headers.out, lines[6], `{"id":"nourl"}`+"\n", lines[7], lines[8])
	manifest := strings.Join(rows, "")
	vcfg := docConfig(Verify)
	vcfg.Region = ""
	vcfg.Time = docTime.Add(2 * time.Minute) // p0 and p1 expired
	vcfg.Workers, vcfg.BatchSize = 1, 1
	want := runManifest(t, vcfg, manifest, FormatNDJSON, Shard{})
	if want.err != nil || !strings.Contains(want.out, `"id":"p3","valid":false,"reason":"signature_mismatch"`) ||
		!strings.Contains(want.out, `"id":"p0","valid":false,"reason":"expired"`) || strings.Count(want.rejects, "\n") != 2 {
		t.Fatalf("alone: %v\n%s\n%s", want.err, want.out, want.rejects)
	}
	for _, size := range []int{2, 3, 4, 5, 64} {
		vcfg.BatchSize = size
		got := runManifest(t, vcfg, manifest, FormatNDJSON, Shard{})
		if got.err != nil || got.out != want.out || got.rejects != want.rejects || got.stats.Signed != want.stats.Signed ||
			got.stats.Verify.Valid != want.stats.Verify.Valid || got.stats.Verify.Invalid != want.stats.Verify.Invalid {
			t.Errorf("batch size %d: %v\n%s\n%s\nwant\n%s\n%s", size, got.err, got.out, got.rejects, want.out, want.rejects)
		}
	}
}
