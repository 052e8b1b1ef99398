package sigv2

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/internal/urltest"
	"github.com/batchsign/batchsign/sigerr"
)

// The S3 documentation's SigV2 example credentials (§8 of
// testdata/s3-doc-vectors.md uses the same pair as its SigV4 parts).
const (
	sigV2DocAKID   = "AKIAIOSFODNN7EXAMPLE"
	sigV2DocSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

type sigV2DocVector struct {
	name         string
	stringToSign string
	signature    string
}

// loadSigV2DocVectors parses the table of §8 of s3-doc-vectors.md: rows of
// | example | `StringToSign with literal \n` | `signature` |.
func loadSigV2DocVectors(t *testing.T) []sigV2DocVector {
	t.Helper()
	md := string(vectors.Read(t, "s3-doc-vectors.md"))
	start := strings.Index(md, "\n## 8.")
	if start < 0 {
		t.Fatal("s3-doc-vectors.md has no section 8 (SigV2)")
	}
	sec := md[start+1:]
	if end := strings.Index(sec, "\n## "); end >= 0 {
		sec = sec[:end]
	}
	var vs []sigV2DocVector
	for _, line := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(line, "| ") || !strings.Contains(line, "`") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("unexpected SigV2 table row: %s", line)
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !strings.HasPrefix(cells[1], "`") || !strings.HasPrefix(cells[2], "`") {
			continue // header row
		}
		vs = append(vs, sigV2DocVector{
			name:         strings.ReplaceAll(cells[0], "**", ""),
			stringToSign: strings.ReplaceAll(strings.Trim(cells[1], "`"), `\n`, "\n"),
			signature:    strings.Trim(cells[2], "`"),
		})
	}
	return vs
}

// TestSigV2SignsEveryDocStringToSign: HMAC-SHA1/base64 of each published
// StringToSign is the published signature, through both entry points.
func TestSigV2SignsEveryDocStringToSign(t *testing.T) {
	vs := loadSigV2DocVectors(t)
	if len(vs) != 9 {
		t.Fatalf("parsed %d SigV2 vectors from §8, want 9", len(vs))
	}
	s, err := NewSigner(sigV2DocAKID, sigV2DocSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if got := signature(sigV2DocSecret, v.stringToSign); got != v.signature {
			t.Errorf("%s: Signature = %s, want %s", v.name, got, v.signature)
		}
		if got := string(s.appendSignature(nil, []byte(v.stringToSign))); got != v.signature {
			t.Errorf("%s: AppendSignature = %s, want %s", v.name, got, v.signature)
		}
	}
}

// sigV2DocRequests are the doc's example requests (RESTAuthentication.md,
// with the original johnsmith bucket, see the erratum in §8), keyed by the
// prefix of the §8 example name.
func sigV2DocRequests() map[string]*Request {
	return map[string]*Request{
		"Object GET": {Method: "GET", Host: "johnsmith.s3.amazonaws.com", RequestURI: "/photos/puppy.jpg",
			Headers: []Param{{Name: "Date", Value: "Tue, 27 Mar 2007 19:36:42 +0000"}}},
		"Object PUT": {Method: "PUT", Host: "johnsmith.s3.amazonaws.com", RequestURI: "/photos/puppy.jpg",
			Headers: []Param{{Name: "Content-Type", Value: "image/jpeg"}, {Name: "Content-Length", Value: "94328"}, {Name: "Date", Value: "Tue, 27 Mar 2007 21:15:45 +0000"}}},
		"List": {Method: "GET", Host: "johnsmith.s3.amazonaws.com", RequestURI: "/?prefix=photos&max-keys=50&marker=puppy",
			Headers: []Param{{Name: "User-Agent", Value: "Mozilla/5.0"}, {Name: "Date", Value: "Tue, 27 Mar 2007 19:42:41 +0000"}}},
		"Fetch ?acl": {Method: "GET", Host: "johnsmith.s3.amazonaws.com", RequestURI: "/?acl",
			Headers: []Param{{Name: "Date", Value: "Tue, 27 Mar 2007 19:44:46 +0000"}}},
		"Upload": {Method: "PUT", Host: "static.johnsmith.net:8080", RequestURI: "/db-backup.dat.gz", Addressing: AddressingCNAME,
			Headers: []Param{
				{Name: "User-Agent", Value: "curl/7.15.5"},
				{Name: "Date", Value: "Tue, 27 Mar 2007 21:06:08 +0000"},
				{Name: "x-amz-acl", Value: "public-read"},
				{Name: "content-type", Value: "application/x-download"},
				{Name: "Content-MD5", Value: "4gJE4saaMU4BqNR0kLY+lw=="},
				{Name: "X-Amz-Meta-ReviewedBy", Value: "joe@johnsmith.net"},
				{Name: "X-Amz-Meta-ReviewedBy", Value: "jane@johnsmith.net"},
				{Name: "X-Amz-Meta-FileChecksum", Value: "0x02661779"},
				{Name: "X-Amz-Meta-ChecksumAlgorithm", Value: "crc32"},
				{Name: "Content-Disposition", Value: "attachment; filename=database.dat"},
				{Name: "Content-Encoding", Value: "gzip"},
				{Name: "Content-Length", Value: "5913339"},
			}},
		"List all my buckets": {Method: "GET", Host: "s3.amazonaws.com", RequestURI: "/",
			Headers: []Param{{Name: "Date", Value: "Wed, 28 Mar 2007 01:29:59 +0000"}}},
		"Unicode keys": {Method: "GET", Host: "s3.amazonaws.com", RequestURI: "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
			Headers: []Param{{Name: "Date", Value: "Wed, 28 Mar 2007 01:49:49 +0000"}}},
	}
}

