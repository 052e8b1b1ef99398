package pipeline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

// docSigningKey is the SigV4 key of docCreds on docTime's day, derived
// here with crypto/hmac.
func docSigningKey(region string) []byte {
	k := []byte("AWS4" + docCreds.SecretAccessKey)
	for _, m := range []string{docTime.UTC().Format("20060102"), region, "s3", "aws4_request"} {
		h := hmac.New(sha256.New, k)
		h.Write([]byte(m))
		k = h.Sum(nil)
	}
	return k
}

// TestPresignPostRows: the row's fields become the form's and the policy's;
// the signature is the HMAC of the policy field under the day's key; the
// form's order is key, the row's fields, the x-amz-* fields, policy,
// signature.
func TestPresignPostRows(t *testing.T) {
	manifest := `{"id":"a","bucket":"uploads","key":"in/a.bin","expires":600}
{"id":"b","bucket":"uploads","key_prefix":"users/7/","content_type":"image/*","content_length_range":"[1, 1048576]","acl":"private","success_action_status":"201","headers":{"x-amz-meta-user":"7","Cache-Control":"no-cache"},"region":"eu-west-1"}
{"id":"c","bucket":"uploads","key":"k","content_type":"text/csv"}
`
	res := runManifest(t, docConfig(PresignPost), manifest, FormatNDJSON, Shard{})
	if res.err != nil || res.stats.Signed != 3 || res.rejects != "" {
		t.Fatalf("%+v", res)
	}
	type rec struct {
		ID        string `json:"id"`
		URL       string `json:"url"`
		ExpiresAt string `json:"expires_at"`
		Fields    map[string]string
	}
	lines := strings.Split(strings.TrimSpace(res.out), "\n")
	var got []rec
	for _, l := range lines {
		var r rec
		var raw struct {
			Fields json.RawMessage `json:"fields"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(l), &raw)
		if err := json.Unmarshal(raw.Fields, &r.Fields); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	wantOrder := map[string]string{
		"a": `{"key":"in/a.bin","x-amz-algorithm":`,
		"b": `{"key":"users/7/${filename}","acl":"private","success_action_status":"201","x-amz-meta-user":"7","Cache-Control":"no-cache","x-amz-algorithm":`,
		"c": `{"key":"k","Content-Type":"text/csv","x-amz-algorithm":`,
	}
	for i, r := range got {
		if !strings.Contains(lines[i], `"fields":`+wantOrder[r.ID]) {
			t.Errorf("%s: fields out of order: %s", r.ID, lines[i])
		}
		region := "us-east-1"
		if r.ID == "b" {
			region = "eu-west-1"
		}
		if want := "https://uploads.s3." + region + ".amazonaws.com/"; r.URL != want {
			t.Errorf("%s: url %s, want %s", r.ID, r.URL, want)
		}
		h := hmac.New(sha256.New, docSigningKey(region))
		h.Write([]byte(r.Fields["policy"]))
		if sig := hex.EncodeToString(h.Sum(nil)); r.Fields["x-amz-signature"] != sig {
			t.Errorf("%s: signature %s, want %s", r.ID, r.Fields["x-amz-signature"], sig)
		}
		pol, _ := base64.StdEncoding.DecodeString(r.Fields["policy"])
		switch r.ID {
		case "a":
			if r.ExpiresAt != "2013-05-24T00:10:00Z" || !strings.HasPrefix(string(pol), `{"expiration":"2013-05-24T00:10:00.000Z","conditions":[{"bucket":"uploads"},{"key":"in/a.bin"},`) {
				t.Errorf("a: %s %s", r.ExpiresAt, pol)
			}
		case "b":
			for _, c := range []string{`["starts-with","$key","users/7/"]`, `["starts-with","$Content-Type","image/"]`,
				`["content-length-range",1,1048576]`, `{"acl":"private"}`, `{"success_action_status":"201"}`,
				`{"x-amz-meta-user":"7"}`, `{"Cache-Control":"no-cache"}`, `{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20130524/eu-west-1/s3/aws4_request"}`} {
				if !strings.Contains(string(pol), c) {
					t.Errorf("b: policy lacks %s: %s", c, pol)
				}
			}
			if _, ok := r.Fields["Content-Type"]; ok {
				t.Error("b: a starts-with content type is the browser's to send")
			}
		case "c":
			if !strings.Contains(string(pol), `{"Content-Type":"text/csv"}`) {
				t.Errorf("c: %s", pol)
			}
		}
	}

	// CSV: one JSON object cell for the fields.
	res = runManifest(t, docConfig(PresignPost), manifest, FormatCSV, Shard{})
	rows, err := csv.NewReader(strings.NewReader(res.out)).ReadAll()
	if err != nil || len(rows) != 4 || strings.Join(rows[0], ",") != "id,url,fields,expires_at" {
		t.Fatalf("%v %q", err, rows)
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(rows[2][2]), &fields); err != nil || fields["x-amz-signature"] != got[1].Fields["x-amz-signature"] {
		t.Fatalf("CSV fields cell %q: %v", rows[2][2], err)
	}
}

// TestPresignPostRejects names the row's field at fault.
func TestPresignPostRejects(t *testing.T) {
	for _, c := range []struct{ row, field, says string }{
		{`{"id":"1","bucket":"b"}`, "key", "missing"},
		{`{"id":"1","key":"k"}`, "bucket", "missing"},
		{`{"id":"1","bucket":"b","key":"k","key_prefix":"p/"}`, "key_prefix", "not both"},
		{`{"id":"1","bucket":"b","key":"k","content_length_range":"10"}`, "content_length_range", "MIN,MAX"},
		{`{"id":"1","bucket":"b","key":"k","content_length_range":"5,1"}`, "content_length_range", "MIN,MAX"},
		{`{"id":"1","bucket":"b","key":"k","content_length_range":"-1,1"}`, "content_length_range", "MIN,MAX"},
		{`{"id":"1","bucket":"b","key":"k","success_action_status":"302"}`, "success_action_status", "201"},
		{`{"id":"1","bucket":"b","key":"k","expires":0}`, "expires", "between"},
		{`{"id":"1","bucket":"b","key":"k","headers":{"Policy":"x"}}`, "headers", "set by the signer"},
		{`{"id":"1","bucket":"b","key":"k","headers":{"acl":"x"},"acl":"private"}`, "headers", "twice"},
		{`{"id":"1","bucket":"b","key":"k` + "\xff" + `"}`, "key", "UTF-8"},
		{`{"id":"1","url":"https://b.s3.amazonaws.com/k"}`, "url", "bucket"},
		{`{"id":"1","bucket":"b","key":"k","method":"PUT"}`, "method", "POST"},
		{`{"id":"1","bucket":"b","key":"k","body_file":"/etc/passwd"}`, "body_file", "body"},
	} {
		res := runManifest(t, docConfig(PresignPost), c.row+"\n", FormatNDJSON, Shard{})
		var rj Reject
		if err := json.Unmarshal([]byte(res.rejects), &rj); err != nil || res.stats.Rejected != 1 || rj.Field != c.field || !strings.Contains(rj.Error, c.says) {
			t.Errorf("%s: %+v (reject %+v)", c.row, res, rj)
		}
	}
}
