package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// TestRunSignsWhatBatchsignSigns: rows with reserved characters, unicode
// and overrides, over several batches and workers, come out in input order
// with the URL batchsign's sigv4 presigns for the same row.
func TestRunSignsWhatBatchsignSigns(t *testing.T) {
	const ak, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	t.Setenv("AWS_ACCESS_KEY_ID", ak)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "eu-west-1")
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	pieces := []string{"a b", "caf\u00e9", "cafe\u0301", "?#[]@!$&'()*+,;=", "%2F", "//", "../", "\U0001f600", "tab\there", "~"}
	buckets := []string{"acme-media", "Legacy_Bucket"} // virtual-hosted, path-style
	regions := []string{"", "us-east-1", "ap-southeast-2", "cn-north-1"}
	methods := []string{"", "PUT", "HEAD", "DELETE"}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "m.ndjson"), filepath.Join(dir, "urls.ndjson")
	var m strings.Builder
	const rows = 2*batchLines + 7
	for i := range rows {
		row := manifestRow{ID: fmt.Sprint("r", i), Method: methods[i%4], Bucket: buckets[i%2], Region: regions[i/2%4],
			Key: pieces[i%len(pieces)] + "/" + pieces[i/len(pieces)%len(pieces)]}
		if i%3 == 0 {
			e := int64(60 + i)
			row.Expires = &e
			row.Query = map[string]string{"response-content-disposition": `attachment; filename="` + pieces[i%len(pieces)] + `"`, "response-content-type": "text/csv; a=b"}
		}
		b, _ := json.Marshal(row)
		m.Write(b)
		m.WriteByte('\n')
	}
	if err := os.WriteFile(in, []byte(m.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out, 3, at); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(strings.NewReader(m.String()))
	dec := json.NewDecoder(f)
	keys := sigv4.NewKeyCache(0)
	n := 0
	for ; sc.Scan(); n++ {
		var row manifestRow
		var got outputRow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("row %d: %v", n, err)
		}
		region, method, expires := row.Region, row.Method, int64(3600)
		if region == "" {
			region = "eu-west-1"
		}
		if method == "" {
			method = "GET"
		}
		if row.Expires != nil {
			expires = *row.Expires
		}
		s, err := sigv4.NewSigner(sigv4.Credentials{AccessKeyID: ak, SecretAccessKey: secret}, keys.Get(ak, secret, at, region, "s3"), at,
			sigv4.Options{Region: region, Service: "s3"})
		if err != nil {
			t.Fatal(err)
		}
		suffix := ".amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			suffix += ".cn"
		}
		p := sigv4.S3Presign{Method: method, Scheme: "https", Host: "s3." + region + suffix, Bucket: row.Bucket, Key: row.Key, Expires: expires}
		if virtualHosted(row.Bucket) {
			p.Host, p.Bucket = row.Bucket+"."+p.Host, ""
		}
		for k, v := range row.Query {
			p.Query = append(p.Query, sigv4.QueryParam{Key: k, Value: v})
		}
		want, err := s.AppendPresignS3(nil, &p)
		if err != nil {
			t.Fatal(err)
		}
		wantAt := at.Add(time.Duration(expires) * time.Second).Format(time.RFC3339)
		if got.ID != row.ID || got.Method != method || got.URL != string(want) || got.ExpiresAt != wantAt {
			t.Fatalf("row %d:\n got %+v\nwant %s %s %s %s", n, got, row.ID, method, want, wantAt)
		}
	}
	if dec.More() {
		t.Error("more output rows than manifest rows")
	}
	if n != rows {
		t.Fatalf("%d rows compared, want %d", n, rows)
	}
}

// TestCompare: compare accepts equal outputs and names the first row that
// differs.
func TestCompare(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a", `{"id":"1","url":"u1"}`+"\n"+`{"id":"2","url":"u2","expires_at":"x"}`+"\n")
	b := write("b", `{"id":"1","url":"u1","method":"GET"}`+"\n"+`{"id":"2","url":"u2"}`+"\n")
	c := write("c", `{"id":"1","url":"u1"}`+"\n"+`{"id":"2","url":"u3"}`+"\n")
	d := write("d", `{"id":"1","url":"u1"}`+"\n")
	if n, err := compare(a, b); n != 2 || err != nil {
		t.Errorf("compare(a, b) = %d, %v; want 2, nil", n, err)
	}
	if _, err := compare(a, c); err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Errorf("compare(a, c) = %v; want row 2 named", err)
	}
	if _, err := compare(a, d); err == nil {
		t.Error("compare(a, d): outputs of different lengths compared equal")
	}
}