// TestSigV2BuildsDocStringsToSign rebuilds each example's StringToSign from
// the request the doc shows, and checks the signer's Authorization header.
//
// The "Delete (x-amz-date wins)" example is a doc erratum: its text says "if
// you include the x-amz-date header, use the empty string for the Date", but
// its StringToSign puts the x-amz-date value on the Date line and does not
// sign x-amz-date as an amz header. SDKs (botocore, aws-sdk-js) and S3 follow
// the rule, so batchsign does too; this test pins both facts.
func TestSigV2BuildsDocStringsToSign(t *testing.T) {
	reqs := sigV2DocRequests()
	s, _ := NewSigner(sigV2DocAKID, sigV2DocSecret)
	matched := 0
	for _, v := range loadSigV2DocVectors(t) {
		if strings.HasPrefix(v.name, "Delete") || strings.HasPrefix(v.name, "Query-string presign") {
			continue // below
		}
		var req *Request
		for prefix, r := range reqs {
			if strings.HasPrefix(v.name, prefix) && (prefix != "List" || !strings.HasPrefix(v.name, "List all")) {
				req = r
			}
		}
		if req == nil {
			t.Errorf("no request transcribed for §8 example %q", v.name)
			continue
		}
		matched++
		got, err := StringToSign(req)
		if err != nil {
			t.Errorf("%s: %v", v.name, err)
			continue
		}
		if got != v.stringToSign {
			t.Errorf("%s:\n got %q\nwant %q", v.name, got, v.stringToSign)
		}
		auth, err := s.AppendAuthorization(nil, req)
		if err != nil || string(auth) != "AWS "+sigV2DocAKID+":"+v.signature {
			t.Errorf("%s: Authorization = %q, %v; want AWS %s:%s", v.name, auth, err, sigV2DocAKID, v.signature)
		}
	}
	if matched != 7 {
		t.Errorf("checked %d header-form examples, want 7", matched)
	}

	del := &Request{Method: "DELETE", Host: "s3.amazonaws.com", RequestURI: "/johnsmith/photos/puppy.jpg",
		Headers: []Param{{Name: "User-Agent", Value: "dotnet"}, {Name: "Date", Value: "Tue, 27 Mar 2007 21:20:27 +0000"}, {Name: "x-amz-date", Value: "Tue, 27 Mar 2007 21:20:26 +0000"}}}
	got, err := StringToSign(del)
	if err != nil {
		t.Fatal(err)
	}
	if want := "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg"; got != want {
		t.Errorf("Delete (rule form):\n got %q\nwant %q", got, want)
	}
	// The doc's string is what one gets with only a Date header holding the
	// x-amz-date value.
	docForm := &Request{Method: "DELETE", Host: "s3.amazonaws.com", RequestURI: "/johnsmith/photos/puppy.jpg",
		Headers: []Param{{Name: "Date", Value: "Tue, 27 Mar 2007 21:20:26 +0000"}}}
	for _, v := range loadSigV2DocVectors(t) {
		if strings.HasPrefix(v.name, "Delete") {
			if got, _ := StringToSign(docForm); got != v.stringToSign {
				t.Errorf("Delete (doc form):\n got %q\nwant %q", got, v.stringToSign)
			}
		}
	}
}

