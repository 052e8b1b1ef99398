package pipeline

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/parquet-go/parquet-go"
)

var (
	testExpiry  = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	testRecords = []testRecord{
		{ID: "a,b \"c\"", Method: "GET", URL: []byte("https://b.s3.us-east-1.amazonaws.com/k?X-Amz-Signature=00"), ExpiresAt: testExpiry},
		{ID: "line\nbreak\tand \u2028 é \x01", Method: "PUT", URL: []byte("http://127.0.0.1:7070/b/k"), ExpiresAt: testExpiry.Add(time.Hour)},
		{ID: "", Method: "HEAD", URL: []byte("https://h/x y"), ExpiresAt: testExpiry},
	}
	testHeaders = []sigv4.Header{
		{Name: "X-Amz-Security-Token", Value: "tok"}, {Name: "X-Amz-Date", Value: "20261123T120000Z"},
		{Name: "x-amz-content-sha256", Value: sigv4.UnsignedPayload}, {Name: "Authorization", Value: "AWS4-HMAC-SHA256 Credential=AK/x, SignedHeaders=host, Signature=ab"},
	}
)

// testRecord is an output record by field, as the tests write them.
type testRecord struct {
	ID        string
	Method    string
	URL       []byte
	ExpiresAt time.Time
	Headers   []sigv4.Header
	Valid     bool
	Reason    string
	Scheme    Scheme
	MacRecord
}

// MacRecord is the mac generate part of a testRecord.
type MacRecord struct {
	KeyID     string
	Algorithm string
	MAC       []byte
}

// values returns r as a Record of mode m: its fields in the order of the
// columns this test expects of m.
func (r *testRecord) values(m Mode) Record {
	switch m {
	case Presign:
		return Record{stringValue(r.ID), stringValue(r.Method), bytesValue(r.URL), timeValue(r.ExpiresAt), headersValue(r.Headers)}
	case Sign:
		return Record{stringValue(r.ID), stringValue(r.Method), bytesValue(r.URL), headersValue(r.Headers)}
	case Verify:
		return Record{stringValue(r.ID), boolValue(r.Valid), stringValue(r.Reason), stringValue(string(r.Scheme))}
	case MacGenerate:
		return Record{stringValue(r.ID), stringValue(r.KeyID), stringValue(r.Algorithm), bytesValue(r.MAC)}
	case MacVerify:
		return Record{stringValue(r.ID), boolValue(r.Valid), stringValue(r.Reason)}
	}
	panic("mode " + m.String())
}

func encodeAll(t *testing.T, f Format, m Mode, recs []testRecord) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, m, "")
	if err != nil {
		t.Fatal(err)
	}
	var enc []byte
	for i := range recs {
		rec := recs[i].values(m)
		enc = w.AppendRecord(enc, &rec)
	}
	if err := w.Write(enc); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestNDJSONOutputDecodesWithEncodingJSON: what we write, the standard
// library reads back as written.
func TestNDJSONOutputDecodesWithEncodingJSON(t *testing.T) {
	for _, m := range []Mode{Presign, Sign} {
		recs := append([]testRecord(nil), testRecords...)
		for i := range recs {
			recs[i].Headers = testHeaders
		}
		out := encodeAll(t, FormatNDJSON, m, recs)
		dec := json.NewDecoder(bytes.NewReader(out))
		for i, r := range recs {
			var got struct {
				ID, Method, URL string
				ExpiresAt       string            `json:"expires_at"`
				Headers         map[string]string `json:"headers"`
			}
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%v row %d: %v\n%s", m, i, err, out)
			}
			if got.ID != r.ID || got.Method != r.Method || got.URL != string(r.URL) {
				t.Errorf("%v row %d: got %+v", m, i, got)
			}
			if m == Presign && got.ExpiresAt != r.ExpiresAt.Format(time.RFC3339) {
				t.Errorf("expires_at = %q", got.ExpiresAt)
			}
			if m == Sign && (len(got.Headers) != 4 || got.Headers["Authorization"] != testHeaders[3].Value) {
				t.Errorf("headers = %v", got.Headers)
			}
		}
	}
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "q\"b\\s/", "\x00\x1f\x7f", "é日本\U0001F600", "bad\xffutf8\xc3", "\u2028"} {
		var got any
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		want, _ := json.Marshal(s)
		var w any
		json.Unmarshal(want, &w)
		if got != w {
			t.Errorf("%q: decodes to %q, encoding/json's to %q", s, got, w)
		}
	}
}

