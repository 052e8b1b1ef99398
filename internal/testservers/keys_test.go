package testservers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// keyCase is an object key and what each server does with it: the result
// of a header-signed PUT followed by a presigned GET, both signed with the
// key percent-encoded once (S3 rules), as "PUT/GET" statuses. "200/200"
// also means the GET returned exactly the bytes put. When alias is set (the
// key as a server that normalises paths would store it) and a presigned GET
// of alias returns the same bytes, " aliased" is appended: the server made
// two distinct S3 keys one object.
type keyCase struct {
	name  string
	key   string
	alias string
	want  map[Kind]string
}

func sameKey(r string) map[Kind]string {
	return map[Kind]string{Versity: r, S3rver: r, MinIO: r}
}

func segments(n, size int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strings.Repeat(string(rune('a'+i%26)), size)
	}
	return strings.Join(parts, "/")
}

var keyCases = []keyCase{
	{"plain", "keys/plain.txt", "", sameKey("200/200")},
	{"space and plus", "keys/a b+c.txt", "", sameKey("200/200")},
	{"literal %20 and %", "keys/100% and %20.txt", "", sameKey("200/200")},
	{"sub-delims and parentheses", "keys/!$&'()*,;=:@.txt", "", sameKey("200/200")},
	{"query and fragment characters", "keys/q?x=1#frag.txt", "", sameKey("200/200")},
	{"backslash", `keys/back\slash.txt`, "", sameKey("200/200")},
	{"tab and newline", "keys/tab\there\nnl.txt", "", sameKey("200/200")},
	{"unicode NFC", "keys/caf\u00e9-日本.txt", "", sameKey("200/200")},
	{"double slash", "keys/a//b.txt", "keys/a/b.txt", map[Kind]string{
		Versity: "200/200 aliased", S3rver: "200/200 aliased", MinIO: "400/400"}},
	{"leading slash", "/keys-leading-slash.txt", "keys-leading-slash.txt", sameKey("200/200 aliased")},
	{"dot segment", "keys/./dot.txt", "keys/dot.txt", map[Kind]string{
		Versity: "200/200 aliased", S3rver: "200/200 aliased", MinIO: "400/400"}},
	{"dot-dot segment", "keys/x/../dotdot.txt", "keys/dotdot.txt", map[Kind]string{
		Versity: "200/200 aliased", S3rver: "200/200 aliased", MinIO: "400/400"}},
	{"trailing slash, non-empty body", "keys/dir/", "", map[Kind]string{
		Versity: "400/404", S3rver: "200/200", MinIO: "200/200"}},
	// s3rver stores a key as files named segment + "._S3rver_metadata.json"
	// (22 bytes more), so its longest segment is 255-22 = 233 bytes.
	{"233-byte segment", "keys/" + strings.Repeat("s", 233), "", sameKey("200/200")},
	{"234-byte segment", "keys/" + strings.Repeat("s", 234), "", map[Kind]string{
		Versity: "200/200", S3rver: "500/500", MinIO: "200/200"}},
	{"255-byte segment", "keys/" + strings.Repeat("s", 255), "", map[Kind]string{
		Versity: "200/200", S3rver: "500/500", MinIO: "200/200"}},
	{"256-byte segment", "keys/" + strings.Repeat("s", 256), "", map[Kind]string{
		Versity: "400/400", S3rver: "500/500", MinIO: "400/400"}},
	{"1024-byte key, 100-byte segments", ("keys/" + segments(11, 100))[:1024], "", sameKey("200/200")},
	{"1024-byte key, one segment", strings.Repeat("k", 1024), "", map[Kind]string{
		Versity: "400/400", S3rver: "500/500", MinIO: "400/400"}},
	{"1025-byte key, 100-byte segments", ("keys/" + segments(11, 100))[:1025], "", map[Kind]string{
		Versity: "200/200", S3rver: "200/200", MinIO: "400/404"}},
}

