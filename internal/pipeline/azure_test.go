package pipeline

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/azurehmac"
)

func TestBodyFieldDecodesFromNDJSONAndParquet(t *testing.T) {
	if r := decodeOne(`{"id":"a","body":"[\"chat\"]\n"}`); r.Err != nil || r.Body != "[\"chat\"]\n" {
		t.Errorf("NDJSON body: %+v", r)
	}
	if r := decodeOne(`{"body":7}`); r.Err == nil || r.Err.Field != FieldBody {
		t.Errorf("NDJSON body of the wrong type: %+v", r)
	}
	data := writeParquet(t, []ManifestRecord{{ID: "a", Body: "x,y"}, {ID: "b"}})
	pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, pr, 4)
	if len(rows) != 2 || rows[0].Body != "x,y" || rows[1].Body != "" {
		t.Errorf("Parquet body: %+v", rows)
	}
}

// SigV4 has no inline body: a row that gives one is refused rather than
// signed as if the body were empty.
func TestSigV4RejectsInlineBody(t *testing.T) {
	for _, m := range []Mode{Presign, Sign} {
		res := runManifest(t, docConfig(m), `{"id":"b","bucket":"examplebucket","key":"k","body":"hi"}`, FormatNDJSON, Shard{})
		if res.err != nil || res.stats.Rejected != 1 || !strings.Contains(res.rejects, `"field":"body"`) {
			t.Errorf("%v: %+v", m, res)
		}
	}
}

// azureVector is one case of testdata/azure-hmac-vectors.json,
// signed by Microsoft's client library with a pinned clock.
type azureVector struct {
	Input struct {
		URL, Method, Key, Date, Body string
	} `json:"input"`
	Expected map[string]string `json:"expected_headers"`
}

func azureVectors(t *testing.T) []azureVector {
	t.Helper()
	data := vectors.Read(t, "azure-hmac-vectors.json")
	var vs []azureVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 8 {
		t.Fatalf("only %d Azure vectors", len(vs))
	}
	return vs
}

func azureConfig(t *testing.T, v azureVector) Config {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(v.Input.Key)
	if err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339, v.Input.Date)
	if err != nil {
		t.Fatal(err)
	}
	host, _, err := azurehmac.HostAndPath(v.Input.URL)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Mode: Sign, Scheme: SchemeAzureHMAC, AzureKey: key, AzureEndpoint: "https://" + host + "/", Time: at, Workers: 2, BatchSize: 2}
}

type signedRow struct {
	ID, Method, URL string
	Headers         map[string]string
}

