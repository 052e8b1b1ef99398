package testservers

// A deliberately small reference signer, used only to prove what the
// servers verify before batchsign's own signer exists (and without importing
// aws-sdk-go-v2, which the main module must not depend on). It follows the
// S3 rules literally: the object path is percent-encoded once and never
// normalised, the query is sorted by encoded key then value, presigned URLs
// sign only "host" with UNSIGNED-PAYLOAD. TestRefSigner pins it to the AWS
// documentation's vectors before any server test relies on it.

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"
)

// refCreds is what a signer needs besides the request.
type refCreds struct {
	access, secret, region string
}

func (s *Server) creds() refCreds { return refCreds{s.AccessKey, s.SecretKey, s.Region} }

// refEscape percent-encodes every byte except A-Z a-z 0-9 - . _ ~, and '/'
// too unless keepSlash. Upper-case hex, space as %20.
func refEscape(s string, keepSlash bool) string { // same rule as escapeS3Path, written out again on purpose
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// refCanonicalQuery encodes q with refEscape and sorts by key, then value.
func refCanonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, refEscape(k, false)+"="+refEscape(v, false))
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		ki, vi, _ := strings.Cut(pairs[i], "=")
		kj, vj, _ := strings.Cut(pairs[j], "=")
		if ki != kj {
			return ki < kj
		}
		return vi < vj
	})
	return strings.Join(pairs, "&")
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// refSignature is the SigV4 signature of canonicalRequest at t in c's
// scope for service s3.
func refSignature(c refCreds, t time.Time, canonicalRequest string) string {
	date := t.UTC().Format("20060102")
	scope := date + "/" + c.region + "/s3/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + t.UTC().Format("20060102T150405Z") + "\n" + scope + "\n" +
		sha256Hex([]byte(canonicalRequest))
	k := hmacSHA256([]byte("AWS4"+c.secret), date)
	k = hmacSHA256(k, c.region)
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	return hex.EncodeToString(hmacSHA256(k, sts))
}

// refPresignV4 returns a presigned URL for method on endpoint (scheme://host)
// and the unescaped path ("/bucket/key"), valid for expires seconds from t.
// extra holds additional signed query parameters (may be nil).
func refPresignV4(method, endpoint, path string, extra url.Values, c refCreds, t time.Time, expires int) string {
	return refPresignV4Escaped(method, endpoint, refEscape(path, true), extra, c, t, expires)
}

// refPresignV4Escaped is refPresignV4 for a path that is already escaped:
// epath is both signed and sent as given, so tests can sign non-canonical
// spellings.
func refPresignV4Escaped(method, endpoint, epath string, extra url.Values, c refCreds, t time.Time, expires int) string {
	host := strings.TrimPrefix(strings.TrimPrefix(endpoint, "https://"), "http://")
	q := url.Values{}
	for k, v := range extra {
		q[k] = append([]string(nil), v...)
	}
	q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
	q.Set("X-Amz-Credential", c.access+"/"+t.UTC().Format("20060102")+"/"+c.region+"/s3/aws4_request")
	q.Set("X-Amz-Date", t.UTC().Format("20060102T150405Z"))
	q.Set("X-Amz-Expires", strconv.Itoa(expires))
	q.Set("X-Amz-SignedHeaders", "host")
	query := refCanonicalQuery(q)
	creq := method + "\n" + epath + "\n" + query + "\nhost:" + host + "\n\nhost\nUNSIGNED-PAYLOAD"
	return endpoint + epath + "?" + query + "&X-Amz-Signature=" + refSignature(c, t, creq)
}

