package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/testservers"
)

// postForm is one presign-post output row, its fields in order.
type postForm struct {
	ID     string
	URL    string
	Fields [][2]string
}

// readPostForms decodes presign-post NDJSON keeping the fields' order.
func readPostForms(t *testing.T, out string) map[string]postForm {
	t.Helper()
	forms := map[string]postForm{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec struct {
			ID     string          `json:"id"`
			URL    string          `json:"url"`
			Fields json.RawMessage `json:"fields"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		f := postForm{ID: rec.ID, URL: rec.URL}
		dec := json.NewDecoder(bytes.NewReader(rec.Fields))
		dec.Token() // {
		for dec.More() {
			name, _ := dec.Token()
			value, _ := dec.Token()
			f.Fields = append(f.Fields, [2]string{name.(string), value.(string)})
		}
		forms[rec.ID] = f
	}
	return forms
}

// postUpload sends form's fields (with edits: a name mapped to a new value),
// then extra fields, then the file, as multipart/form-data, and returns the
// status and body.
func postUpload(t *testing.T, form postForm, edit map[string]string, extra [][2]string, filename string, file []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range append(append([][2]string{}, form.Fields...), extra...) {
		v := f[1]
		if e, ok := edit[f[0]]; ok {
			v = e
		}
		if err := mw.WriteField(f[0], v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	mw.Close()
	req, err := http.NewRequest("POST", form.URL, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPresignPostAgainstMinIO uploads through presign-post forms to MinIO:
// an upload within the policy succeeds and GETs back byte for byte (the
// key from ${filename} under the prefix, and an exact key); a key outside
// the prefix, a file over content_length_range, a Content-Type outside
// "text/*", an expired policy, a changed signed field and a changed
// signature are refused, and leave no object.
func TestPresignPostAgainstMinIO(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real server")
	}
	srv := testservers.Start(t, testservers.MinIO, testservers.Config{})
	dir := cleanEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_REGION", srv.Region)

	manifest := `{"id":"prefix","bucket":` + jsonString(srv.Bucket) + `,"key_prefix":"up/7/","content_type":"text/*","content_length_range":"1,64","success_action_status":"201","headers":{"x-amz-meta-owner":"alice"}}
{"id":"exact","bucket":` + jsonString(srv.Bucket) + `,"key":"exact/report 2026.csv","content_type":"text/csv"}
`
	m := writeFile(t, filepath.Join(dir, "post.ndjson"), manifest)
	code, out, errs := runIn(t, "", "presign-post", m, "--endpoint-url", srv.Endpoint, "--expires", "10m")
	if code != exitOK {
		t.Fatalf("presign-post: exit %d: %s", code, errs)
	}
	forms := readPostForms(t, out)
	// The same forms signed two hours ago for one minute: expired.
	code, old, errs := runIn(t, "", "presign-post", m, "--endpoint-url", srv.Endpoint, "--expires", "1m",
		"--time", time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339))
	if code != exitOK {
		t.Fatalf("presign-post --time: exit %d: %s", code, errs)
	}
	expired := readPostForms(t, old)

	get := func(key string) (int, []byte) {
		t.Helper()
		gm := writeFile(t, filepath.Join(dir, "get.ndjson"), `{"id":"g","bucket":`+jsonString(srv.Bucket)+`,"key":`+jsonString(key)+"}\n")
		code, out, errs := runIn(t, "", "presign", gm, "--endpoint-url", srv.Endpoint, "--expires", "5m")
		if code != exitOK {
			t.Fatalf("presign: exit %d: %s", code, errs)
		}
		var p signedOut
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		return do(t, "GET", p.URL, nil, nil)
	}
	text := []byte("id,total\n1,42\n")
	ct := [][2]string{{"Content-Type", "text/plain"}}

	// Refused first, so that a wrong acceptance cannot hide behind a good
	// upload of the same key.
	for _, c := range []struct {
		name   string
		form   postForm
		edit   map[string]string
		extra  [][2]string
		file   []byte
		status int
		key    string
	}{
		{"key outside the prefix", forms["prefix"], map[string]string{"key": "up/8/stolen.txt"}, ct, text, http.StatusForbidden, "up/8/stolen.txt"},
		{"file over the range", forms["prefix"], nil, ct, bytes.Repeat([]byte("x"), 65), http.StatusBadRequest, "up/7/big.txt"},
		{"empty file under the range", forms["prefix"], nil, ct, nil, http.StatusBadRequest, "up/7/empty.txt"},
		{"content type outside text/*", forms["prefix"], nil, [][2]string{{"Content-Type", "image/png"}}, text, http.StatusForbidden, "up/7/typed.txt"},
		{"no content type", forms["prefix"], nil, nil, text, http.StatusForbidden, "up/7/untyped.txt"},
		{"expired policy", expired["prefix"], nil, ct, text, http.StatusForbidden, "up/7/late.txt"},
		{"changed signed field", forms["prefix"], map[string]string{"x-amz-meta-owner": "mallory"}, ct, text, http.StatusForbidden, "up/7/meta.txt"},
		{"changed signature", forms["exact"], map[string]string{"x-amz-signature": flipHex(fieldOf(forms["exact"], "x-amz-signature"))}, nil, text, http.StatusForbidden, "exact/report 2026.csv"},
		{"changed exact key", forms["exact"], map[string]string{"key": "exact/other.csv"}, nil, text, http.StatusForbidden, "exact/other.csv"},
	} {
		filename := strings.TrimPrefix(c.key, "up/7/")
		if c.name == "key outside the prefix" || strings.HasPrefix(c.key, "exact/") {
			filename = "f.txt"
		}
		status, body := postUpload(t, c.form, c.edit, c.extra, filename, c.file)
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, body, c.status)
		}
		if st, _ := get(c.key); st != http.StatusNotFound {
			t.Errorf("%s: GET %s after a refused upload: %d, want 404", c.name, c.key, st)
		}
	}

	// Good uploads: ${filename} under the prefix, and the exact key.
	status, body := postUpload(t, forms["prefix"], nil, ct, "hello.txt", text)
	if status != http.StatusCreated {
		t.Fatalf("upload within the policy: %d %s, want 201 (success_action_status)", status, body)
	}
	if st, got := get("up/7/hello.txt"); st != http.StatusOK || !bytes.Equal(got, text) {
		t.Errorf("GET up/7/hello.txt: %d %q, want 200 %q", st, got, text)
	}
	csvBody := []byte("a,b\n1,2\n")
	if status, body := postUpload(t, forms["exact"], nil, nil, "ignored.csv", csvBody); status != http.StatusNoContent {
		t.Fatalf("upload to the exact key: %d %s, want 204", status, body)
	}
	if st, got := get("exact/report 2026.csv"); st != http.StatusOK || !bytes.Equal(got, csvBody) {
		t.Errorf("GET exact key: %d %q, want 200 %q", st, got, csvBody)
	}
}

// fieldOf returns the value of form's field name.
func fieldOf(f postForm, name string) string {
	for _, kv := range f.Fields {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// flipHex changes the first hex digit of s.
func flipHex(s string) string {
	if s == "" {
		return s
	}
	c := byte('0')
	if s[0] == '0' {
		c = '1'
	}
	return string(c) + s[1:]
}
