package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/azurehmac"
	"github.com/batchsign/batchsign/sigv2"
)

type verdict struct {
	ID     string `json:"id"`
	Valid  bool   `json:"valid"`
	Reason string `json:"reason"`
	Scheme string `json:"scheme"`
}

func verdicts(t *testing.T, out string) map[string]verdict {
	t.Helper()
	m := map[string]verdict{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var v verdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		m[v.ID] = v
	}
	return m
}

// presignedExample presigns the bundled example at pinned and returns the
// output rows, each with the headers its manifest row signed (a URL that
// signed Content-Type is only valid sent with it), ready for verify.
func presignedExample(t *testing.T) []map[string]any {
	t.Helper()
	code, out, stderr := runIn(t, "", "presign", "--time", pinned, "--rejects", filepath.Join(t.TempDir(), "rej.ndjson"), "../../examples/manifest.ndjson")
	if code != exitOK && code != exitRejected {
		t.Fatalf("presign exit %d: %s", code, stderr)
	}
	manifest, err := os.ReadFile("../../examples/manifest.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		if h, ok := row["headers"]; ok {
			headers[row["id"].(string)] = h
		}
	}
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		if h, ok := headers[row["id"].(string)]; ok {
			row["headers"] = h
		}
		rows = append(rows, row)
	}
	if len(rows) < 5 {
		t.Fatalf("only %d presigned rows", len(rows))
	}
	return rows
}

func ndjson(t *testing.T, rows []map[string]any) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		j, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestVerifyPresignedExampleAllValid(t *testing.T) {
	cleanEnv(t)
	rows := presignedExample(t)
	dir := t.TempDir()
	in := writeFile(t, filepath.Join(dir, "urls.ndjson"), ndjson(t, rows))
	sum := filepath.Join(dir, "summary.json")
	code, out, stderr := runIn(t, "", "verify", "--time", pinned, "--summary", sum, in)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, stderr)
	}
	vs := verdicts(t, out)
	if len(vs) != len(rows) {
		t.Fatalf("%d verdicts for %d rows", len(vs), len(rows))
	}
	for id, v := range vs {
		if !v.Valid || v.Reason != "" || v.Scheme != "sigv4" {
			t.Errorf("%s: %+v, want valid sigv4", id, v)
		}
	}
	var s map[string]any
	b, _ := os.ReadFile(sum)
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s["valid"] != float64(len(rows)) || s["invalid"] != float64(0) || s["command"] != "verify" {
		t.Errorf("summary %s", b)
	}
	if strings.Contains(out+stderr+string(b), fakeSecret) {
		t.Error("secret printed")
	}
}