// refNewRequest builds a request for the unescaped path whose wire path is
// exactly refEscape(path, true), the form the signers sign.
func refNewRequest(method, endpoint, path string, body []byte) *http.Request {
	epath := refEscape(path, true)
	u, err := url.Parse(endpoint)
	if err != nil {
		panic(err)
	}
	u.Path, u.RawPath = path, epath
	if u.EscapedPath() != epath {
		panic("refNewRequest: net/url would send " + u.EscapedPath() + ", not " + epath)
	}
	req, err := http.NewRequest(method, u.String(), strings.NewReader(string(body)))
	if err != nil {
		panic(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	return req
}

// refSignV4 adds X-Amz-Date, X-Amz-Content-Sha256 (payloadHash) and
// Authorization to req, signing host and every header already in req.Header.
// The path signed is req.URL.EscapedPath(), which is what net/http sends.
func refSignV4(req *http.Request, c refCreds, t time.Time, payloadHash string) {
	req.Header.Set("X-Amz-Date", t.UTC().Format("20060102T150405Z"))
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	hdrs := map[string]string{"host": host}
	for k, vs := range req.Header {
		hdrs[strings.ToLower(k)] = strings.Join(strings.Fields(strings.Join(vs, ",")), " ")
	}
	names := make([]string, 0, len(hdrs))
	for k := range hdrs {
		names = append(names, k)
	}
	sort.Strings(names)
	var canon strings.Builder
	for _, k := range names {
		canon.WriteString(k + ":" + hdrs[k] + "\n")
	}
	signed := strings.Join(names, ";")
	creq := req.Method + "\n" + req.URL.EscapedPath() + "\n" + refCanonicalQuery(req.URL.Query()) + "\n" +
		canon.String() + "\n" + signed + "\n" + payloadHash
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.access+"/"+t.UTC().Format("20060102")+"/"+
		c.region+"/s3/aws4_request, SignedHeaders="+signed+", Signature="+refSignature(c, t, creq))
}

// refSigV2 is the SigV2 signature (base64 HMAC-SHA1) of stringToSign.
func refSigV2(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// refPresignV2 returns a SigV2 query-string-authenticated URL for method on
// the unescaped path, expiring at the Unix time expires. The
// CanonicalizedResource is the path as sent.
func refPresignV2(method, endpoint, path, access, secret string, expires int64) string {
	epath := refEscape(path, true)
	exp := strconv.FormatInt(expires, 10)
	sig := refSigV2(secret, method+"\n\n\n"+exp+"\n"+epath)
	return endpoint + epath + "?AWSAccessKeyId=" + url.QueryEscape(access) + "&Expires=" + exp +
		"&Signature=" + url.QueryEscape(sig)
}

// TestRefSigner pins the reference signer to the AWS S3 documentation's
// vectors (testdata/s3-doc-vectors.md §1, §2, §4, §5, §8), so that
// a server's 200 means the server agrees with AWS, not with a bug here.
func TestRefSigner(t *testing.T) {
	doc := refCreds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"}
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

	// The expected values are copied from testdata/s3-doc-vectors.md: check
	// that they still appear in it (a transcription check).
	{
		vec := vectors.Read(t, "s3-doc-vectors.md")
		for _, want := range []string{
			"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
			"98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
			"34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
			"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
			"NpgCjnDzrM+WFzoENXmpNDUsSn8=",
		} {
			if !strings.Contains(string(vec), want) {
				t.Errorf("s3-doc-vectors.md no longer contains %s", want)
			}
		}
	}

	authSig := func(req *http.Request) string {
		_, sig, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
		return sig
	}

	t.Run("GetObjectRange", func(t *testing.T) {
		req := refNewRequest("GET", "https://examplebucket.s3.amazonaws.com", "/test.txt", nil)
		req.Header.Set("Range", "bytes=0-9")
		refSignV4(req, doc, at, emptySHA)
		if got, want := authSig(req), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"; got != want {
			t.Errorf("signature %s, want %s", got, want)
		}
	})
	t.Run("PutObjectDollarKey", func(t *testing.T) {
		body := []byte("Welcome to Amazon S3.")
		req := refNewRequest("PUT", "https://examplebucket.s3.amazonaws.com", "/test$file.text", body)
		req.Header.Set("Date", "Fri, 24 May 2013 00:00:00 GMT")
		req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		refSignV4(req, doc, at, sha256Hex(body))
		if got, want := authSig(req), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"; got != want {
			t.Errorf("signature %s, want %s", got, want)
		}
	})
	t.Run("ListObjectsQuery", func(t *testing.T) {
		req := refNewRequest("GET", "https://examplebucket.s3.amazonaws.com", "/", nil)
		req.URL.RawQuery = "prefix=J&max-keys=2"
		refSignV4(req, doc, at, emptySHA)
		if got, want := authSig(req), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"; got != want {
			t.Errorf("signature %s, want %s", got, want)
		}
	})
	t.Run("PresignedGet", func(t *testing.T) {
		got := refPresignV4("GET", "https://examplebucket.s3.amazonaws.com", "/test.txt", nil, doc, at, 86400)
		want := "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
		if got != want {
			t.Errorf("presigned URL\n got %s\nwant %s", got, want)
		}
	})
	t.Run("SigV2Presign", func(t *testing.T) {
		// Virtual-hosted in the doc: the bucket is in the resource, not the URL path.
		if got, want := refSigV2(doc.secret, "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg"), "NpgCjnDzrM+WFzoENXmpNDUsSn8="; got != want {
			t.Errorf("signature %s, want %s", got, want)
		}
		u := refPresignV2("GET", "http://h", "/johnsmith/photos/puppy.jpg", doc.access, doc.secret, 1175139620)
		if want := "http://h/johnsmith/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D"; u != want {
			t.Errorf("presigned URL\n got %s\nwant %s", u, want)
		}
	})
	t.Run("EscapeOnce", func(t *testing.T) {
		for in, want := range map[string]string{
			"/a b+c%d/é~!": "/a%20b%2Bc%25d/%C3%A9~%21",
			"/a//b/./c":    "/a//b/./c",
		} {
			if got := refEscape(in, true); got != want {
				t.Errorf("refEscape(%q) = %q, want %q", in, got, want)
			}
			if got := escapeS3Path(in); got != want {
				t.Errorf("escapeS3Path(%q) = %q, want %q", in, got, want)
			}
		}
	})
}
