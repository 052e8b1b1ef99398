package bench

import (
	"context"
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
	minio "github.com/minio/minio-go/v7/pkg/signer"
)

// The fixed inputs every benchmark shares. The key and host are those of a
// typical export manifest row; the secret is the documentation example.
const (
	benchAccessKey = "AKIAIOSFODNN7EXAMPLE"
	benchSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	benchRegion    = "us-east-1"
	benchHost      = "examplebucket.s3.us-east-1.amazonaws.com"
	benchKey       = "exports/2026/11/23/part-00042.parquet"
	benchExpires   = 3600
	// benchPayload is the SHA-256 of the PUT body, computed beforehand as a
	// batch manifest's content_sha256 column carries it.
	benchPayload     = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
	benchContentType = "application/octet-stream"
)

// benchTime is the pinned signing instant. The engine and aws-sdk-go-v2 take
// it as an argument; minio-go reads the clock itself, which only changes the
// date strings, not the amount of work.
var benchTime = time.Date(2026, 11, 23, 12, 34, 56, 0, time.UTC)

// sessionToken returns a deterministic STS-like session token of n
// characters: base64 text, so it carries the '+', '/' and '=' that every
// signer must percent-encode, as real tokens do.
func sessionToken(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	raw := make([]byte, n)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	s := base64.StdEncoding.EncodeToString(raw)
	return s[:n-1] + "="
}

// token950 is the 950-character token of the target: the size of a
// role-chained STS token.
var token950 = sessionToken(950, 950)

// newEngineSigner returns a batchsign signer for the shared fixture, with
// the signing key taken from a keycache as a batch run does.
func newEngineSigner(tb testing.TB, token string, t time.Time, region string) *sigv4.Signer {
	tb.Helper()
	s, err := engineSigner(sigv4.NewKeyCache(0), token, t, region)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// engineSigner is newEngineSigner for goroutines that may not call Fatal.
func engineSigner(cache *sigv4.KeyCache, token string, t time.Time, region string) (*sigv4.Signer, error) {
	key := cache.Get(benchAccessKey, benchSecret, t, region, "s3")
	return sigv4.NewSigner(sigv4.Credentials{AccessKeyID: benchAccessKey, SecretAccessKey: benchSecret, SessionToken: token},
		key, t, sigv4.Options{Region: region, Service: "s3"})
}

// awsCreds is aws-sdk-go-v2's credentials type.
type awsCreds = aws.Credentials

// sdkCredentials is the aws-sdk-go-v2 form of the fixture's credentials.
func sdkCredentials(token string) aws.Credentials {
	return aws.Credentials{AccessKeyID: benchAccessKey, SecretAccessKey: benchSecret, SessionToken: token}
}

// sdkS3Options configures aws-sdk-go-v2's signer the way its S3 client does
// (service/s3 newDefaultV4Signer): the path in URL.RawPath is already the
// once-escaped key and must not be escaped again.
func sdkS3Options(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }

// sdkEscapedPath is the request path as aws-sdk-go-v2's S3 client writes it
// into URL.RawPath: the bucket (path-style only) and the key each escaped
// once by smithy-go's httpbinding.EscapePath, '/' kept in the key (the
// greedy {Key+} label).
func sdkEscapedPath(bucket, key string) (path, rawPath string) {
	path, rawPath = "/", "/"
	if bucket != "" {
		path += bucket + "/"
		rawPath += httpbinding.EscapePath(bucket, true) + "/"
	}
	return path + key, rawPath + httpbinding.EscapePath(key, false)
}

// sdkPresignRequest builds the *http.Request aws-sdk-go-v2's S3 presigner
// hands to PresignHTTP for p: Path and RawPath as its serializer sets them,
// the row's query plus X-Amz-Expires encoded by url.Values (the SDK parses
// it back with url.ParseQuery, so '+', ';' and '&' in values survive).
func sdkPresignRequest(p *sigv4.S3Presign) *http.Request {
	method, scheme := p.Method, p.Scheme
	if method == "" {
		method = http.MethodGet
	}
	if scheme == "" {
		scheme = "https"
	}
	path, rawPath := sdkEscapedPath(p.Bucket, p.Key)
	q := make(url.Values, len(p.Query)+1)
	for _, kv := range p.Query {
		q.Add(kv.Key, kv.Value)
	}
	q.Set("X-Amz-Expires", strconv.FormatInt(p.Expires, 10))
	return &http.Request{
		Method: method,
		URL:    &url.URL{Scheme: scheme, Host: p.Host, Path: path, RawPath: rawPath, RawQuery: q.Encode()},
		Header: make(http.Header),
		Host:   p.Host,
	}
}

// sdkPresign presigns p with aws-sdk-go-v2 at instant t.
func sdkPresign(s *v4.Signer, creds aws.Credentials, p *sigv4.S3Presign, region string, t time.Time) (string, error) {
	u, _, err := s.PresignHTTP(context.Background(), creds, sdkPresignRequest(p), sigv4.UnsignedPayload, "s3", region, t, sdkS3Options)
	return u, err
}

// minioPresignRequest builds the request minio-go's client hands to
// PreSignV4: the decoded path in URL.Path (minio-go escapes it itself with
// s3utils.EncodePath) and the row's query in URL.RawQuery.
func minioPresignRequest(p *sigv4.S3Presign) http.Request {
	method, scheme := p.Method, p.Scheme
	if method == "" {
		method = http.MethodGet
	}
	if scheme == "" {
		scheme = "https"
	}
	path := "/"
	if p.Bucket != "" {
		path += p.Bucket + "/"
	}
	var q url.Values
	if len(p.Query) > 0 {
		q = make(url.Values, len(p.Query))
		for _, kv := range p.Query {
			q.Add(kv.Key, kv.Value)
		}
	}
	return http.Request{
		Method: method,
		URL:    &url.URL{Scheme: scheme, Host: p.Host, Path: path + p.Key, RawQuery: q.Encode()},
		Header: make(http.Header),
		Host:   p.Host,
	}
}

// minioPresign presigns p with minio-go. minio-go signs at time.Now(); the
// URL's X-Amz-Date says which instant it used.
func minioPresign(p *sigv4.S3Presign, token, region string) string {
	return minio.PreSignV4(minioPresignRequest(p), benchAccessKey, benchSecret, token, region, p.Expires).URL.String()
}
