package pipeline

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// encodeRow writes r as an NDJSON manifest line (test helper; strings must
// be valid UTF-8 to round-trip).
func encodeRow(r *Row) string {
	var b []byte
	b = append(b, '{')
	field := func(name, v string) {
		if v == "" {
			return
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	field(FieldID, r.ID)
	field(FieldMethod, r.Method)
	field(FieldURL, r.URL)
	field(FieldBucket, r.Bucket)
	field(FieldKey, r.Key)
	field(FieldRegion, r.Region)
	field(FieldService, r.Service)
	field(FieldContentSHA256, r.ContentSHA256)
	field(FieldBodyFile, r.BodyFile)
	field(FieldPayload, r.Payload)
	for _, f := range newFieldSet().fields {
		if f.kind == textField && f.text == nil { // a mode's own field
			field(f.name, r.own[f.slot])
		}
	}
	if r.HasExpires {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"expires":`...)
		b = strconv.AppendInt(b, r.Expires, 10)
	}
	pairs := func(name string, n int, kv func(int) (string, string)) {
		if n == 0 {
			return
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':', '{')
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			k, v := kv(i)
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, v)
		}
		b = append(b, '}')
	}
	pairs(FieldHeaders, len(r.Headers), func(i int) (string, string) { return r.Headers[i].Name, r.Headers[i].Value })
	pairs(FieldQuery, len(r.Query), func(i int) (string, string) { return r.Query[i].Key, r.Query[i].Value })
	return string(append(b, '}'))
}

func rowStrings(r *Row) []string {
	s := []string{r.ID, r.Method, r.URL, r.Bucket, r.Key, r.Region, r.Service, r.ContentSHA256, r.BodyFile, r.Payload}
	s = append(s, r.own[:]...)
	for _, h := range r.Headers {
		s = append(s, h.Name, h.Value)
	}
	for _, q := range r.Query {
		s = append(s, q.Key, q.Value)
	}
	return s
}

// FuzzDecodeNDJSONRow: the decoder never panics; it calls a line malformed
// exactly when encoding/json does (for lines that are objects); a row it
// decodes re-encodes to a line that decodes to the same row; scalar fields
// agree with encoding/json.
func FuzzDecodeNDJSONRow(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","bucket":"b","key":"k","expires":60}`,
		`{"url":"https://h/a%20b?x=1","method":"put","headers":{"A":"1"},"query":{"v":"2"}}`,
		`{"key":"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t","x":[1,{"y":null},true,false,-1.5e-3]}`,
		`{"expires":3.6e3}`, `{"expires":"60"}`, `{"headers":{"a":1}}`, `{"key":"\ud800"}`,
		`{"id":12}`, `{`, `[]`, `{"a":}`, "{\"key\":\"\xff\"}",
		`{"key_id":"alias/a","algorithm":"HMAC_SHA_256","message":"eA==","message_file":"m","mac":"AA=="}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var r Row
		var a rowArena
		decodeRow(line, &r, &a)

		syntaxErr := r.Err != nil && errors.Is(r.Err, ErrSyntax)
		if strings.Count(line, "[")+strings.Count(line, "{") < 1000 {
			isObject := strings.HasPrefix(strings.TrimLeft(line, " \t\r\n"), "{")
			if valid := json.Valid([]byte(line)) && isObject; valid == syntaxErr {
				t.Fatalf("syntax error = %v, encoding/json valid object = %v, for %q (%v)", syntaxErr, valid, line, r.Err)
			}
		}
		if r.Err != nil {
			return
		}
		for _, s := range rowStrings(&r) {
			if !utf8.ValidString(s) {
				return // JSON cannot carry these bytes back; the signer rejects them
			}
		}
		again := decodeOne(encodeRow(&r))
		if again.Err != nil || !reflect.DeepEqual(normalizeRow(again), normalizeRow(r)) {
			t.Fatalf("round trip of %q:\n got  %+v\n want %+v", line, again, r)
		}

		var std map[string]any
		if err := json.Unmarshal([]byte(line), &std); err != nil {
			t.Fatalf("encoding/json rejects a row we accept: %q: %v", line, err)
		}
		for name, got := range map[string]string{FieldKey: r.Key, FieldBucket: r.Bucket, FieldURL: r.URL, FieldMethod: r.Method, FieldRegion: r.Region} {
			want, _ := std[name].(string)
			if got != want {
				t.Fatalf("%s: got %q, encoding/json %q, line %q", name, got, want, line)
			}
		}
	})
}

// normalizeRow makes empty pair slices nil for comparison.
func normalizeRow(r Row) Row {
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	if len(r.Query) == 0 {
		r.Query = nil
	}
	return r
}
