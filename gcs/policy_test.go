package gcs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/batchsign/batchsign/sigerr"
)

// orderedFields reads a JSON object of strings keeping its order (the
// order of a policy's conditions depends on it).
func orderedFields(t *testing.T, raw json.RawMessage) []PostField {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("fields: %v %v", tok, err)
	}
	var out []PostField
	for d.More() {
		k, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, PostField{Name: k.(string), Value: v})
	}
	return out
}

func (c *postPolicyCase) policy(t *testing.T) *PostPolicy {
	in := &c.PolicyInput
	p := &PostPolicy{Scheme: in.Scheme, Bucket: in.Bucket, Object: in.Object, Expires: in.Expiration, Fields: orderedFields(t, in.Fields)}
	switch in.URLStyle {
	case "VIRTUAL_HOSTED_STYLE":
		p.Style = VirtualHostedStyle
	case "BUCKET_BOUND_HOSTNAME":
		p.Style, p.Host = BucketBoundHostname, in.BucketBoundHostname
	}
	for name, args := range in.Conditions {
		switch name {
		case "startsWith":
			p.Conditions = append(p.Conditions, StartsWith(args[0].(string), args[1].(string)))
		case "contentLengthRange":
			p.Conditions = append(p.Conditions, ContentLengthRange(int64(args[0].(float64)), int64(args[1].(float64))))
		default:
			t.Fatalf("unknown condition %q", name)
		}
	}
	return p
}

// TestConformancePostPolicyV4 is the suite's 11 POST policies: the URL,
// every form field, the policy document (base64, byte for byte) and its RSA
// signature.
func TestConformancePostPolicyV4(t *testing.T) {
	suite, acct := loadSuite(t), suiteAccount(t)
	for _, c := range suite.PostPolicyV4Tests {
		t.Run(c.Description, func(t *testing.T) {
			s, err := NewRSASigner(acct, c.PolicyInput.Timestamp, Options{})
			if err != nil {
				t.Fatal(err)
			}
			form, err := s.SignPostPolicy(c.policy(t))
			if err != nil {
				t.Fatal(err)
			}
			if form.URL != c.PolicyOutput.URL {
				t.Errorf("URL %s, want %s", form.URL, c.PolicyOutput.URL)
			}
			got := map[string]string{}
			for _, f := range form.Fields {
				got[f.Name] = f.Value
			}
			for k, want := range c.PolicyOutput.Fields {
				if got[k] != want {
					t.Errorf("field %s:\n got %q\nwant %q", k, got[k], want)
				}
			}
			if len(got) != len(c.PolicyOutput.Fields) || len(form.Fields) != len(got) {
				t.Errorf("fields %v, want %v", form.Fields, c.PolicyOutput.Fields)
			}
			// The policy field above is the suite's base64 byte for byte;
			// its document also reads as the suite's decoded one.
			doc, err := base64.StdEncoding.DecodeString(got["policy"])
			if err != nil {
				t.Fatal(err)
			}
			var gotDoc, wantDoc any
			if err := json.Unmarshal(doc, &gotDoc); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(c.PolicyOutput.ExpectedDecodedPolicy), &wantDoc); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotDoc, wantDoc) {
				t.Errorf("decoded policy:\n got %s\nwant %s", doc, c.PolicyOutput.ExpectedDecodedPolicy)
			}
			if bytes.ContainsFunc(doc, func(r rune) bool { return r >= 0x80 }) {
				t.Errorf("policy document is not ASCII: %s", doc)
			}
		})
	}
}

