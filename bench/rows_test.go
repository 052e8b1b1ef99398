package bench

import (
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batchsign/batchsign/sigv4"
)

// A generated row of the differential tests: one presign (and, built from
// it, one header-signed request) with hostile inputs.
type diffRow struct {
	n       int // 1-based row number, for messages
	p       sigv4.S3Presign
	region  string
	token   int  // index into diffTokens
	badUTF8 bool // the key or a query value is not UTF-8: batchsign must refuse the row
	// For header signing: the payload hash and extra headers.
	payload string
	headers []sigv4.Header
}

// diffRegions are the regions rows are signed for.
var diffRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"}

// diffTokens are the session tokens rows are signed with: none (long-term
// credentials), the benchmark's 950-character token, and STS-like tokens of
// other lengths.
var diffTokens = []string{"", token950, sessionToken(356, 1), sessionToken(1248, 2), sessionToken(64, 3)}

// keyPieces are the fragments hostile keys are made of. They cover every
// byte class that SigV4 and S3 treat specially: URI-reserved and sub-delim
// characters, percent signs that look like escapes, slashes and dot
// segments (S3 never normalises), the same text in NFC and NFD (S3 keys are
// bytes: never normalised either), emoji with ZWJ sequences and variation
// selectors, invisible and edge code points, and control characters.
var keyPieces = []string{
	// Plain.
	"exports", "2026", "11", "part-00042.parquet", "README", "a", "Z", "0", "data.csv", "v1.2.3", "snake_case", "kebab-case", "~user",
	// Reserved, sub-delims and friends.
	" ", "  ", "+", "=", "&", "?", "#", "%", "(", ")", "~", ";", ",", "!", "*", "'", "@", "$", ":", "[", "]",
	"{", "}", "<", ">", "|", "\\", "^", "`", "\"", "a b", "a+b", "a=b&c=d", "q?x=1#frag", "(1)", "report (final).pdf",
	// Things that look like escapes.
	"%20", "%2F", "%2f", "%25", "%%", "%zz", "100%", "%E2%82%AC", "+%2B+",
	// Slashes and dots.
	"/", "//", "./", "../", "/./", "/../", ".", "..", "...", ".hidden",
	// Unicode: NFC and NFD of the same text, compatibility forms.
	"caf\u00e9", "cafe\u0301", "\u00c5ngstr\u00f6m", "A\u030angstro\u0308m", "\u212b", "\ud55c\uae00", "\u1112\u1161\u11ab\u1100\u1173\u11af",
	"\u65e5\u672c\u8a9e", "\u00fcn\u00efc\u00f6d\u00e9", "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
	"\ufb01", "\u00df", "\u0130", "\u00a0", "\u200b", "\u200d", "\ufeff", "\u2028", "\ufffd", "\U0010ffff", "\U0001d11e",
	// Emoji.
	"\U0001f600", "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", "\U0001f1ef\U0001f1f5", "\U0001f44d\U0001f3fd",
	"\u2764\ufe0f", "\U0001f3f3\ufe0f\u200d\U0001f308",
	// Control characters.
	"\t", "\n", "\r\n", "\x00", "\x01", "\x1f", "\x7f", "tab\there",
}

// badUTF8Pieces are byte sequences that are not UTF-8: a lone continuation
// byte, a truncated sequence, an encoded surrogate, an overlong '/', 0xFF.
var badUTF8Pieces = []string{"\x80", "\xc3", "\xed\xa0\x80", "\xc0\xaf", "\xff", "caf\xe9"}

// dispositions are response-content-disposition overrides: quotes,
// semicolons, equals signs, RFC 5987 filename* with its own escapes.
var dispositions = []string{
	`attachment`,
	`inline`,
	`attachment; filename="report.csv"`,
	`attachment; filename="part 00042 (final).parquet"; size=1024`,
	`attachment; filename="quote\"inside.txt"`,
	`attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
	`attachment; filename="r\u00e9sum\u00e9.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
	`form-data; name="field"; filename="a;b=c&d.txt"`,
}

// contentTypes are response-content-type overrides and Content-Type headers,
// with parameters, quotes and "+".
var contentTypes = []string{
	"text/plain", "text/plain; charset=utf-8", "application/json", "application/octet-stream",
	`multipart/form-data; boundary="x y+z"`, "image/svg+xml", "text/csv; header=present; charset=\"iso-8859-1\"",
}

// extraKeys are the keys of random extra parameters: S3 sub-resources,
// and keys whose order changes when encoded ("k/1" and "k-1", "é" and "a":
// '%' sorts before every letter and digit, SigV4 sorts after encoding).
var extraKeys = []string{
	"x-id", "partNumber", "uploadId", "prefix", "delimiter", "a b", "\u00e9", "a", "k/1", "k-1", "k.1", "K", "k", "",
	"~tilde", "x-amz-meta-note", "X-Amz-Checksum-Mode", "response-expires", "response-cache-control",
	"response-content-language", "response-content-encoding", "key=with=equals", "semi;colon", "amp&ersand", "plus+key",
}