func TestVerifyReasons(t *testing.T) {
	cleanEnv(t)
	rows := presignedExample(t)
	url0 := rows[0]["url"].(string)
	tamper := func(id, url string) map[string]any { return map[string]any{"id": id, "url": url} }
	flip := func(s string) string { // change the last hex digit of the signature
		last := s[len(s)-1]
		c := byte('0')
		if last == '0' {
			c = '1'
		}
		return s[:len(s)-1] + string(c)
	}
	input := []map[string]any{
		tamper("good", url0),
		tamper("sig", flip(url0)),
		tamper("path", strings.Replace(url0, "invoices", "invoicez", 1)),
		tamper("expires", strings.Replace(url0, "X-Amz-Expires=86400", "X-Amz-Expires=86401", 1)),
		tamper("date", strings.Replace(url0, "X-Amz-Date=20261123T120000Z", "X-Amz-Date=20261123T120001Z", 1)),
		tamper("unknown", strings.Replace(url0, "AKIDBATCHSIGNTEST", "AKIDSOMEONEELSE", 1)),
		tamper("unsigned", "https://acme-billing.s3.amazonaws.com/x"),
		{"id": "method", "method": "PUT", "url": url0},
	}
	if !strings.Contains(url0, "X-Amz-Expires=86400") || !strings.Contains(url0, "invoices") {
		t.Fatalf("example changed: %s", url0)
	}
	rej := filepath.Join(t.TempDir(), "rej.ndjson")
	stdin := ndjson(t, input) + `{"id":"no-url"}` + "\n" + `{"id":"bad-method","method":"PATCH","url":"https://x/y"}` + "\n"
	code, out, stderr := runIn(t, stdin, "verify", "--time", pinned, "--rejects", rej, "-")
	if code != exitRejected {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	want := map[string]string{
		"good": "", "sig": "signature_mismatch", "path": "signature_mismatch", "expires": "signature_mismatch",
		"date": "signature_mismatch", "unknown": "unknown_key", "unsigned": "malformed", "method": "signature_mismatch",
	}
	vs := verdicts(t, out)
	for id, reason := range want {
		v, ok := vs[id]
		if !ok || v.Valid != (reason == "") || v.Reason != reason {
			t.Errorf("%s: %+v, want reason %q", id, v, reason)
		}
	}
	if len(vs) != len(want) {
		t.Errorf("%d verdicts, want %d (malformed rows are rejects, not verdicts)", len(vs), len(want))
	}
	b, _ := os.ReadFile(rej)
	if !strings.Contains(string(b), `"id":"no-url","field":"url"`) || !strings.Contains(string(b), `"id":"bad-method","field":"method"`) {
		t.Errorf("rejects: %s", b)
	}
	if !strings.Contains(stderr, "1 valid, 7 invalid (malformed 1, signature_mismatch 5, unknown_key 1), 2 rejected") {
		t.Errorf("summary line: %s", stderr)
	}

	// Time: before the signing date (minus skew) and after the expiry.
	one := ndjson(t, input[:1])
	for at, reason := range map[string]string{
		"2026-11-23T11:40:00Z": "not_yet_valid", "2026-11-24T12:00:01Z": "expired", "2026-11-24T12:00:00Z": "",
	} {
		code, out, _ := runIn(t, one, "verify", "--time", at, "-")
		v := verdicts(t, out)["good"]
		if v.Reason != reason || (code == exitOK) != (reason == "") {
			t.Errorf("at %s: exit %d %+v, want %q", at, code, v, reason)
		}
	}
	// Expected scope.
	code, out, _ = runIn(t, one, "verify", "--time", pinned, "--region", "eu-west-1", "-")
	if v := verdicts(t, out)["good"]; code != exitRejected || v.Reason != "wrong_scope" {
		t.Errorf("--region eu-west-1: exit %d %+v", code, v)
	}
	code, out, _ = runIn(t, one, "verify", "--time", pinned, "--region", "us-east-1", "--service", "s3", "-")
	if v := verdicts(t, out)["good"]; code != exitOK || !v.Valid {
		t.Errorf("--region us-east-1 --service s3: exit %d %+v", code, v)
	}
}

func TestVerifySignedRequests(t *testing.T) {
	cleanEnv(t)
	manifest := `{"id":"a","method":"PUT","bucket":"examplebucket","key":"k.txt","content_sha256":"` + strings.Repeat("ab", 32) + `","headers":{"Content-Type":"text/plain"}}
{"id":"b","url":"https://sqs.us-east-1.amazonaws.com/?Action=ListQueues","service":"sqs"}
`
	code, signed, stderr := runIn(t, manifest, "sign", "--time", pinned, "-")
	if code != exitOK {
		t.Fatalf("sign exit %d: %s", code, stderr)
	}
	// sign's output lacks the headers the row asked to sign and send;
	// put them back, as the request on the wire would carry them.
	var rows []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(signed), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r["id"] == "a" {
			r["headers"].(map[string]any)["Content-Type"] = "text/plain"
		}
		rows = append(rows, r)
	}
	code, out, stderr := runIn(t, ndjson(t, rows), "verify", "--time", "2026-11-23T12:10:00Z", "-")
	if code != exitOK {
		t.Fatalf("verify exit %d\n%s\n%s", code, out, stderr)
	}
	for id, v := range verdicts(t, out) {
		if !v.Valid || v.Scheme != "sigv4" {
			t.Errorf("%s: %+v", id, v)
		}
	}
	_, out, _ = runIn(t, ndjson(t, rows), "verify", "--time", "2026-11-23T12:16:00Z", "-")
	if v := verdicts(t, out)["a"]; v.Reason != "clock_skew" {
		t.Errorf("16 minutes later: %+v, want clock_skew", v)
	}
	rows[0]["headers"].(map[string]any)["Content-Type"] = "text/html"
	_, out, _ = runIn(t, ndjson(t, rows), "verify", "--time", pinned, "-")
	if v := verdicts(t, out)["a"]; v.Reason != "signature_mismatch" {
		t.Errorf("changed header: %+v, want signature_mismatch", v)
	}
}

