package bench

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigv4"

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