// genKey builds a hostile object key.
func genKey(r *rand.Rand) string {
	var b strings.Builder
	switch r.IntN(20) {
	case 0:
		b.WriteString("/") // a key that starts with '/' (the URL path starts "//")
	case 1:
		b.WriteString("./")
	case 2:
		b.WriteString("//")
	}
	for range 1 + r.IntN(10) {
		b.WriteString(keyPieces[r.IntN(len(keyPieces))])
		if r.IntN(3) == 0 {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// genLongKey builds a key of exactly 1,024 bytes (S3's limit), cut on a
// rune boundary and padded with ASCII.
func genLongKey(r *rand.Rand) string {
	var b strings.Builder
	for b.Len() < 1024 {
		b.WriteString(keyPieces[r.IntN(len(keyPieces))])
	}
	s := b.String()[:1024]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + strings.Repeat("x", 1024-len(s))
}

// genValue builds a hostile free-text query value.
func genValue(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(5) {
		b.WriteString(keyPieces[r.IntN(len(keyPieces))])
	}
	return b.String()
}

// genQuery builds the row's query overrides, or none.
func genQuery(r *rand.Rand) []sigv4.QueryParam {
	if r.IntN(2) == 0 {
		return nil
	}
	var q []sigv4.QueryParam
	for range 1 + r.IntN(5) {
		var kv sigv4.QueryParam
		switch r.IntN(7) {
		case 0:
			kv = sigv4.QueryParam{Key: "versionId", Value: sessionToken(32, r.Uint64())}
			if r.IntN(8) == 0 {
				kv.Value = "null"
			}
		case 1, 2:
			kv = sigv4.QueryParam{Key: "response-content-disposition", Value: dispositions[r.IntN(len(dispositions))]}
		case 3:
			kv = sigv4.QueryParam{Key: "response-content-type", Value: contentTypes[r.IntN(len(contentTypes))]}
		default:
			kv = sigv4.QueryParam{Key: extraKeys[r.IntN(len(extraKeys))], Value: genValue(r)}
		}
		q = append(q, kv)
		if r.IntN(10) == 0 { // the same key again with another value
			q = append(q, sigv4.QueryParam{Key: kv.Key, Value: genValue(r)})
		}
	}
	return q
}

// diffHosts are (scheme, host, bucket) triples: virtual-hosted names
// (bucket in the host, dots included), path-style endpoints with the bucket
// as the first path segment, and local S3-compatible servers with ports.
var diffHosts = []struct{ scheme, host, bucket string }{
	{"https", "examplebucket.s3.us-east-1.amazonaws.com", ""},
	{"https", "my.bucket.with.dots.s3.eu-west-1.amazonaws.com", ""},
	{"https", "bucket.s3.dualstack.ap-southeast-2.amazonaws.com", ""},
	{"", "examplebucket.s3.amazonaws.com", ""},
	{"https", "s3.us-east-1.amazonaws.com", "examplebucket"},
	{"https", "s3.eu-west-1.amazonaws.com", "my.bucket.with.dots"},
	{"http", "127.0.0.1:9000", "local-bucket"},
	{"http", "localhost:7070", "b"},
	{"http", "[::1]:9000", "v6-bucket"},
	{"https", "minio.internal:9443", "exports"},
}

var diffMethods = []string{"GET", "GET", "GET", "GET", "GET", "GET", "", "PUT", "HEAD", "DELETE"}

var diffExpires = []int64{1, 60, 900, 3600, 86400, 604800}

// genRows returns n rows from a fixed seed: the same rows on every run and
// every machine.
func genRows(n int) []diffRow {
	r := rand.New(rand.NewPCG(20261123, 5))
	rows := make([]diffRow, n)
	for i := range rows {
		h := diffHosts[r.IntN(len(diffHosts))]
		row := diffRow{n: i + 1, region: diffRegions[r.IntN(len(diffRegions))], token: r.IntN(len(diffTokens))}
		row.p = sigv4.S3Presign{Method: diffMethods[r.IntN(len(diffMethods))], Scheme: h.scheme, Host: h.host, Bucket: h.bucket}
		switch k := r.IntN(200); {
		case k < 6:
			row.p.Key = genLongKey(r)
		case k < 8:
			row.p.Key = "" // the bucket itself (a listing URL)
		default:
			row.p.Key = genKey(r)
		}
		row.p.Query = genQuery(r)
		if r.IntN(3) == 0 {
			row.p.Expires = diffExpires[r.IntN(len(diffExpires))]
		} else {
			row.p.Expires = 1 + r.Int64N(604800)
		}
		if r.IntN(100) == 0 {
			row.badUTF8 = true
			bad := badUTF8Pieces[r.IntN(len(badUTF8Pieces))]
			if len(row.p.Query) > 0 && r.IntN(2) == 0 {
				row.p.Query[0].Value += bad
			} else {
				row.p.Key += bad
			}
		}
		var sum [32]byte
		for j := range sum {
			sum[j] = byte(r.Uint32())
		}
		row.payload = hex.EncodeToString(sum[:])
		switch r.IntN(8) {
		case 0:
			row.payload = sigv4.UnsignedPayload
		case 1:
			row.payload = sigv4.EmptySHA256
		}
		row.headers = []sigv4.Header{{Name: "Content-Type", Value: contentTypes[r.IntN(len(contentTypes))]}}
		if r.IntN(3) == 0 {
			// Runs of spaces inside and around the value: every signer folds them.
			row.headers = append(row.headers, sigv4.Header{Name: "x-amz-meta-row", Value: "  row   " + strconv.Itoa(i+1) + " "})
		}
		if r.IntN(5) == 0 {
			row.headers = append(row.headers, sigv4.Header{Name: "X-Amz-Storage-Class", Value: "STANDARD_IA"})
		}
		rows[i] = row
	}
	return rows
}
