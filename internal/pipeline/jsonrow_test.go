package pipeline

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigv4"
)

func decodeOne(line string) Row {
	var r Row
	var a rowArena
	decodeRow(line, &r, &a)
	return r
}

func TestDecodeRowFields(t *testing.T) {
	cases := []struct {
		name, line string
		want       Row
	}{
		{"all fields", `{"id":"a1","method":"PUT","url":"","bucket":"b","key":"k/x y.txt","region":"eu-west-1","service":"s3","expires":900,` +
			`"headers":{"Content-Type":"text/plain","x-amz-meta-a":"1"},"query":{"versionId":"v1"},"content_sha256":"ab","body_file":"f","payload":"unsigned"}`,
			Row{ID: "a1", Method: "PUT", Bucket: "b", Key: "k/x y.txt", Region: "eu-west-1", Service: "s3", Expires: 900, HasExpires: true,
				Headers:       []sigv4.Header{{Name: "Content-Type", Value: "text/plain"}, {Name: "x-amz-meta-a", Value: "1"}},
				Query:         []sigv4.QueryParam{{Key: "versionId", Value: "v1"}},
				ContentSHA256: "ab", BodyFile: "f", Payload: "unsigned"}},
		{"whitespace everywhere", " {\t\"bucket\" : \"b\" ,\r\n \"key\":\"k\" } ", Row{Bucket: "b", Key: "k"}},
		{"empty object", `{}`, Row{}},
		{"numeric id kept as written", `{"id":-12.5e3}`, Row{ID: "-12.5e3"}},
		{"integral float expires", `{"expires":3.6e3}`, Row{Expires: 3600, HasExpires: true}},
		{"zero expires is explicit", `{"expires":0}`, Row{Expires: 0, HasExpires: true}},
		{"nulls are absent", `{"id":null,"key":null,"expires":null,"headers":null,"query":null}`, Row{}},
		{"escapes decoded", `{"key":"a\"b\\c\/d\n\u00e9\ud83d\ude00"}`, Row{Key: "a\"b\\c/d\né\U0001F600"}},
		{"raw UTF-8 passes through", `{"key":"café/日本"}`, Row{Key: "café/日本"}},
		{"invalid UTF-8 passes through for the signer to reject", "{\"key\":\"a\xffb\"}", Row{Key: "a\xffb"}},
		{"unknown fields skipped", `{"x":{"y":[1,2,{"z":null}],"w":"\u0041"},"key":"k","t":true,"f":false,"n":-0.5E-3}`, Row{Key: "k"}},
		{"duplicate key: last wins", `{"key":"a","key":"b"}`, Row{Key: "b"}},
		{"repeated header names kept", `{"headers":{"X-A":"1","X-A":"2"}}`,
			Row{Headers: []sigv4.Header{{Name: "X-A", Value: "1"}, {Name: "X-A", Value: "2"}}}},
		{"empty maps", `{"headers":{},"query":{}}`, Row{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeOne(tc.line)
			if got.Err != nil {
				t.Fatalf("unexpected error: %v", got.Err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDecodeRowRejectsWrongTypePerField(t *testing.T) {
	cases := []struct {
		line, field string
	}{
		{`{"key":5}`, "key"},
		{`{"bucket":["b"]}`, "bucket"},
		{`{"method":true}`, "method"},
		{`{"expires":"3600"}`, "expires"},
		{`{"expires":1.5}`, "expires"},
		{`{"headers":"x"}`, "headers"},
		{`{"headers":{"a":1}}`, "headers"},
		{`{"query":{"a":{"b":"c"}}}`, "query"},
		{`{"query":[]}`, "query"},
		{`{"id":{}}`, "id"},
		{`{"key":"\ud800"}`, "key"},
		{`{"key":"k","region":7,"bucket":{}}`, "region"}, // the first type error wins
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			r := decodeOne(tc.line)
			if r.Err == nil {
				t.Fatalf("no error for %s", tc.line)
			}
			if r.Err.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", r.Err.Field, tc.field, r.Err)
			}
			if tc.field != "key" && !errors.Is(r.Err, ErrWrongType) {
				t.Errorf("error %v is not ErrWrongType", r.Err)
			}
		})
	}
}

func TestDecodeRowRejectsMalformedLines(t *testing.T) {
	for _, line := range []string{
		``, `[]`, `"x"`, `{`, `{"key":"k"`, `{"key":"k",}`, `{"key" "k"}`, `{key:"k"}`, `{"key":'k'}`,
		`{"key":"k"} x`, `{"key":"k"}{}`, `{"expires":01}`, `{"expires":1.}`, `{"expires":-}`, `{"x":tru}`,
		`{"key":"a` + "\n" + `"}`, `{"key":"\x"}`, `{"key":"\u12"}`, `{"x":[1,]}`, `{"x":{"a"}}`,
		`{"key":"k","x":[` + strings.Repeat("[", maxJSONDepth+2) + `}`,
	} {
		r := decodeOne(line)
		if r.Err == nil || r.Err.Field != "" || !errors.Is(r.Err, ErrSyntax) {
			t.Errorf("%q: got %v, want a syntax error with no field", line, r.Err)
		}
		if json.Valid([]byte(line)) && strings.HasPrefix(line, "{") {
			t.Errorf("%q: test case is a valid JSON object", line)
		}
	}
}

// TestDecodeRowAgreesWithEncodingJSON cross-checks values with the standard
// library on rows it can decode.
func TestDecodeRowAgreesWithEncodingJSON(t *testing.T) {
	lines := []string{
		`{"id":"x","bucket":"b","key":"a\tb\u0000c\u2028","query":{"response-content-disposition":"attachment; filename=\"a b.txt\""}}`,
		`{"key":"\\\/\b\f\n\r\t","region":"us-east-1"}`,
	}
	for _, line := range lines {
		var std struct {
			ID     string            `json:"id"`
			Bucket string            `json:"bucket"`
			Key    string            `json:"key"`
			Region string            `json:"region"`
			Query  map[string]string `json:"query"`
		}
		if err := json.Unmarshal([]byte(line), &std); err != nil {
			t.Fatal(err)
		}
		r := decodeOne(line)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		if r.ID != std.ID || r.Bucket != std.Bucket || r.Key != std.Key || r.Region != std.Region || len(r.Query) != len(std.Query) {
			t.Errorf("%s: got %+v, encoding/json %+v", line, r, std)
		}
		for _, q := range r.Query {
			if std.Query[q.Key] != q.Value {
				t.Errorf("query %q = %q, encoding/json %q", q.Key, q.Value, std.Query[q.Key])
			}
		}
	}
}

func TestDecodeRowDoesNotAllocateWithoutEscapes(t *testing.T) {
	line := `{"id":"r-1","bucket":"examplebucket","key":"exports/2026/part-00042.parquet","region":"us-east-1","expires":3600,"query":{"versionId":"3"}}`
	var r Row
	var a rowArena
	decodeRow(line, &r, &a) // grow the arena once
	allocs := testing.AllocsPerRun(100, func() {
		a.reset()
		r.reset()
		decodeRow(line, &r, &a)
	})
	if allocs != 0 || r.Err != nil {
		t.Fatalf("allocs = %v, err = %v; want 0, nil", allocs, r.Err)
	}
}

func BenchmarkDecodeRow(b *testing.B) {
	line := `{"id":"row-000042","method":"GET","bucket":"examplebucket","key":"exports/2026/11/23/part-00042.parquet","region":"us-east-1","expires":3600,"query":{"response-content-disposition":"attachment"}}`
	var r Row
	var a rowArena
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		a.reset()
		r.reset()
		decodeRow(line, &r, &a)
	}
}

// BenchmarkDecodeRowEncodingJSON is the standard library on the same line,
// for comparison in the same run.
func BenchmarkDecodeRowEncodingJSON(b *testing.B) {
	line := []byte(`{"id":"row-000042","method":"GET","bucket":"examplebucket","key":"exports/2026/11/23/part-00042.parquet","region":"us-east-1","expires":3600,"query":{"response-content-disposition":"attachment"}}`)
	type row struct {
		ID, Method, Bucket, Key, Region string
		Expires                         *int64
		Query                           map[string]string
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		var r row
		if err := json.Unmarshal(line, &r); err != nil {
			b.Fatal(err)
		}
	}
}