// TestPostPolicyHMAC: with an HMAC key the policy names GOOG4-HMAC-SHA256
// and the access ID, and x-goog-signature is the key chain's HMAC of the
// base64 policy, computed here with crypto/hmac.
func TestPostPolicyHMAC(t *testing.T) {
	s := newHMAC(t)
	form, err := s.SignPostPolicy(&PostPolicy{Bucket: "uploads", Expires: 600,
		Conditions: []PostCondition{StartsWith("key", "incoming/"), ContentLengthRange(1, 10<<20)},
		Fields:     []PostField{{Name: "success_action_status", Value: "201"}, {Name: "x-ignore-nonce", Value: "7"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := map[string]string{}
	var names []string
	for _, x := range form.Fields {
		f[x.Name] = x.Value
		names = append(names, x.Name)
	}
	if strings.Join(names, ",") != "success_action_status,x-ignore-nonce,x-goog-algorithm,x-goog-credential,x-goog-date,x-goog-signature,policy" {
		t.Fatalf("fields %v", names)
	}
	doc, _ := base64.StdEncoding.DecodeString(f["policy"])
	want := `{"conditions":[["starts-with","$key","incoming/"],["content-length-range",1,10485760],{"success_action_status":"201"},` +
		`{"bucket":"uploads"},{"x-goog-date":"20261123T100000Z"},` +
		`{"x-goog-credential":"test-iam-credentials@dummy-project-id.iam.gserviceaccount.com/20261123/auto/storage/goog4_request"},` +
		`{"x-goog-algorithm":"GOOG4-HMAC-SHA256"}],"expiration":"2026-11-23T10:10:00Z"}`
	if string(doc) != want {
		t.Fatalf("policy\n got %s\nwant %s", doc, want)
	}
	if sig := referenceHMAC(testSecret, "20261123", "auto", f["policy"]); f["x-goog-signature"] != sig {
		t.Fatalf("signature %s, want %s", f["x-goog-signature"], sig)
	}
	if form.URL != "https://storage.googleapis.com/uploads/" {
		t.Fatalf("URL %s", form.URL)
	}
}

func TestPostPolicyRefusals(t *testing.T) {
	s := newHMAC(t)
	for _, c := range []struct {
		name string
		p    PostPolicy
		want error
	}{
		{"no key restriction", PostPolicy{Bucket: "b", Expires: 60}, sigerr.ErrMissingField},
		{"expires", PostPolicy{Bucket: "b", Object: "o", Expires: 604801}, ErrExpiresRange},
		{"reserved field", PostPolicy{Bucket: "b", Object: "o", Expires: 60, Fields: []PostField{{Name: "Policy", Value: "x"}}}, ErrReservedParam},
		{"field twice", PostPolicy{Bucket: "b", Object: "o", Expires: 60, Fields: []PostField{{Name: "acl", Value: "x"}, {Name: "ACL", Value: "y"}}}, sigerr.ErrInvalidValue},
		{"field not UTF-8", PostPolicy{Bucket: "b", Object: "o", Expires: 60, Fields: []PostField{{Name: "acl", Value: "\xff"}}}, sigerr.ErrInvalidUTF8},
		{"bad range", PostPolicy{Bucket: "b", Object: "o", Expires: 60, Conditions: []PostCondition{ContentLengthRange(10, 1)}}, sigerr.ErrInvalidValue},
		{"zero condition", PostPolicy{Bucket: "b", Object: "o", Expires: 60, Conditions: []PostCondition{{}}}, sigerr.ErrInvalidValue},
		{"bucket", PostPolicy{Bucket: "B", Object: "o", Expires: 60}, sigerr.ErrInvalidValue},
	} {
		if _, err := s.SignPostPolicy(&c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestJSONStringMatchesJavaScript: the policy's strings are escaped as
// JSON.stringify plus \u escapes of everything from U+0080 writes them,
// and decode back to the input.
func TestJSONStringMatchesJavaScript(t *testing.T) {
	for in, want := range map[string]string{
		"plain":              `"plain"`,
		"q\"b\\s/":           `"q\"b\\s/"`,
		"\b\f\n\r\t\x00\x1f": `"\b\f\n\r\t\u0000\u001f"`,
		"\x7f<>&":            "\"\x7f<>&\"",
		"é\u2028":            `"\u00e9\u2028"`,
		"😀":                  `"\ud83d\ude00"`,
	} {
		got := string(appendJSONString(nil, in))
		if got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil || back != in || !utf8.ValidString(got) {
			t.Errorf("%q: %s decodes to %q (%v)", in, got, back, err)
		}
	}
}