func TestCSVOutputReadsBack(t *testing.T) {
	out := encodeAll(t, FormatCSV, Presign, testRecords)
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], []string{"id", "method", "url", "expires_at", "content-type", "content-md5", "x-amz-checksum-sha256", "x-amz-sdk-checksum-algorithm"}) || len(rows) != 1+len(testRecords) {
		t.Fatalf("rows = %q", rows)
	}
	for i, r := range testRecords {
		want := []string{r.ID, r.Method, string(r.URL), r.ExpiresAt.Format(time.RFC3339), "", "", "", ""}
		if !reflect.DeepEqual(rows[i+1], want) {
			t.Errorf("row %d = %q, want %q", i, rows[i+1], want)
		}
	}

	recs := []testRecord{{ID: "1", Method: "PUT", URL: []byte("https://h/k"), Headers: testHeaders[1:]}}
	rows, err = csv.NewReader(bytes.NewReader(encodeAll(t, FormatCSV, Sign, recs))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"id", "method", "url", "authorization", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"},
		{"1", "PUT", "https://h/k", testHeaders[3].Value, "20261123T120000Z", sigv4.UnsignedPayload, ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("sign csv = %q", rows)
	}
}

func TestCSVOfEmptyRunHasHeader(t *testing.T) {
	if got := string(encodeAll(t, FormatCSV, Presign, nil)); got != "id,method,url,expires_at,content-type,content-md5,x-amz-checksum-sha256,x-amz-sdk-checksum-algorithm\r\n" {
		t.Errorf("got %q", got)
	}
}

func TestParquetOutputReadsBack(t *testing.T) {
	out := encodeAll(t, FormatParquet, Presign, testRecords)
	got, err := parquet.Read[PresignRecord](bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range testRecords {
		want := PresignRecord{r.ID, r.Method, string(r.URL), r.ExpiresAt.Format(time.RFC3339)}
		if got[i] != want {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want)
		}
	}

	recs := []testRecord{{ID: "1", Method: "PUT", URL: []byte("https://h/k"), Headers: testHeaders}}
	out = encodeAll(t, FormatParquet, Sign, recs)
	sg, err := parquet.Read[SignRecord](bytes.NewReader(out), int64(len(out)))
	if err != nil || len(sg) != 1 {
		t.Fatal(err)
	}
	if sg[0].ID != "1" || sg[0].Headers["Authorization"] != testHeaders[3].Value || sg[0].Headers["X-Amz-Security-Token"] != "tok" {
		t.Errorf("got %+v", sg[0])
	}
}

