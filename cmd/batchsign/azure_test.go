package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/azurehmac"
)

// azureVectorsFile is testdata/azure-hmac-vectors.json at the repository root, seen from
// this package's directory (<root>/cmd/batchsign).
var azureVectorsFile = vectors.Path("azure-hmac-vectors.json")

type azureVector struct {
	Input struct {
		URL, Method, Key, Date, Body string
	} `json:"input"`
	Expected map[string]string `json:"expected_headers"`
}

func azureVectors(t *testing.T) []azureVector {
	t.Helper()
	data, err := os.ReadFile(azureVectorsFile)
	if err != nil {
		t.Fatalf("test vectors: %v", err)
	}
	var vs []azureVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 8 {
		t.Fatalf("only %d Azure vectors", len(vs))
	}
	return vs
}

// connectionString returns a connection string for v's key whose endpoint
// is v's URL's host.
func connectionString(t *testing.T, v azureVector) string {
	t.Helper()
	host, _, err := azurehmac.HostAndPath(v.Input.URL)
	if err != nil {
		t.Fatal(err)
	}
	return "endpoint=https://" + host + "/;accesskey=" + v.Input.Key
}

func manifestLine(t *testing.T, row map[string]any) string {
	t.Helper()
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// Every vector through the command line: the exact headers Microsoft's
// library sent; verify accepts the output at the same instant; a bad URL
// is a reject naming the field; the key is in no output.
func TestSignAzureHMACVectors(t *testing.T) {
	cleanEnv(t)
	for i, v := range azureVectors(t) {
		dir := t.TempDir()
		cs := connectionString(t, v)
		row := map[string]any{"id": "v", "method": v.Input.Method, "url": v.Input.URL}
		if v.Input.Body != "" {
			row["body"] = v.Input.Body
		}
		manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), manifestLine(t, row)+
			manifestLine(t, map[string]any{"id": "bad", "url": "https://" + "contoso.communication.azure.com/a b"}))
		out := filepath.Join(dir, "signed.ndjson")
		var code int
		var stdout, stderr string
		if i%2 == 0 {
			code, stdout, stderr = runIn(t, "", "sign", "--scheme", "azure-hmac", "--connection-string", cs, "--time", v.Input.Date, "-o", out, manifest)
		} else {
			t.Setenv("COMMUNICATION_SERVICES_CONNECTION_STRING", cs)
			code, stdout, stderr = runIn(t, "", "sign", "--scheme", "azure-hmac", "--time", v.Input.Date, "-o", out, manifest)
			t.Setenv("COMMUNICATION_SERVICES_CONNECTION_STRING", "")
		}
		if code != exitRejected {
			t.Fatalf("vector %d: exit %d: %s", i, code, stderr)
		}
		signed, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rejects, err := os.ReadFile(filepath.Join(dir, "signed.rejects.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			ID, Method, URL string
			Headers         map[string]string
		}
		if err := json.Unmarshal(signed, &got); err != nil || strings.Count(string(signed), "\n") != 1 {
			t.Fatalf("vector %d: %v\n%s", i, err, signed)
		}
		if !reflect.DeepEqual(got.Headers, v.Expected) || got.URL != v.Input.URL || got.Method != v.Input.Method {
			t.Errorf("vector %d:\n got %+v\nwant %v", i, got, v.Expected)
		}
		if !strings.Contains(string(rejects), `"id":"bad","field":"url"`) {
			t.Errorf("vector %d: rejects %s", i, rejects)
		}
		for _, s := range []string{stdout, stderr, string(signed), string(rejects)} {
			if strings.Contains(s, v.Input.Key) {
				t.Errorf("vector %d: key printed", i)
			}
		}

		code, vout, verr := runIn(t, "", "verify", "--connection-string", cs, "--time", v.Input.Date, out)
		if code != exitOK || strings.TrimSpace(vout) != `{"id":"v","valid":true,"reason":"","scheme":"azure-hmac"}` {
			t.Errorf("vector %d: verify exit %d %s %s", i, code, vout, verr)
		}
	}
}

func TestSignAzureHMACConfigErrorsWriteNothing(t *testing.T) {
	cleanEnv(t)
	v := azureVectors(t)[0]
	dir := t.TempDir()
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"a","url":"/identities"}`+"\n")
	out := filepath.Join(dir, "out.ndjson")
	for name, args := range map[string][]string{
		"no key":       {"sign", "--scheme", "azure-hmac", "-o", out, manifest},
		"no accesskey": {"sign", "--scheme", "azure-hmac", "--connection-string", "endpoint=https://contoso.communication.azure.com/", "-o", out, manifest},
		"bad base64":   {"sign", "--scheme", "azure-hmac", "--connection-string", "endpoint=https://x/;accesskey=" + v.Input.Key + "!", "-o", out, manifest},
		"bad endpoint": {"sign", "--scheme", "azure-hmac", "--connection-string", "endpoint=contoso;accesskey=" + v.Input.Key, "-o", out, manifest},
		"region":       {"sign", "--scheme", "azure-hmac", "--connection-string", connectionString(t, v), "--region", "us-east-1", "-o", out, manifest},
		"scheme":       {"sign", "--scheme", "azure", "--connection-string", connectionString(t, v), "-o", out, manifest},
	} {
		code, stdout, stderr := runIn(t, "", args...)
		if code != exitUsage || stdout != "" || stderr == "" {
			t.Errorf("%s: exit %d %q %q", name, code, stdout, stderr)
		}
		if strings.Contains(stderr, v.Input.Key) || strings.Contains(stderr, strings.TrimRight(v.Input.Key, "=")) {
			t.Errorf("%s: key in %q", name, stderr)
		}
		if names := dirNames(t, dir); len(names) != 1 {
			t.Errorf("%s: files written: %v", name, names)
		}
	}
}

// Output does not depend on the worker count, in any format; CSV has the
// Azure header columns.
func TestSignAzureHMACIdenticalAcrossWorkers(t *testing.T) {
	cleanEnv(t)
	v := azureVectors(t)[0]
	dir := t.TempDir()
	body := writeFile(t, filepath.Join(dir, "body.json"), `["chat"]`)
	var b strings.Builder
	for i := range 500 {
		row := map[string]any{"id": i, "method": "PATCH", "url": "/identities/" + string(rune('a'+i%26))}
		if i%2 == 0 {
			row["body_file"] = body
		} else {
			row["body"] = `["chat"]`
		}
		b.WriteString(manifestLine(t, row))
	}
	manifest := writeFile(t, filepath.Join(dir, "m.ndjson"), b.String())
	for _, ext := range []string{"ndjson", "csv", "parquet"} {
		var first []byte
		for _, workers := range []string{"1", "3"} {
			out := filepath.Join(dir, "out-"+workers+"."+ext)
			code, _, stderr := runIn(t, "", "sign", "--scheme", "azure-hmac", "--connection-string", connectionString(t, v),
				"--time", v.Input.Date, "--workers", workers, "-o", out, manifest)
			if code != exitOK {
				t.Fatalf("%s: exit %d %s", ext, code, stderr)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = got
			} else if string(got) != string(first) {
				t.Errorf("%s: output differs between worker counts", ext)
			}
		}
		if ext == "csv" && !strings.HasPrefix(string(first), "id,method,url,host,x-ms-date,x-ms-content-sha256,authorization\r\n0,PATCH,https://contoso.communication.azure.com/identities/a,contoso.communication.azure.com,") {
			t.Errorf("CSV: %.200s", first)
		}
	}
}