func signedRows(t *testing.T, out string) []signedRow {
	t.Helper()
	var rows []signedRow
	for _, l := range lines(out) {
		var r signedRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// Every vector, with its body inline, from a file, and (for the URL) as a
// path resolved against the endpoint, gives exactly Microsoft's headers.
func TestAzureSignMatchesVectors(t *testing.T) {
	dir := t.TempDir()
	for i, v := range azureVectors(t) {
		body := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(body, []byte(v.Input.Body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, pathAndQuery, _ := azurehmac.HostAndPath(v.Input.URL)
		bodyField := `"body":` + quote(v.Input.Body)
		if v.Input.Body == "" {
			bodyField = `"payload":"signed"`
		}
		manifest := strings.Join([]string{
			`{"id":"inline","method":` + quote(v.Input.Method) + `,"url":` + quote(v.Input.URL) + `,` + bodyField + `}`,
			`{"id":"file","method":` + quote(strings.ToLower(v.Input.Method)) + `,"url":` + quote(v.Input.URL) + `,"body_file":` + quote(body) + `}`,
			`{"id":"path","method":` + quote(v.Input.Method) + `,"url":` + quote(pathAndQuery) + `,` + bodyField + `}`,
		}, "\n")
		res := runManifest(t, azureConfig(t, v), manifest, FormatNDJSON, Shard{})
		if res.err != nil || res.rejects != "" {
			t.Fatalf("vector %d: %v %s", i, res.err, res.rejects)
		}
		rows := signedRows(t, res.out)
		if len(rows) != 3 {
			t.Fatalf("vector %d: %d rows", i, len(rows))
		}
		for _, r := range rows {
			if !reflect.DeepEqual(r.Headers, v.Expected) || r.URL != v.Input.URL || r.Method != v.Input.Method {
				t.Errorf("vector %d %s:\n got %+v\nwant %s %s %v", i, r.ID, r, v.Input.Method, v.Input.URL, v.Expected)
			}
		}
	}
}

// What sign --scheme azure-hmac writes, verify accepts at the same instant.
func TestAzureSignOutputVerifies(t *testing.T) {
	for i, v := range azureVectors(t) {
		cfg := azureConfig(t, v)
		res := runManifest(t, cfg, `{"id":"x","method":`+quote(v.Input.Method)+`,"url":`+quote(v.Input.URL)+`,"body":`+quote(v.Input.Body)+`}`, FormatNDJSON, Shard{})
		if res.err != nil || res.rejects != "" {
			t.Fatalf("vector %d: %v %s", i, res.err, res.rejects)
		}
		vcfg := Config{Mode: Verify, AzureKey: cfg.AzureKey, Time: cfg.Time, Workers: 1}
		got := runManifest(t, vcfg, res.out, FormatNDJSON, Shard{})
		if got.err != nil || strings.TrimSpace(got.out) != `{"id":"x","valid":true,"reason":"","scheme":"azure-hmac"}` {
			t.Errorf("vector %d: %v %s %s", i, got.err, got.out, got.rejects)
		}
	}
}

func TestAzureSignRejectsNameTheField(t *testing.T) {
	v := azureVectors(t)[0]
	manifest := strings.Join([]string{
		`{"id":"ok","method":"PATCH","url":"/identities","body":"[\"chat\"]"}`,
		`{"id":"rel","url":"identities"}`,
		`{"id":"scheme","url":"ftp://contoso.communication.azure.com/x"}`,
		`{"id":"space","url":"https://contoso.communication.azure.com/a b"}`,
		`{"id":"frag","url":"https://contoso.communication.azure.com/a#b"}`,
		`{"id":"utf8","url":"https://contoso.communication.azure.com/café"}`,
		`{"id":"none"}`,
		`{"id":"dbl","url":"//evil.example/x"}`,
		`{"id":"m","method":"TRACE","url":"/x"}`,
		`{"id":"both","url":"/x","body":"a","body_file":"f"}`,
		`{"id":"hash","url":"/x","body":"a","content_sha256":"00"}`,
		`{"id":"unsigned","url":"/x","payload":"unsigned"}`,
		`{"id":"bucket","bucket":"b","key":"k"}`,
		`{"id":"hdr","url":"/x","headers":{"Content-Type":"a"}}`,
		`{"id":"nofile","url":"/x","body_file":"/nonexistent/body"}`,
	}, "\n")
	res := runManifest(t, azureConfig(t, v), manifest, FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := map[string]string{"rel": "url", "scheme": "url", "space": "url", "frag": "url", "utf8": "url", "none": "url", "dbl": "url",
		"m": "method", "both": "body", "hash": "content_sha256", "unsigned": "payload", "bucket": "bucket", "hdr": "headers", "nofile": "body_file"}
	for _, l := range lines(res.rejects) {
		var rj Reject
		if err := json.Unmarshal([]byte(l), &rj); err != nil {
			t.Fatal(err)
		}
		if f, ok := want[rj.ID]; !ok || f != rj.Field {
			t.Errorf("reject %+v, want field %q", rj, f)
		}
		delete(want, rj.ID)
	}
	if len(want) != 0 {
		t.Errorf("not rejected: %v", want)
	}
	rows := signedRows(t, res.out)
	if len(rows) != 1 || rows[0].Headers["Authorization"] != v.Expected["Authorization"] {
		t.Errorf("out = %s", res.out)
	}
}

func TestAzureSignCSVAndWorkerCounts(t *testing.T) {
	vs := azureVectors(t)
	cfg := azureConfig(t, vs[0])
	var b strings.Builder
	for i := range 300 {
		b.WriteString(`{"id":"` + strconv.Itoa(i) + `","method":"POST","url":"/identities?i=` + strconv.Itoa(i) + `","body":"[\"chat\"]"}` + "\n")
	}
	var first string
	for _, workers := range []int{1, 2, 7} {
		cfg.Workers = workers
		var out, rej bytes.Buffer
		w, err := NewWriter(&out, FormatCSV, Sign, SchemeAzureHMAC)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Run(t.Context(), cfg, NewNDJSONReader(strings.NewReader(b.String())), w, NewRejectWriter(&rej), nil); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = out.String()
		} else if out.String() != first {
			t.Errorf("%d workers: output differs", workers)
		}
	}
	ls := strings.Split(first, "\r\n")
	if ls[0] != "id,method,url,host,x-ms-date,x-ms-content-sha256,authorization" || len(ls) != 302 ||
		!strings.HasPrefix(ls[1], "0,POST,https://contoso.communication.azure.com/identities?i=0,contoso.communication.azure.com,"+
			`"Wed, 21 Jan 2026 17:00:56 GMT",xofH0AV3+9wLhQKNP6JSQ+o9saoAvQ5tAtPx9D26qP4=,HMAC-SHA256 SignedHeaders=`) {
		t.Errorf("CSV:\n%s", strings.Join(ls[:min(3, len(ls))], "\n"))
	}
}

func TestAzureSignConfigErrorsNeverNameTheKey(t *testing.T) {
	for _, cfg := range []Config{
		{Mode: Sign, Scheme: SchemeAzureHMAC, Time: time.Now()},
		{Mode: Sign, Scheme: SchemeAzureHMAC, AzureKey: []byte("k"), AzureEndpoint: "contoso?x", Time: time.Now()},
		{Mode: Sign, Scheme: SchemeAzureHMAC, AzureKey: []byte("k")},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v: no error", cfg.AzureEndpoint)
		}
	}
}