func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{
		"a.ndjson": FormatNDJSON, "a.JSONL": FormatNDJSON, "x/y.json": FormatNDJSON,
		"a.csv": FormatCSV, "a.parquet": FormatParquet, "a.txt": FormatAuto, "-": FormatAuto,
	} {
		if got := FormatOf(path); got != want {
			t.Errorf("FormatOf(%q) = %v, want %v", path, got, want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "ndjson") {
		t.Errorf("ParseFormat(xml) = %v", err)
	}
}

// TestPlainJSONAgreesWithBytewiseCheck tries every byte value at every
// position of a 17-byte string (two words and a tail) and of a 46-byte one
// (a four-word step, a word and a tail).
// TestPlainPrefixAgreesWithBytewiseScan: plainPrefix (on amd64 through
// plainBlocks' SSE2 blocks) finds the first byte that needs escaping
// wherever it is, whatever it is, in strings long enough to take every path.
func TestPlainPrefixAgreesWithBytewiseScan(t *testing.T) {
	naive := func(b []byte) int {
		for i, c := range b {
			if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
				return i
			}
		}
		return len(b)
	}
	url := []byte(strings.Repeat("https://acme.s3.us-east-1.amazonaws.com/a%20b?X-Amz-Date=20261123T000000Z~", 2))
	for n := 0; n <= len(url); n++ {
		buf := url[:n]
		if got := plainPrefix(string(buf)); got != n {
			t.Fatalf("%d plain bytes: plainPrefix %d", n, got)
		}
		for _, pos := range []int{0, n / 3, n / 2, n - 1} {
			if pos < 0 || n == 0 {
				continue
			}
			orig := buf[pos]
			for c := 0; c < 256; c++ {
				buf[pos] = byte(c)
				if got, want := plainPrefix(string(buf)), naive(buf); got != want {
					t.Fatalf("%d bytes: byte %#x at %d: plainPrefix %d, want %d", n, c, pos, got, want)
				}
			}
			buf[pos] = orig
		}
	}
}

func TestPlainJSONAgreesWithBytewiseCheck(t *testing.T) {
	naive := func(b []byte) bool {
		for _, c := range b {
			if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
				return false
			}
		}
		return true
	}
	for _, s := range []string{"https://h/a%20b?x", "https://h.example.com/a%20b?X-Amz-Date=2026112"} {
		buf := []byte(s)
		for pos := range buf {
			orig := buf[pos]
			for c := 0; c < 256; c++ {
				buf[pos] = byte(c)
				if got, want := plainJSON(buf), naive(buf); got != want {
					t.Fatalf("%d bytes: byte %#x at %d: plainJSON %v, want %v", len(buf), c, pos, got, want)
				}
			}
			buf[pos] = orig
		}
	}
}