func TestVerifyKeysFileSigV2AndAzure(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	v2, err := sigv2.Presign("AKIDV2", "v2secret", &sigv2.PresignRequest{
		Host: "127.0.0.1:9000", Bucket: "bkt", Key: "a/b.txt", Addressing: sigv2.AddressingPath, Expires: now.Unix() + 60,
	})
	if err != nil {
		t.Fatal(err)
	}
	azureKey := []byte("azure-test-key-0123456789")
	az, err := azurehmac.Sign(azureKey, "POST", "https://contoso.communication.azure.com/emails:send?api-version=2023-03-31", []byte("{}"), now)
	if err != nil {
		t.Fatal(err)
	}
	input := ndjson(t, []map[string]any{
		{"id": "v2", "url": v2},
		{"id": "v2-bad", "url": strings.Replace(v2, "b.txt", "c.txt", 1)},
		{"id": "az", "method": "POST", "url": "https://contoso.communication.azure.com/emails:send?api-version=2023-03-31",
			"headers": map[string]string{"x-ms-date": az.Date, "x-ms-content-sha256": az.ContentSHA256, "Authorization": az.Authorization}},
	})
	for name, keys := range map[string]string{
		"json":   `{"AKIDV2":"v2secret","AKIDOTHER":"x"}`,
		"ndjson": `{"access_key_id":"AKIDOTHER","secret_access_key":"x"}` + "\n" + `{"access_key_id":"AKIDV2","secret_access_key":"v2secret"}` + "\n",
	} {
		kf := writeFile(t, filepath.Join(dir, name+".keys"), keys)
		cs := "endpoint=https://contoso.communication.azure.com/;accesskey=" + b64(azureKey)
		code, out, stderr := runIn(t, input, "verify", "--time", "2026-11-23T12:00:30Z", "--keys", kf, "--connection-string", cs, "-")
		vs := verdicts(t, out)
		if code != exitRejected || !vs["v2"].Valid || vs["v2"].Scheme != "sigv2" || vs["v2-bad"].Reason != "signature_mismatch" ||
			!vs["az"].Valid || vs["az"].Scheme != "azure-hmac" {
			t.Errorf("%s: exit %d %+v\n%s", name, code, vs, stderr)
		}
		if strings.Contains(out+stderr, "v2secret") {
			t.Error("secret printed")
		}
	}
	_, out, _ := runIn(t, input, "verify", "--time", "2026-11-23T12:01:01Z", "--keys", filepath.Join(dir, "json.keys"), "-")
	if vs := verdicts(t, out); vs["v2"].Reason != "expired" || vs["az"].Reason != "unknown_key" {
		t.Errorf("expired / no azure key: %+v", vs)
	}
	loose := writeFile(t, filepath.Join(dir, "loose.keys"), `{"AKIDV2":"v2secret"}`)
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runIn(t, input, "verify", "--keys", loose, "-")
	if code != exitUsage || out != "" || !strings.Contains(stderr, "chmod 600") || strings.Contains(stderr, "v2secret") {
		t.Errorf("open keys file: exit %d %q %q", code, out, stderr)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
