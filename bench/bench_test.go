package bench

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
	minio "github.com/minio/minio-go/v7/pkg/signer"
)

// presignCase is one row shape of the presign comparison.
type presignCase struct {
	name  string
	token string
	query []sigv4.QueryParam
}

// presignCases are the rows every implementation signs: a plain GET with
// long-term credentials, the same with a 950-character session token, and a
// GET that overrides the response headers of a given version (the common
// "download as" link).
var presignCases = []presignCase{
	{name: "NoToken"},
	{name: "Token950", token: token950},
	{name: "Overrides", query: []sigv4.QueryParam{
		{Key: "versionId", Value: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"},
		{Key: "response-content-disposition", Value: `attachment; filename="part-00042.parquet"`},
	}},
}

func (c presignCase) row() sigv4.S3Presign {
	return sigv4.S3Presign{Host: benchHost, Key: benchKey, Query: c.query, Expires: benchExpires}
}

// BenchmarkPresign compares one presigned S3 GET per op. Each implementation
// does per op what a batch signer must do per row given (host, key, query,
// expires): batchsign appends into a reused buffer with a cached signing
// key; aws-sdk-go-v2 gets the request its S3 presigner would build (key
// escaped into RawPath, query with X-Amz-Expires) and caches the signing key
// itself; minio-go gets the request its client would build and derives the
// key on every call, as PreSignV4 does.
func BenchmarkPresign(b *testing.B) {
	for _, c := range presignCases {
		b.Run(c.name+"/impl=batchsign", func(b *testing.B) {
			s := newEngineSigner(b, c.token, benchTime, benchRegion)
			p := c.row()
			dst := make([]byte, 0, 4096)
			var err error
			b.ReportAllocs()
			for b.Loop() {
				if dst, err = s.AppendPresignS3(dst[:0], &p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/impl=awssdk", func(b *testing.B) {
			s := v4.NewSigner()
			creds := sdkCredentials(c.token)
			p := c.row()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sdkPresign(s, creds, &p, benchRegion, benchTime); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/impl=minio", func(b *testing.B) {
			p := c.row()
			b.ReportAllocs()
			for b.Loop() {
				minioPresign(&p, c.token, benchRegion)
			}
		})
	}
}

// BenchmarkSignHeaders compares header signing (Authorization) of an S3 PUT
// whose payload hash is already known, with a Content-Type header. All three
// sign host, content-type, x-amz-content-sha256 and x-amz-date. Escaping the
// key into the wire path is part of each op, as a batch row carries the raw
// key.
func BenchmarkSignHeaders(b *testing.B) {
	b.Run("PUT/impl=batchsign", func(b *testing.B) {
		s := newEngineSigner(b, "", benchTime, benchRegion)
		b.ReportAllocs()
		for b.Loop() {
			r := sigv4.Request{Method: http.MethodPut, Host: benchHost, Path: "/" + sigcore.URIEscape(benchKey, true),
				PayloadHash: benchPayload, Headers: []sigv4.Header{{Name: "Content-Type", Value: benchContentType}}}
			if _, err := s.SignHeaders(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PUT/impl=awssdk", func(b *testing.B) {
		s := v4.NewSigner()
		creds := sdkCredentials("")
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			req := &http.Request{
				Method: http.MethodPut,
				URL:    &url.URL{Scheme: "https", Host: benchHost, Path: "/" + benchKey, RawPath: "/" + httpbinding.EscapePath(benchKey, false)},
				Header: http.Header{"Content-Type": {benchContentType}, "X-Amz-Content-Sha256": {benchPayload}},
				Host:   benchHost,
			}
			if err := s.SignHTTP(ctx, creds, req, benchPayload, "s3", benchRegion, benchTime, sdkS3Options); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("PUT/impl=minio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req := http.Request{
				Method: http.MethodPut,
				URL:    &url.URL{Scheme: "https", Host: benchHost, Path: "/" + benchKey},
				Header: http.Header{"Content-Type": {benchContentType}, "X-Amz-Content-Sha256": {benchPayload}},
				Host:   benchHost,
			}
			minio.SignV4(req, benchAccessKey, benchSecret, "", benchRegion)
		}
	})
}

// BenchmarkPresignParallel is the batchsign presign with one Signer per
// goroutine, as the worker pool runs it. Run it with -cpu 1,2: the ratio of
// the two ns/op is the scaling of two workers over one.
func BenchmarkPresignParallel(b *testing.B) {
	b.Run("NoToken/impl=batchsign", func(b *testing.B) {
		cache := sigv4.NewKeyCache(0) // shared, as the worker pool shares it
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			s, err := engineSigner(cache, "", benchTime, benchRegion)
			if err != nil {
				b.Error(err)
				return
			}
			p := presignCases[0].row()
			dst := make([]byte, 0, 4096)
			for pb.Next() {
				if dst, err = s.AppendPresignS3(dst[:0], &p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// mrapHost is a Multi-Region Access Point's host, where SigV4a URLs go.
const mrapHost = "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com"

// BenchmarkPresignSigV4a is BenchmarkPresign's batchsign rows to a
// Multi-Region Access Point, signed with SigV4a (ECDSA P-256, the key from a
// sigv4a.KeyCache) and, in the same run, with SigV4 (HMAC, the key from a
// sigv4.KeyCache): the same host, key, query and expiry, so the two differ
// by the scheme alone. benchstat -col /scheme shows the ratio. aws-sdk-go-v2
// has SigV4a only in an internal package, so there is no peer row.
func BenchmarkPresignSigV4a(b *testing.B) {
	for _, c := range presignCases {
		b.Run(c.name+"/scheme=sigv4a/impl=batchsign", func(b *testing.B) {
			key, err := sigv4a.NewKeyCache(0).Get(benchAccessKey, benchSecret)
			if err != nil {
				b.Fatal(err)
			}
			s, err := sigv4a.NewSigner(sigv4.Credentials{AccessKeyID: benchAccessKey, SecretAccessKey: benchSecret, SessionToken: c.token},
				key, benchTime, sigv4a.Options{Service: "s3"})
			if err != nil {
				b.Fatal(err)
			}
			p := c.row()
			p.Host = mrapHost
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				if dst, err = s.AppendPresignS3(dst[:0], &p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/scheme=sigv4/impl=batchsign", func(b *testing.B) {
			s := newEngineSigner(b, c.token, benchTime, benchRegion)
			p := c.row()
			p.Host = mrapHost
			dst := make([]byte, 0, 4096)
			var err error
			b.ReportAllocs()
			for b.Loop() {
				if dst, err = s.AppendPresignS3(dst[:0], &p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// checksumSHA256 is the base64 SHA-256 of the PUT body a checksum-bound
// presigned URL binds (here the empty body's).
const checksumSHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

// checksumPUT is the row of a checksum-bound presigned PUT as
// batchsign's presign signs it: host and x-amz-checksum-sha256 (the
// uploader must send that header, and S3 refuses another body). withAlg
// adds x-amz-sdk-checksum-algorithm: SHA256, which batchsign's presign
// also signs and aws-sdk-go-v2 moves into the query instead
// (TestChecksumPresignAgainstAWSSDK).
func checksumPUT(withAlg bool) *sigv4.Request {
	r := &sigv4.Request{Method: http.MethodPut, Host: benchHost, Path: "/" + sigcore.URIEscape(benchKey, true),
		Headers: []sigv4.Header{{Name: "x-amz-checksum-sha256", Value: checksumSHA256}}}
	if withAlg {
		r.Headers = append(r.Headers, sigv4.Header{Name: "x-amz-sdk-checksum-algorithm", Value: "SHA256"})
	}
	return r
}

// sdkChecksumPUT is checksumPUT as aws-sdk-go-v2's PresignHTTP takes it:
// the key escaped once into RawPath, X-Amz-Expires in the query, the
// headers in the request.
func sdkChecksumPUT(withAlg bool) *http.Request {
	path, rawPath := sdkEscapedPath("", benchKey)
	h := http.Header{"X-Amz-Checksum-Sha256": {checksumSHA256}}
	if withAlg {
		h.Set("X-Amz-Sdk-Checksum-Algorithm", "SHA256")
	}
	return &http.Request{
		Method: http.MethodPut,
		URL:    &url.URL{Scheme: "https", Host: benchHost, Path: path, RawPath: rawPath, RawQuery: "X-Amz-Expires=" + strconv.Itoa(benchExpires)},
		Header: h,
		Host:   benchHost,
	}
}

// sortedQuery is u with its query's parameters sorted: two URLs whose
// parameters are the same bytes in another order are the same request.
func sortedQuery(u string) string {
	base, q, _ := strings.Cut(u, "?")
	parts := strings.Split(q, "&")
	slices.Sort(parts)
	return base + "?" + strings.Join(parts, "&")
}

// TestChecksumPresignAgainstAWSSDK: a presigned PUT that signs
// x-amz-checksum-sha256 is the URL aws-sdk-go-v2's PresignHTTP makes of the
// same request: the same path and the same parameters (signature included)
// byte for byte. (Only their order differs: sigv4.Signer.PresignURL writes
// X-Amz-SignedHeaders before X-Amz-Expires, the SDK in sorted order.) With x-amz-sdk-checksum-algorithm
// too, the SDK hoists that header into the query (it signs as headers only
// x-amz-checksum-*, x-amz-meta-*, x-amz-object-lock-* and a fixed list of
// the other x-amz- headers) while batchsign signs it as a header: both URLs
// bind the same body; the uploader must send the header with batchsign's.
func TestChecksumPresignAgainstAWSSDK(t *testing.T) {
	s := newEngineSigner(t, "", benchTime, benchRegion)
	sdk := v4.NewSigner()
	for _, withAlg := range []bool{false, true} {
		ours, err := s.PresignURL("https", checksumPUT(withAlg), benchExpires)
		if err != nil {
			t.Fatal(err)
		}
		theirs, _, err := sdk.PresignHTTP(context.Background(), sdkCredentials(""), sdkChecksumPUT(withAlg), sigv4.UnsignedPayload,
			"s3", benchRegion, benchTime, sdkS3Options)
		if err != nil {
			t.Fatal(err)
		}
		if !withAlg {
			if sortedQuery(ours) != sortedQuery(theirs) {
				t.Errorf("checksum-bound PUT differs\nbatchsign %s\nSDK       %s", ours, theirs)
			}
			continue
		}
		if got := queryParam(ours, "X-Amz-SignedHeaders"); got != "host%3Bx-amz-checksum-sha256%3Bx-amz-sdk-checksum-algorithm" {
			t.Errorf("batchsign signed headers %s", got)
		}
		if got, alg := queryParam(theirs, "X-Amz-SignedHeaders"), queryParam(theirs, "X-Amz-Sdk-Checksum-Algorithm"); got != "host%3Bx-amz-checksum-sha256" || alg != "SHA256" {
			t.Errorf("the SDK no longer hoists x-amz-sdk-checksum-algorithm: signed headers %s, query value %q\n%s", got, alg, theirs)
		}
	}
}

// BenchmarkPresignChecksumPUT compares a checksum-bound presigned PUT (the
// URL signs host and x-amz-checksum-sha256; the uploader must send that
// header) built from the row per op: batchsign's general presign
// (sigv4.Signer.PresignURL, escaping the key into the path) against
// aws-sdk-go-v2's PresignHTTP of the request its S3 presigner would build.
// The two URLs carry the same parameters and signature
// (TestChecksumPresignAgainstAWSSDK).
func BenchmarkPresignChecksumPUT(b *testing.B) {
	b.Run("impl=batchsign", func(b *testing.B) {
		s := newEngineSigner(b, "", benchTime, benchRegion)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.PresignURL("https", checksumPUT(false), benchExpires); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=awssdk", func(b *testing.B) {
		s := v4.NewSigner()
		creds := sdkCredentials("")
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := s.PresignHTTP(ctx, creds, sdkChecksumPUT(false), sigv4.UnsignedPayload, "s3", benchRegion, benchTime, sdkS3Options); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPostPolicy signs one S3 POST form (a browser-upload slot: a key
// prefix, a size range, an image content type, an ACL and a redirect
// status) with sigv4.Signer.SignPostPolicy: the policy document, its
// base64 and its HMAC. aws-sdk-go-v2 has no POST presigner, and minio-go
// builds the policy in a Client method (PresignedPostPolicy, which may look
// up the bucket's region) and exports only the final HMAC, so there is no
// peer row.
func BenchmarkPostPolicy(b *testing.B) {
	b.Run("impl=batchsign", func(b *testing.B) {
		s := newEngineSigner(b, "", benchTime, benchRegion)
		p := &sigv4.PostPolicy{
			URL:       "https://" + benchHost + "/",
			Bucket:    "examplebucket",
			KeyPrefix: "uploads/user-00042/",
			Expires:   benchExpires,
			Fields:    []sigv4.PostField{{Name: "acl", Value: "private"}, {Name: "success_action_status", Value: "201"}},
			Conditions: []sigv4.PostCondition{sigv4.StartsWith("Content-Type", "image/"),
				sigv4.ContentLengthRange(1, 10<<20)},
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.SignPostPolicy(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