// TestAppendRFC3339UTC compares the fast formatter with the time package's
// across leap days, century years, the ends of its range and a spread of
// instants, in several zones.
func TestAppendRFC3339UTC(t *testing.T) {
	check := func(tm time.Time) {
		t.Helper()
		if got, want := string(appendRFC3339UTC([]byte("x"), tm)), "x"+tm.UTC().Format(time.RFC3339); got != want {
			t.Fatalf("%v (unix %d): got %s, want %s", tm, tm.Unix(), got, want)
		}
	}
	zones := []*time.Location{time.UTC, time.FixedZone("plus", 5*3600+1800), time.FixedZone("minus", -11*3600)}
	for _, u := range []int64{0, 1, 59, 60, 3599, 3600, 86399, 86400, 951782400, 951868799, 951868800, 4107542399, 4107542400,
		1795392000, 1795392000 + 604800, 253402300799, 253402300800, -1, -62135596800, 253402300799 + 86400*366} {
		for _, z := range zones {
			check(time.Unix(u, 0).In(z))
			check(time.Unix(u, 999999999).In(z))
		}
	}
	for y := 1970; y <= 9999; y += 7 {
		for _, d := range []time.Time{
			time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(y, 2, 28, 23, 59, 59, 0, time.UTC),
			time.Date(y, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(y, 3, 1, 0, 0, 1, 0, time.UTC),
			time.Date(y, 12, 31, 23, 59, 59, 0, time.UTC),
		} {
			check(d)
		}
	}
	for u := int64(1700000000); u < 1700000000+2*366*86400; u += 86400/4 + 7 {
		check(time.Unix(u, 0))
	}
}

// referenceJSONString is appendJSONString as it was before the word-at-a-time
// scan (a byte at a time): the new one must write the same bytes.
func referenceJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// checkJSONString fails t unless appendJSONString and appendJSONBytes of s
// write what referenceJSONString writes.
func checkJSONString(t *testing.T, s string) {
	t.Helper()
	want := referenceJSONString([]byte("x"), s)
	if got := appendJSONString([]byte("x"), s); !bytes.Equal(got, want) {
		t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
	}
	if got := appendJSONBytes([]byte("x"), []byte(s)); !bytes.Equal(got, want) {
		t.Fatalf("appendJSONBytes(%q) = %s, want %s", s, got, want)
	}
}

// TestAppendJSONWritesWhatTheBytewiseEncoderWrote: the same bytes as the
// byte-at-a-time encoder for every byte at every offset of strings of 0–70
// bytes (so in the 32-byte step, the 8-byte step and the tail), and for
// random strings of every byte class (plain runs, escapes, valid and broken
// UTF-8).
func TestAppendJSONWritesWhatTheBytewiseEncoderWrote(t *testing.T) {
	for n := range 71 {
		buf := []byte(strings.Repeat("a", n))
		for pos := range n {
			for c := range 256 {
				buf[pos] = byte(c)
				checkJSONString(t, string(buf))
			}
			buf[pos] = 'a'
		}
	}
	pieces := []string{"plain text ", "https://b.s3.amazonaws.com/k%20x?X-Amz-Signature=00", `"`, `\`, "\n", "\r", "\t", "\x00", "\x1f", "\x7f",
		"é", "日本語", "\U0001F600", "\u2028", "\ufffd", "\xff", "\xc3", "\xed\xa0\x80", "\xf0\x9f\x98", "e\u0301"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		checkJSONString(t, b.String())
	}
}

// FuzzAppendJSON: whatever the text, the bytes of the byte-at-a-time
// encoder, and JSON that encoding/json reads.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\s/", "\x00\x1f\x7f", "é日本\U0001F600", "bad\xffutf8\xc3", "\u2028", strings.Repeat("x", 40) + "\"" + strings.Repeat("é", 9)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkJSONString(t, s)
		if !json.Valid(appendJSONString(nil, s)) {
			t.Fatalf("%q: not JSON", s)
		}
	})
}

// TestAppendJSONDoesNotAllocate: escaping and U+FFFD replacement included,
// into a buffer with room.
func TestAppendJSONDoesNotAllocate(t *testing.T) {
	s := "https://b.s3.amazonaws.com/caf\u00e9 \"q\"\\\n\x01\xff" + strings.Repeat("k%20", 40)
	b := []byte(s)
	dst := make([]byte, 0, 4096)
	if n := testing.AllocsPerRun(100, func() { dst = appendJSONBytes(appendJSONString(dst[:0], s), b) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

// TestPlainURLValueWritesAsBytesValue: the NDJSON writer's shortcut for a
// URL that sigv4's S3 presign built (plainURLValue: copied without the
// escape scan) writes what the scanned path (bytesValue) writes, for URLs
// of hostile keys, query parameters, an IPv6 host and a session token.
func TestPlainURLValueWritesAsBytesValue(t *testing.T) {
	creds := docCreds
	creds.SessionToken = "tok/en+=\"x"
	s, err := sigv4.NewSigner(creds, nil, docTime, sigv4.Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(nil, FormatNDJSON, Presign, "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, host := range []string{"b.s3.us-east-1.amazonaws.com", "[::1]:9000", "s3.example.com:9000"} {
		for _, key := range []string{"a b", "q\"uote\\back\x00nul\x7fdel\x1b", "ünïcödé/日本\u2028", "(x)~;,<>&'", strings.Repeat("k/", 300)} {
			p := sigv4.S3Presign{Host: host, Key: key, Expires: 3600,
				Query: []sigv4.QueryParam{{Key: "response-content-disposition", Value: "attachment; filename=\"" + key + "\""}}}
			url, err := s.AppendPresignS3(nil, &p)
			if err != nil {
				t.Fatal(err)
			}
			rec := func(u Value) string {
				r := Record{stringValue("id"), stringValue("GET"), u, timeValue(docTime), headersValue(nil)}
				return string(w.AppendRecord(nil, &r))
			}
			if got, want := rec(plainURLValue(url)), rec(bytesValue(url)); got != want {
				t.Fatalf("%s %q:\nplain %s\nbytes %s", host, key, got, want)
			}
			n++
		}
	}
	if n != 15 {
		t.Fatalf("%d URLs", n)
	}
}
