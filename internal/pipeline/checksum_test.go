package pipeline

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigv4"
)

// TestPresignChecksumBoundPUT: a PUT row with body_file, checksum_sha256 or
// content_md5 signs x-amz-checksum-sha256 (with
// x-amz-sdk-checksum-algorithm) or Content-MD5, lists them in the row's
// headers, and the URL verifies with those headers and not with another
// checksum.
func TestPresignChecksumBoundPUT(t *testing.T) {
	dir := t.TempDir()
	body := []byte("the one body this URL may upload\n")
	file := filepath.Join(dir, "body.bin")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	sha := sha256.Sum256(body)
	shaB64 := base64.StdEncoding.EncodeToString(sha[:])
	md := md5.Sum(body)
	mdB64 := base64.StdEncoding.EncodeToString(md[:])
	other := sha256.Sum256([]byte("another body"))
	otherB64 := base64.StdEncoding.EncodeToString(other[:])

	manifest := `{"id":"file","method":"PUT","bucket":"examplebucket","key":"up/a.bin","body_file":` + jsonQuote(file) + `}
{"id":"given","method":"PUT","bucket":"examplebucket","key":"up/a.bin","checksum_sha256":"` + shaB64 + `","headers":{"Content-Type":"text/plain"}}
{"id":"md5","method":"PUT","bucket":"examplebucket","key":"up/a.bin","content_md5":"` + mdB64 + `"}
{"id":"both","method":"PUT","bucket":"examplebucket","key":"up/a.bin","body_file":` + jsonQuote(file) + `,"checksum_sha256":"` + shaB64 + `"}
{"id":"plain","method":"PUT","bucket":"examplebucket","key":"up/a.bin"}
`
	res := runManifest(t, docConfig(Presign), manifest, FormatNDJSON, Shard{})
	if res.err != nil || res.stats.Signed != 5 || res.rejects != "" {
		t.Fatalf("%+v", res)
	}
	lookup := func(id string) (string, bool) { return docCreds.SecretAccessKey, id == docCreds.AccessKeyID }
	opts := sigv4.VerifyOptions{Now: docTime}
	for _, line := range strings.Split(strings.TrimSpace(res.out), "\n") {
		var rec struct {
			ID      string            `json:"id"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"x-amz-checksum-sha256": shaB64, "x-amz-sdk-checksum-algorithm": "SHA256"}
		signed := "host%3Bx-amz-checksum-sha256%3Bx-amz-sdk-checksum-algorithm"
		switch rec.ID {
		case "given":
			want["Content-Type"] = "text/plain"
			signed = "content-type%3Bhost%3Bx-amz-checksum-sha256%3Bx-amz-sdk-checksum-algorithm"
		case "md5":
			want, signed = map[string]string{"Content-MD5": mdB64}, "content-md5%3Bhost"
		case "plain":
			want, signed = nil, "host"
			if strings.Contains(line, `"headers"`) {
				t.Errorf("plain: a row that signs no header has no headers: %s", line)
			}
		}
		if len(rec.Headers) != len(want) {
			t.Errorf("%s: headers %v, want %v", rec.ID, rec.Headers, want)
		}
		var hs []sigv4.Header
		for k, v := range want {
			if rec.Headers[k] != v {
				t.Errorf("%s: header %s = %q, want %q", rec.ID, k, rec.Headers[k], v)
			}
			hs = append(hs, sigv4.Header{Name: k, Value: v})
		}
		if !strings.Contains(rec.URL, "&X-Amz-SignedHeaders="+signed+"&") {
			t.Errorf("%s: signed headers not %s: %s", rec.ID, signed, rec.URL)
		}
		if err := sigv4.VerifyPresignedURL("PUT", rec.URL, hs, "", lookup, opts); err != nil {
			t.Errorf("%s: does not verify with its headers: %v", rec.ID, err)
		}
		if rec.ID == "plain" {
			continue
		}
		for i := range hs {
			if hs[i].Name == "x-amz-checksum-sha256" {
				hs[i].Value = otherB64
			}
			if hs[i].Name == "Content-MD5" {
				hs[i].Value = base64.StdEncoding.EncodeToString(make([]byte, 16))
			}
		}
		if err := sigv4.VerifyPresignedURL("PUT", rec.URL, hs, "", lookup, opts); err == nil {
			t.Errorf("%s: verifies with another body's checksum", rec.ID)
		}
	}
}

// TestPresignChecksumRejects names the field at fault.
func TestPresignChecksumRejects(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "b")
	os.WriteFile(file, []byte("b"), 0o600)
	wrong := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, c := range []struct{ row, field, says string }{
		{`{"id":"1","bucket":"b","key":"k","checksum_sha256":"` + wrong + `"}`, "checksum_sha256", "PUT"},
		{`{"id":"1","method":"PUT","bucket":"b","key":"k","checksum_sha256":"abc"}`, "checksum_sha256", "base64"},
		{`{"id":"1","method":"PUT","bucket":"b","key":"k","content_md5":"` + wrong + `"}`, "content_md5", "MD5"},
		{`{"id":"1","method":"PUT","bucket":"b","key":"k","body_file":` + jsonQuote(file) + `,"checksum_sha256":"` + wrong + `"}`, "checksum_sha256", "does not match"},
		{`{"id":"1","method":"PUT","bucket":"b","key":"k","body_file":"` + dir + `/missing"}`, "body_file", "no such file"},
		{`{"id":"1","method":"PUT","bucket":"b","key":"k","content_md5":"AAAAAAAAAAAAAAAAAAAAAA==","headers":{"content-md5":"x"}}`, "headers", "content_md5"},
		{`{"id":"1","method":"PUT","bucket":"arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap","key":"k","checksum_sha256":"` + wrong + `"}`, "checksum_sha256", "SigV4 only"},
	} {
		res := runManifest(t, docConfig(Presign), c.row+"\n", FormatNDJSON, Shard{})
		var rj Reject
		if err := json.Unmarshal([]byte(res.rejects), &rj); err != nil || res.stats.Rejected != 1 || rj.Field != c.field || !strings.Contains(rj.Error, c.says) {
			t.Errorf("%s: %+v (reject %+v)", c.row, res, rj)
		}
	}
}
