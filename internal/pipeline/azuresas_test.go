package pipeline

import (
	"strings"
	"testing"

	"github.com/batchsign/batchsign/azuresas"
)

// testAzureSASConfig is the emulator's development account (public).
func testAzureSASConfig(t testing.TB) AzureSASConfig {
	t.Helper()
	cred, err := azuresas.ParseConnectionString("UseDevelopmentStorage=true")
	if err != nil {
		t.Fatal(err)
	}
	return AzureSASConfig{Credential: &cred}
}

// TestAzureSASPresignVerifies: what presign writes under azure-sas, for
// every way a row names the blob, verify (auto and azure-sas) finds valid,
// a tampered copy invalid, and a PUT's output lists x-ms-blob-type.
func TestAzureSASPresignVerifies(t *testing.T) {
	rows := `{"id":"get","bucket":"exports","key":"a b/ü+%.txt","query":{"response-content-disposition":"attachment","rsct":"text/plain"}}
{"id":"put","method":"PUT","bucket":"exports","key":"up/x.bin"}
{"id":"del","method":"DELETE","bucket":"exports","key":"x"}
{"id":"perms","bucket":"exports","key":"y","permissions":"wr"}
{"id":"container","bucket":"exports","permissions":"rl"}
{"id":"url-path","url":"http://127.0.0.1:10000/devstoreaccount1/exports/p/q.txt"}
{"id":"url-host","url":"https://devstoreaccount1.blob.core.windows.net/exports/h.txt"}
`
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.AzureSAS = SchemeAzureSAS, testAzureSASConfig(t)
	res := runManifest(t, cfg, rows, FormatNDJSON, Shard{})
	if res.err != nil || res.stats.Signed != 7 || res.rejects != "" {
		t.Fatalf("%+v", res)
	}
	for _, want := range []string{
		`"url":"http://127.0.0.1:10000/devstoreaccount1/exports/a%20b/%C3%BC%2B%25.txt?sv=2022-11-02&spr=https%2Chttp&se=2013-05-24T01%3A00%3A00Z&sr=b&sp=r&rscd=attachment&rsct=text%2Fplain&sig=`,
		`"method":"PUT","url":"http://127.0.0.1:10000/devstoreaccount1/exports/up/x.bin?sv=2022-11-02&spr=https%2Chttp&se=2013-05-24T01%3A00%3A00Z&sr=b&sp=cw&sig=`,
		`"headers":{"x-ms-blob-type":"BlockBlob"}`,
		`&sr=b&sp=rw&sig=`, `&sr=c&sp=rl&sig=`, `&sr=b&sp=d&sig=`,
		`"url":"https://devstoreaccount1.blob.core.windows.net/exports/h.txt?sv=2022-11-02&spr=https&se=`,
	} {
		if !strings.Contains(res.out, want) {
			t.Errorf("output lacks %s:\n%s", want, res.out)
		}
	}
	for _, only := range []Scheme{SchemeAuto, SchemeAzureSAS} {
		vcfg := docConfig(Verify)
		vcfg.Scheme, vcfg.AzureSAS = only, cfg.AzureSAS
		good := runManifest(t, vcfg, res.out, FormatNDJSON, Shard{})
		if good.err != nil || good.stats.Verify.Valid != 7 || strings.Count(good.out, `"scheme":"azure-sas"`) != 7 {
			t.Errorf("verify %s: %+v", only, good)
		}
		bad := runManifest(t, vcfg, strings.ReplaceAll(res.out, "se=2013-05-24T01", "se=2013-05-24T02"), FormatNDJSON, Shard{})
		if bad.err != nil || bad.stats.Verify.Valid != 0 || strings.Count(bad.out, "signature_mismatch") != 7 {
			t.Errorf("verify %s of tampered URLs: %s", only, bad.out)
		}
	}
	// A GET URL used for a PUT: wrong_permission.
	vcfg := docConfig(Verify)
	vcfg.Scheme, vcfg.AzureSAS = SchemeAzureSAS, cfg.AzureSAS
	wrong := runManifest(t, vcfg, strings.Replace(strings.SplitN(res.out, "\n", 2)[0], `"method":"GET"`, `"method":"PUT"`, 1)+"\n", FormatNDJSON, Shard{})
	if !strings.Contains(wrong.out, `"reason":"wrong_permission"`) {
		t.Errorf("GET URL verified for a PUT: %s", wrong.out)
	}
}

func TestAzureSASRowsRefused(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.Scheme, cfg.AzureSAS = SchemeAzureSAS, testAzureSASConfig(t)
	for _, tc := range []struct{ row, field string }{
		{`{"id":"1","key":"k"}`, FieldBucket},
		{`{"id":"1","bucket":"exports","url":"https://devstoreaccount1.blob.core.windows.net/exports/k"}`, FieldURL},
		{`{"id":"1","url":"https://otheraccount.blob.core.windows.net/exports/k"}`, FieldURL},
		{`{"id":"1","url":"https://devstoreaccount1.blob.core.windows.net/exports/k?comp=list"}`, FieldURL},
		{`{"id":"1","bucket":"Exports","key":"k"}`, FieldBucket},
		{`{"id":"1","bucket":"exports","key":"a\\b"}`, FieldKey},
		{`{"id":"1","bucket":"exports","key":"k","permissions":"rq"}`, FieldPermissions},
		{`{"id":"1","bucket":"exports","key":"k","expires":604801}`, FieldExpires},
		{`{"id":"1","bucket":"exports","key":"k","query":{"comp":"list"}}`, FieldQuery},
		{`{"id":"1","bucket":"exports","key":"k","query":{"rscd":"a","response-content-disposition":"b"}}`, FieldQuery},
		{`{"id":"1","method":"POST","bucket":"exports","key":"k"}`, FieldMethod},
		{`{"id":"1","bucket":"exports","key":"k","headers":{"x-ms-blob-type":"BlockBlob"}}`, FieldHeaders},
	} {
		res := runManifest(t, cfg, tc.row+"\n", FormatNDJSON, Shard{})
		if res.stats.Rejected != 1 || !strings.Contains(res.rejects, `"field":"`+tc.field) {
			t.Errorf("%s: %+v", tc.row, res)
		}
	}
}