// TestSigV2PresignMatchesDocQueryStringExample: the doc's presigned GET of
// /photos/puppy.jpg in johnsmith, Expires=1175139620.
func TestSigV2PresignMatchesDocQueryStringExample(t *testing.T) {
	var v sigV2DocVector
	for _, x := range loadSigV2DocVectors(t) {
		if strings.HasPrefix(x.name, "Query-string presign") {
			v = x
		}
	}
	if v.name == "" {
		t.Fatal("§8 has no query-string presign row")
	}
	r := &PresignRequest{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/puppy.jpg", Expires: 1175139620}
	sts, err := appendPresignSTS(nil, r)
	if err != nil || string(sts) != v.stringToSign {
		t.Fatalf("string to sign = %q, %v; want %q", sts, err, v.stringToSign)
	}
	got, err := Presign(sigV2DocAKID, sigV2DocSecret, r)
	if err != nil {
		t.Fatal(err)
	}
	want := "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=" + url.QueryEscape(v.signature)
	if got != want {
		t.Errorf("URL\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(got, "Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D") {
		t.Errorf("signature not encoded as the doc shows: %s", got)
	}
	// The same request path style gives the same signature.
	r.Host, r.Addressing = "s3.amazonaws.com", AddressingAuto
	pathStyle, _ := Presign(sigV2DocAKID, sigV2DocSecret, r)
	if !strings.HasPrefix(pathStyle, "https://s3.amazonaws.com/johnsmith/photos/puppy.jpg?") || !strings.HasSuffix(pathStyle, "NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D") {
		t.Errorf("path-style URL = %s", pathStyle)
	}

	// The doc's URL, parameters in the doc's order, verifies until Expires.
	docURL := "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620"
	lookup := sigV2TestLookup()
	for _, u := range []string{docURL, got, pathStyle} {
		if err := VerifyPresigned(u, lookup, time.Unix(1175139620, 0), nil); err != nil {
			t.Errorf("VerifyPresigned(%s) at Expires = %v", u, err)
		}
		if err := VerifyPresigned(u, lookup, time.Unix(1175139621, 0), nil); !errors.Is(err, sigerr.ErrExpired) {
			t.Errorf("VerifyPresigned(%s) after Expires = %v, want sigerr.ErrExpired", u, err)
		}
	}
}

func sigV2TestLookup() SecretLookup {
	return func(id string) (string, bool) {
		switch id {
		case sigV2DocAKID:
			return sigV2DocSecret, true
		case "AKIDOTHER":
			return "other/secret+key", true
		}
		return "", false
	}
}

func TestSigV2ResourceIncludesOnlySubresourcesSortedAndDecoded(t *testing.T) {
	r := &PresignRequest{
		Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/puppy.jpg", Expires: 1700000000,
		Query: []Param{
			{Name: "versionId", Value: "3/L4kqtJl40Nr8X8gdRQBpUMLUo"},
			{Name: "response-content-disposition", Value: `attachment; filename="a b.jpg"`},
			{Name: "prefix", Value: "unsigned"},
			{Name: "response-content-type", Value: "image/jpeg"},
			{Name: "acl", Value: ""},
		},
	}
	sts, err := appendPresignSTS(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	wantSTS := "GET\n\n\n1700000000\n/johnsmith/photos/puppy.jpg?acl&response-content-disposition=attachment; filename=\"a b.jpg\"&response-content-type=image/jpeg&versionId=3/L4kqtJl40Nr8X8gdRQBpUMLUo"
	if string(sts) != wantSTS {
		t.Errorf("string to sign\n got %q\nwant %q", sts, wantSTS)
	}
	u, err := Presign(sigV2DocAKID, sigV2DocSecret, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"?versionId=3%2FL4kqtJl40Nr8X8gdRQBpUMLUo&",
		"&response-content-disposition=attachment%3B%20filename%3D%22a%20b.jpg%22&",
		"&prefix=unsigned&", "&response-content-type=image%2Fjpeg&", "&acl&",
	} {
		if !strings.Contains(u, want) {
			t.Errorf("URL %s lacks %s", u, want)
		}
	}
	if err := VerifyPresigned(u, sigV2TestLookup(), time.Unix(1600000000, 0), nil); err != nil {
		t.Errorf("verify: %v", err)
	}
	// Unsigned parameters are not protected (SigV2's design); signed ones are.
	if err := VerifyPresigned(strings.Replace(u, "prefix=unsigned", "prefix=changed", 1), sigV2TestLookup(), time.Unix(1600000000, 0), nil); err != nil {
		t.Errorf("changing an unsigned parameter broke the URL: %v", err)
	}
	if err := VerifyPresigned(strings.Replace(u, "image%2Fjpeg", "image%2Fpng", 1), sigV2TestLookup(), time.Unix(1600000000, 0), nil); !errors.Is(err, sigerr.ErrSignatureMismatch) {
		t.Errorf("changing response-content-type: %v, want mismatch", err)
	}
}

func TestSigV2RefusesBadPresignRequests(t *testing.T) {
	base := PresignRequest{Host: "s3.amazonaws.com", Bucket: "b", Key: "k", Expires: 1}
	cases := []struct {
		name string
		mod  func(r *PresignRequest)
	}{
		{"no host", func(r *PresignRequest) { r.Host = "" }},
		{"host with path", func(r *PresignRequest) { r.Host = "s3.amazonaws.com/x" }},
		{"key without bucket", func(r *PresignRequest) { r.Bucket = "" }},
		{"bucket with slash", func(r *PresignRequest) { r.Bucket = "a/b" }},
		{"bucket with space", func(r *PresignRequest) { r.Bucket = "a b" }},
		{"scheme ftp", func(r *PresignRequest) { r.Scheme = "ftp" }},
		{"invalid UTF-8 key", func(r *PresignRequest) { r.Key = "a\xffb" }},
		{"zero expires", func(r *PresignRequest) { r.Expires = 0 }},
		{"reserved Signature", func(r *PresignRequest) { r.Query = []Param{{Name: "Signature", Value: "x"}} }},
		{"reserved Expires", func(r *PresignRequest) { r.Query = []Param{{Name: "Expires", Value: "x"}} }},
		{"duplicate sub-resource", func(r *PresignRequest) {
			r.Query = []Param{{Name: "versionId", Value: "1"}, {Name: "versionId", Value: "2"}}
		}},
		{"header name with colon", func(r *PresignRequest) { r.Headers = []Param{{Name: "x-amz-a:b", Value: "v"}} }},
	}
	for _, c := range cases {
		r := base
		c.mod(&r)
		if _, err := Presign("AK", "SK", &r); !errors.Is(err, ErrRequest) {
			t.Errorf("%s: error = %v, want ErrRequest", c.name, err)
		}
	}
	var iu *sigcore.InvalidUTF8Error
	r := base
	r.Key = "ok/\xff"
	if _, err := Presign("AK", "SK", &r); !errors.As(err, &iu) || iu.Offset != 3 {
		t.Errorf("invalid UTF-8 key error = %v, want offset 3", err)
	}
}

func TestSigV2AmzHeadersAreLowercasedSortedJoinedAndUnfolded(t *testing.T) {
	r := &Request{Method: "PUT", Host: "s3.amazonaws.com", RequestURI: "/b/k", Headers: []Param{
		{Name: "X-Amz-Meta-Zed", Value: "  last  "},
		{Name: "x-amz-meta-multi", Value: "one"},
		{Name: "Date", Value: "D"},
		{Name: "X-AMZ-META-MULTI", Value: "two"},
		{Name: "x-amz-meta-folded", Value: "line one\r\n   line two\n\tthree"},
		{Name: "x-amz-acl", Value: "private"},
		{Name: "Content-Type", Value: " text/plain "},
		{Name: "Not-Amz", Value: "ignored"},
	}}
	got, err := StringToSign(r)
	if err != nil {
		t.Fatal(err)
	}
	want := "PUT\n\ntext/plain\nD\nx-amz-acl:private\nx-amz-meta-folded:line one line two three\nx-amz-meta-multi:one,two\nx-amz-meta-zed:last\n/b/k"
	if got != want {
		t.Errorf("\n got %q\nwant %q", got, want)
	}
}

func TestSigV2XAmzDateEmptiesTheDateLine(t *testing.T) {
	for _, c := range []struct {
		headers []Param
		want    string
	}{
		{[]Param{{Name: "Date", Value: "D1"}}, "GET\n\n\nD1\n/"},
		{[]Param{{Name: "Date", Value: "D1"}, {Name: "X-Amz-Date", Value: "D2"}}, "GET\n\n\n\nx-amz-date:D2\n/"},
		{[]Param{{Name: "x-amz-date", Value: "D2"}}, "GET\n\n\n\nx-amz-date:D2\n/"},
		{nil, "GET\n\n\n\n/"},
	} {
		got, err := StringToSign(&Request{Method: "GET", Host: "s3.amazonaws.com", RequestURI: "/", Headers: c.headers})
		if err != nil || got != c.want {
			t.Errorf("%v: %q, %v; want %q", c.headers, got, err, c.want)
		}
	}
}

func TestSigV2FindsBucketFromHost(t *testing.T) {
	cases := []struct {
		host string
		a    Addressing
		want string
	}{
		{"johnsmith.s3.amazonaws.com", AddressingAuto, "johnsmith"},
		{"JohnSmith.S3.amazonaws.com", AddressingAuto, "johnsmith"},
		{"my.bucket.s3.us-west-2.amazonaws.com", AddressingAuto, "my.bucket"},
		{"my.s3.bucket.s3-us-west-2.amazonaws.com", AddressingAuto, "my.s3.bucket"},
		{"b.s3.dualstack.eu-west-1.amazonaws.com", AddressingAuto, "b"},
		{"b.s3-accelerate.amazonaws.com", AddressingAuto, "b"},
		{"b.s3.cn-north-1.amazonaws.com.cn", AddressingAuto, "b"},
		{"b.s3.amazonaws.com:443", AddressingAuto, "b"},
		{"s3.amazonaws.com", AddressingAuto, ""},
		{"s3.us-west-2.amazonaws.com", AddressingAuto, ""},
		{"s3-external-1.amazonaws.com", AddressingAuto, ""},
		{"ec2.amazonaws.com", AddressingAuto, ""},
		{"127.0.0.1:9000", AddressingAuto, ""},
		{"minio.local", AddressingAuto, ""},
		{"b.s3.amazonaws.com", AddressingPath, ""},
		{"static.johnsmith.net:8080", AddressingCNAME, "static.johnsmith.net"},
		{"bucket.minio.local:9000", AddressingVirtual, "bucket"},
		{"b.s3.amazonaws.com", AddressingVirtual, "b"},
		{"[::1]:9000", AddressingPath, ""},
		{"[::1]:9000", AddressingCNAME, "[::1]"},
	}
	for _, c := range cases {
		got, err := sigV2ResourceBucket(c.host, c.a)
		if err != nil || got != c.want {
			t.Errorf("bucket(%q, %d) = %q, %v; want %q", c.host, c.a, got, err, c.want)
		}
	}
	if _, err := sigV2ResourceBucket("localhost", AddressingVirtual); err == nil {
		t.Error("virtual addressing accepted a host without a dot")
	}
}

func TestVerifySigV2PresignedReportsTypedReasons(t *testing.T) {
	r := &PresignRequest{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/puppy.jpg", Expires: 1175139620}
	good, _ := Presign(sigV2DocAKID, sigV2DocSecret, r)
	now := time.Unix(1175139000, 0)
	cases := []struct {
		name string
		url  string
		want sigerr.VerifyReason
	}{
		{"relative URL", "/photos/puppy.jpg?AWSAccessKeyId=a&Expires=1&Signature=x", sigerr.ErrMalformed},
		{"ftp URL", strings.Replace(good, "https", "ftp", 1), sigerr.ErrMalformed},
		{"no host", "https:///photos/puppy.jpg?AWSAccessKeyId=a&Expires=1&Signature=x", sigerr.ErrMalformed},
		{"no signature", strings.Split(good, "&Signature=")[0], sigerr.ErrMalformed},
		{"no access key", strings.Replace(good, "AWSAccessKeyId=", "AccessKey=", 1), sigerr.ErrMalformed},
		{"no expires", strings.Replace(good, "Expires=", "Expiry=", 1), sigerr.ErrMalformed},
		{"two signatures", good + "&Signature=abc", sigerr.ErrMalformed},
		{"two expires", good + "&Expires=1175139620", sigerr.ErrMalformed},
		{"negative expires", strings.Replace(good, "Expires=1175139620", "Expires=-1", 1), sigerr.ErrMalformed},
		{"expires with plus", strings.Replace(good, "Expires=1175139620", "Expires=%2B1175139620", 1), sigerr.ErrMalformed},
		{"expires too big", strings.Replace(good, "Expires=1175139620", "Expires=99999999999999999999", 1), sigerr.ErrMalformed},
		{"bad escape", good + "&x=%zz", sigerr.ErrMalformed},
		{"truncated escape", good + "&x=%2", sigerr.ErrMalformed},
		{"unknown key", strings.Replace(good, sigV2DocAKID, "AKIDUNKNOWN", 1), sigerr.ErrUnknownKey},
		{"other key", strings.Replace(good, sigV2DocAKID, "AKIDOTHER", 1), sigerr.ErrSignatureMismatch},
		{"signature changed", strings.Replace(good, "Signature=Npg", "Signature=Mpg", 1), sigerr.ErrSignatureMismatch},
		{"signature not base64", strings.Replace(good, "Signature=Npg", "Signature=%00pg", 1), sigerr.ErrSignatureMismatch},
		{"signature unescaped plus", strings.Replace(good, "%2B", "+", 1), sigerr.ErrSignatureMismatch},
		{"expires changed", strings.Replace(good, "Expires=1175139620", "Expires=1175139621", 1), sigerr.ErrSignatureMismatch},
		{"path changed", strings.Replace(good, "puppy.jpg", "puppy.jpeg", 1), sigerr.ErrSignatureMismatch},
		{"path case", strings.Replace(good, "puppy.jpg", "Puppy.jpg", 1), sigerr.ErrSignatureMismatch},
		{"bucket changed", strings.Replace(good, "johnsmith.s3", "johnsmiths.s3", 1), sigerr.ErrSignatureMismatch},
		{"sub-resource added", good + "&versionId=1", sigerr.ErrSignatureMismatch},
		{"acl added", good + "&acl", sigerr.ErrSignatureMismatch},
		{"signed header added in query", good + "&x-amz-acl=public-read", sigerr.ErrSignatureMismatch},
	}
	for _, c := range cases {
		err := VerifyPresigned(c.url, sigV2TestLookup(), now, nil)
		if sigerr.ReasonOf(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		var ve *sigerr.VerifyError
		if !errors.As(err, &ve) || ve.Scheme != "sigv2" {
			t.Errorf("%s: %v is not a sigv2 *sigerr.VerifyError", c.name, err)
		}
		if err != nil && (strings.Contains(err.Error(), sigV2DocSecret) || strings.Contains(err.Error(), "NpgCjnDzrM")) {
			t.Errorf("%s: error text leaks the secret or the signature: %v", c.name, err)
		}
	}
	if err := VerifyPresigned(good, sigV2TestLookup(), now, &VerifyOptions{Method: "PUT"}); !errors.Is(err, sigerr.ErrSignatureMismatch) {
		t.Errorf("GET URL used for PUT: %v", err)
	}
	// A fragment is never sent, so no signature covers it: refused as
	// malformed, as the signers refuse it (sigcore.SplitURL).
	if err := VerifyPresigned(good+"#frag", sigV2TestLookup(), now, nil); !errors.Is(err, sigerr.ErrMalformed) {
		t.Errorf("fragment: %v", err)
	}
}

func TestSigV2PresignSignsSessionTokenAndHeaders(t *testing.T) {
	r := &PresignRequest{
		Method: "PUT", Host: "127.0.0.1:9000", Scheme: "http", Bucket: "bkt", Key: "dir/a b+c.txt", Expires: 2000000000,
		Headers:      []Param{{Name: "Content-Type", Value: "text/plain"}, {Name: "X-Amz-Meta-Owner", Value: "me"}},
		SessionToken: "FQoGZXIvYXdzE//token+/=",
	}
	sts, err := appendPresignSTS(nil, r)
	if err != nil {
		t.Fatal(err)
	}
	want := "PUT\n\ntext/plain\n2000000000\nx-amz-meta-owner:me\nx-amz-security-token:FQoGZXIvYXdzE//token+/=\n/bkt/dir/a%20b%2Bc.txt"
	if string(sts) != want {
		t.Errorf("string to sign\n got %q\nwant %q", sts, want)
	}
	u, err := Presign("AKIDOTHER", "other/secret+key", r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://127.0.0.1:9000/bkt/dir/a%20b%2Bc.txt?Content-Type=text%2Fplain&X-Amz-Meta-Owner=me&x-amz-security-token=FQoGZXIvYXdzE%2F%2Ftoken%2B%2F%3D&AWSAccessKeyId=AKIDOTHER&Expires=2000000000&Signature=") {
		t.Errorf("URL = %s", u)
	}
	if err := VerifyPresigned(u, sigV2TestLookup(), time.Unix(1e9, 0), &VerifyOptions{Method: "PUT"}); err != nil {
		t.Errorf("verify: %v", err)
	}
	tampered := strings.Replace(u, "token%2B", "token%2C", 1)
	if err := VerifyPresigned(tampered, sigV2TestLookup(), time.Unix(1e9, 0), &VerifyOptions{Method: "PUT"}); !errors.Is(err, sigerr.ErrSignatureMismatch) {
		t.Errorf("tampered token: %v", err)
	}
}

func TestSigV2SignerAllocatesNothingPerURL(t *testing.T) {
	s, _ := NewSigner(sigV2DocAKID, sigV2DocSecret)
	r := &PresignRequest{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/puppy 1.jpg", Expires: 1175139620,
		Query: []Param{{Name: "response-content-disposition", Value: "attachment"}, {Name: "versionId", Value: "v1"}}}
	buf := make([]byte, 0, 512)
	var err error
	allocs := testing.AllocsPerRun(200, func() {
		buf, err = s.AppendPresignedURL(buf[:0], r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per presigned URL, want 0", allocs)
	}
}

func TestSigV2SignerNeverPrintsSecret(t *testing.T) {
	s, _ := NewSigner(sigV2DocAKID, sigV2DocSecret)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, arg := range []any{s, *s, struct{ s *Signer }{s}, struct{ s Signer }{*s}} {
			out := fmt.Sprintf(verb, arg)
			if strings.Contains(out, "wJalrXUtnFEMI") || strings.Contains(out, "EXAMPLEKEY") {
				t.Errorf("%s of %T prints the secret: %s", verb, arg, out)
			}
		}
	}
	_, err := NewSigner("AK", "")
	if err == nil {
		t.Error("empty secret accepted")
	}
}

// randomSigV2Request builds a random presign request: keys with unicode,
// spaces, reserved characters; random sub-resources and headers.
func randomSigV2Request(rng *rand.Rand) *PresignRequest {
	const keyChars = "abcXYZ019 -._~!$&'()*+,;=:@/%?#[]é中"
	randStr := func(n int, chars string) string {
		rs := []rune(chars)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteRune(rs[rng.IntN(len(rs))])
		}
		return b.String()
	}
	r := &PresignRequest{
		Method:  []string{"GET", "PUT", "HEAD", "DELETE"}[rng.IntN(4)],
		Bucket:  []string{"johnsmith", "a.b.c", "bkt-1"}[rng.IntN(3)],
		Key:     randStr(1+rng.IntN(20), keyChars),
		Expires: 1 + rng.Int64N(4e9),
	}
	switch rng.IntN(3) {
	case 0:
		r.Host, r.Addressing = r.Bucket+".s3.amazonaws.com", AddressingAuto
	case 1:
		r.Host, r.Addressing = "127.0.0.1:9000", AddressingPath
	case 2:
		r.Host, r.Addressing = "s3.us-west-2.amazonaws.com", AddressingPath
	}
	subs := []string{"versionId", "response-content-disposition", "response-content-type", "acl", "uploadId", "partNumber", "tagging"}
	rng.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
	for _, name := range subs[:rng.IntN(4)] {
		r.Query = append(r.Query, Param{Name: name, Value: randStr(rng.IntN(8), "ab +/=&;\"é")})
	}
	if rng.IntN(3) == 0 {
		r.Headers = append(r.Headers, Param{Name: "x-amz-meta-m", Value: randStr(1+rng.IntN(6), "xyz +/")})
	}
	if rng.IntN(4) == 0 {
		r.SessionToken = randStr(10, "AZaz09+/=")
	}
	return r
}

// TestSigV2RoundTripAndTamperDetection is the property: every URL the
// signer makes verifies (with the method it was made for), and changing any
// byte of the signature, Expires, the path, or a signed query value makes it
// fail.
func TestSigV2RoundTripAndTamperDetection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lookup := sigV2TestLookup()
	for i := 0; i < 300; i++ {
		r := randomSigV2Request(rng)
		u, err := Presign("AKIDOTHER", "other/secret+key", r)
		if err != nil {
			t.Fatalf("request %+v: %v", r, err)
		}
		now := time.Unix(r.Expires-rng.Int64N(1000), 0)
		opts := &VerifyOptions{Method: r.Method}
		if err := VerifyPresigned(u, lookup, now, opts); err != nil {
			t.Fatalf("fresh URL does not verify: %v\n%s", err, u)
		}
		if err := VerifyPresigned(u, lookup, time.Unix(r.Expires+1, 0), opts); !errors.Is(err, sigerr.ErrExpired) {
			t.Fatalf("past Expires: %v", err)
		}
		mustFail := func(what, tampered string) {
			t.Helper()
			if tampered == u {
				return
			}
			if err := VerifyPresigned(tampered, lookup, now, opts); err == nil {
				t.Fatalf("%s: tampered URL verifies:\n%s\n%s", what, u, tampered)
			}
		}
		base, query, _ := strings.Cut(u, "?")
		// Flip one byte of the decoded signature, re-encode.
		sigAt := strings.Index(u, "&Signature=") + len("&Signature=")
		sig, _ := url.QueryUnescape(u[sigAt:])
		b := []byte(sig)
		b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
		mustFail("signature", u[:sigAt]+url.QueryEscape(string(b)))
		// Change Expires.
		exp := strconv.FormatInt(r.Expires, 10)
		mustFail("expires", strings.Replace(u, "&Expires="+exp, "&Expires="+strconv.FormatInt(r.Expires+1+rng.Int64N(100), 10), 1))
		// Flip one byte of the path (after the host), keeping it a path.
		pathAt := strings.Index(base, "://") + 3
		pathAt += strings.IndexByte(base[pathAt:], '/') + 1
		if pathAt < len(base) {
			p := []byte(base)
			i := pathAt + rng.IntN(len(base)-pathAt)
			p[i] = "AZaz09-._~"[rng.IntN(10)]
			mustFail("path", string(p)+"?"+query)
		}
		// Change the decoded value of one signed query parameter.
		if len(r.Query) > 0 {
			q := r.Query[rng.IntN(len(r.Query))]
			r2 := *r
			r2.Query = append([]Param(nil), r.Query...)
			for j := range r2.Query {
				if r2.Query[j].Name == q.Name {
					r2.Query[j].Value += "x"
				}
			}
			u2, err := Presign("AKIDOTHER", "other/secret+key", &r2)
			if err != nil {
				t.Fatal(err)
			}
			// Graft the original signature onto the changed URL.
			mustFail("query "+q.Name, u2[:strings.Index(u2, "&Signature=")]+u[strings.Index(u, "&Signature="):])
		}
		// The wrong method.
		other := "POST"
		if err := VerifyPresigned(u, lookup, now, &VerifyOptions{Method: other}); !errors.Is(err, sigerr.ErrSignatureMismatch) {
			t.Fatalf("method %s: %v", other, err)
		}
	}
}

func BenchmarkSigV2PresignedURL(b *testing.B) {
	s, _ := NewSigner(sigV2DocAKID, sigV2DocSecret)
	r := &PresignRequest{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/2024/puppy.jpg", Expires: 1175139620}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = s.AppendPresignedURL(buf[:0], r)
	}
}

func BenchmarkVerifySigV2Presigned(b *testing.B) {
	r := &PresignRequest{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/2024/puppy.jpg", Expires: 1175139620}
	u, _ := Presign(sigV2DocAKID, sigV2DocSecret, r)
	lookup := sigV2TestLookup()
	now := time.Unix(1175139000, 0)
	b.ReportAllocs()
	for b.Loop() {
		if err := VerifyPresigned(u, lookup, now, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSigV2Verifier(b *testing.B) {
	r := &PresignRequest{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/2024/puppy.jpg", Expires: 1175139620}
	u, _ := Presign(sigV2DocAKID, sigV2DocSecret, r)
	v := NewVerifier(sigV2TestLookup())
	now := time.Unix(1175139000, 0)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(u, now, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSigV2VerifierReusesKeyStateButSeesRotation(t *testing.T) {
	secret := sigV2DocSecret
	lookup := func(id string) (string, bool) { return secret, id == sigV2DocAKID }
	v := NewVerifier(lookup)
	r := &PresignRequest{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/puppy.jpg", Expires: 1175139620,
		Query: []Param{{Name: "response-content-disposition", Value: "attachment; filename=\"x y\""}}}
	u, _ := Presign(sigV2DocAKID, sigV2DocSecret, r)
	now := time.Unix(1175139000, 0)
	for i := 0; i < 3; i++ {
		if err := v.Verify(u, now, nil); err != nil {
			t.Fatalf("pass %d: %v", i, err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() { _ = v.Verify(u, now, nil) })
	if allocs > 1 {
		t.Errorf("%v allocations per verified URL, want at most 1 (the decoded query)", allocs)
	}
	secret = "rotated"
	if err := v.Verify(u, now, nil); !errors.Is(err, sigerr.ErrSignatureMismatch) {
		t.Errorf("after rotation: %v, want mismatch", err)
	}
	if out := fmt.Sprintf("%v %+v %#v", v, v, *v); strings.Contains(out, "rotated") || strings.Contains(out, "EXAMPLEKEY") {
		t.Errorf("verifier prints a secret: %s", out)
	}
}

// TestSigV2PresignAndVerifyAgreeOnHosts: the presigner signs no host the
// verifier would call malformed, and what it signs verifies.
func TestSigV2PresignAndVerifyAgreeOnHosts(t *testing.T) {
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:9000", true}, {"[::1]:9000", true}, {"s3.amazonaws.com", true},
		{"h:0", false}, {"h:99999", false}, {strings.Repeat("a", 300), false}, {"a..b", false},
		{strings.Repeat("abcdefghi.", 12200) + "com", false}, {"u:SECRET@h", false}, {"h h", false}, {"h\u00e9", false},
	} {
		r := &PresignRequest{Host: tc.host, Bucket: "bkt", Key: "k", Expires: 1175139620, Addressing: AddressingPath}
		u, err := Presign(sigV2DocAKID, sigV2DocSecret, r)
		if (err == nil) != tc.ok {
			t.Errorf("host %.40q: %v, want ok = %v", tc.host, err, tc.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrRequest) || !strings.Contains(err.Error(), "host") || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("host %.40q: %v", tc.host, err)
			}
			bad := "http://" + tc.host + "/bkt/k?AWSAccessKeyId=" + sigV2DocAKID + "&Expires=1175139620&Signature=x"
			var ve *sigerr.VerifyError
			if err := VerifyPresigned(bad, sigV2TestLookup(), time.Unix(1175139000, 0), nil); !errors.As(err, &ve) || ve.Reason != sigerr.ErrMalformed || ve.Field != "url" {
				t.Errorf("host %.40q: verify says %v, want malformed url", tc.host, err)
			}
			continue
		}
		if err := VerifyPresigned(u, sigV2TestLookup(), time.Unix(1175139000, 0), nil); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// TestVerifySigV2DetectsByteChanges: replacing any one byte of a presigned
// URL by a byte no URL may carry (space, controls, DEL, high bytes, '#',
// '"<>\^`{|}'), anywhere, scheme and host included, is malformed url; and
// replacing any byte of what SigV2 signs (the path, the sub-resources, the
// AWSAccessKeyId, Expires and Signature parameters) by any other byte value
// fails, unless it leaves the same URL (urltest.Equivalent). The host of a
// path-style URL, and the case of a virtual-hosted bucket or of an x-amz-*
// parameter name, are not signed by SigV2: that is the scheme.
func TestVerifySigV2DetectsByteChanges(t *testing.T) {
	now := time.Unix(1175139000, 0)
	for _, r := range []*PresignRequest{
		{Host: "johnsmith.s3.amazonaws.com", Bucket: "johnsmith", Key: "photos/puppy \u00fc.jpg", Expires: 1175139620, Query: []Param{{Name: "versionId", Value: "v1"}}},
		{Scheme: "http", Host: "127.0.0.1:9000", Bucket: "bkt", Key: "a/b", Expires: 1175139620, Addressing: AddressingPath, SessionToken: "tok"},
	} {
		u, err := Presign(sigV2DocAKID, sigV2DocSecret, r)
		if err != nil {
			t.Fatal(err)
		}
		v := NewVerifier(sigV2TestLookup())
		if err := v.Verify(u, now, nil); err != nil {
			t.Fatal(err)
		}
		signed := make([]bool, len(u))
		q := strings.IndexByte(u, '?')
		for i := range u {
			signed[i] = urltest.Part(u, i) == "path"
		}
		for off := q + 1; off < len(u); {
			part, _, _ := strings.Cut(u[off:], "&")
			if name, _, _ := strings.Cut(part, "="); !strings.HasPrefix(name, "x-amz-") {
				for i := off; i < off+len(part); i++ {
					signed[i] = true
				}
			}
			off += len(part) + 1
		}
		for i := 0; i < len(u); i++ {
			for c := 0; c < 256; c++ {
				repl := byte(c)
				if u[i] == repl {
					continue
				}
				bad := u[:i] + string(repl) + u[i+1:]
				err := v.Verify(bad, now, nil)
				var ve *sigerr.VerifyError
				switch {
				case urltest.NeverInURL(repl):
					if !errors.As(err, &ve) || ve.Reason != sigerr.ErrMalformed || ve.Field != "url" {
						t.Fatalf("byte %d changed to %q: %v, want malformed url\n%s", i, repl, err, bad)
					}
				case signed[i] && err == nil && !urltest.Equivalent(u, i, repl):
					t.Fatalf("byte %d (%s) changed to %q still verifies:\n%s\n%s", i, urltest.Part(u, i), repl, u, bad)
				}
			}
		}
	}
}