// keyResult does a signed PUT and a presigned GET of key on s and
// describes the outcome as "PUT/GET" statuses plus a note.
func keyResult(t *testing.T, s *Server, key, alias string, data []byte) (string, string) {
	t.Helper()
	putCode, putBody := s.putSigned(t, key, data)
	getCode, getBody := sendURL(t, "GET", s.presign("GET", key, nil, s.creds(), time.Now(), 60), nil)
	note := ""
	switch {
	case getCode == http.StatusOK && string(getBody) != string(data):
		note = fmt.Sprintf("GET returned %d other bytes", len(getBody))
		getCode = -getCode // never matches an expectation
	case putCode != http.StatusOK:
		note = errorCode(putBody)
		if getCode != http.StatusOK {
			note += ", " + errorCode(getBody)
		}
	case getCode != http.StatusOK:
		note = errorCode(getBody)
	}
	got := fmt.Sprintf("%d/%d", putCode, getCode)
	if alias != "" && putCode == http.StatusOK {
		code, body := sendURL(t, "GET", s.presign("GET", alias, nil, s.creds(), time.Now(), 60), nil)
		if code == http.StatusOK && string(body) == string(data) {
			got += " aliased"
			note = "same object as " + strconv.Quote(alias)
		}
	}
	return got, note
}

// TestKeysEachServerAccepts records how each server treats unusual object
// keys when the client encodes them exactly as S3 SigV4 requires. With -v
// it prints the README's table rows.
func TestKeysEachServerAccepts(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			s := Start(t, kind, Config{})
			var rows []string
			for i, c := range keyCases {
				data := []byte(fmt.Sprintf("object %d: %q", i, c.key))
				got, note := keyResult(t, s, c.key, c.alias, data)
				mark := ""
				if want := c.want[kind]; want != "" && got != want {
					t.Errorf("%s (%q): got %s %s, want %s", c.name, c.key, got, note, want)
					mark = " (MISMATCH, want " + want + ")"
				}
				rows = append(rows, fmt.Sprintf("| %s | %s %s%s |", c.name, got, note, mark))
			}
			t.Logf("%s:\n%s", kind, strings.Join(rows, "\n"))
		})
	}
}

// TestUnicodeNormalisation checks whether a server keeps the NFC and NFD
// spellings of the same text as two objects (S3 does: keys are bytes).
func TestUnicodeNormalisation(t *testing.T) {
	const nfc, nfd = "keys/caf\u00e9.txt", "keys/cafe\u0301.txt"
	want := map[Kind]string{Versity: "distinct", S3rver: "distinct", MinIO: "distinct"}
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			s := Start(t, kind, Config{})
			for _, k := range []string{nfc, nfd} {
				if code, body := s.putSigned(t, k, []byte(k)); code != 200 {
					t.Fatalf("PUT %q: %d %s", k, code, errorCode(body))
				}
			}
			got := "distinct"
			for _, k := range []string{nfc, nfd} {
				code, body := sendURL(t, "GET", s.presign("GET", k, nil, s.creds(), time.Now(), 60), nil)
				if code != 200 {
					got = fmt.Sprintf("GET %q: %d %s", k, code, errorCode(body))
					break
				}
				if string(body) != k {
					got = "merged"
				}
			}
			t.Logf("%s: NFC and NFD keys are %s", kind, got)
			if got != want[kind] {
				t.Errorf("NFC and NFD keys are %s, want %s", got, want[kind])
			}
		})
	}
}

// TestRegions checks how each server treats the region in the credential
// scope when it is started with a region other than us-east-1.
func TestRegions(t *testing.T) {
	const serverRegion = "eu-west-3"
	// Statuses of a presigned GET and a header-signed GET, signed for the
	// server's region, us-east-1 and a made-up region.
	want := map[Kind]string{
		Versity: "eu-west-3 200/200, us-east-1 400/400, mars-north-1 400/400",
		S3rver:  "eu-west-3 200/200, us-east-1 200/200, mars-north-1 200/200",
		MinIO:   "eu-west-3 200/200, us-east-1 400/400, mars-north-1 400/400",
	}
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			s := Start(t, kind, Config{Region: serverRegion})
			const key = "regions/object.txt"
			if code, body := s.putSigned(t, key, []byte("r")); code != 200 {
				t.Fatalf("PUT in the server's region: %d %s", code, errorCode(body))
			}
			var parts []string
			for _, region := range []string{serverRegion, "us-east-1", "mars-north-1"} {
				c := s.creds()
				c.region = region
				pcode, _ := sendURL(t, "GET", s.presign("GET", key, nil, c, time.Now(), 60), nil)
				req := refNewRequest("GET", s.Endpoint, s.path(key), nil)
				refSignV4(req, c, time.Now(), "UNSIGNED-PAYLOAD")
				hcode, _ := send(t, req)
				parts = append(parts, fmt.Sprintf("%s %d/%d", region, pcode, hcode))
			}
			got := strings.Join(parts, ", ")
			t.Logf("%s started with region %s: %s", kind, serverRegion, got)
			if got != want[kind] {
				t.Errorf("got  %s\nwant %s", got, want[kind])
			}
		})
	}
}
