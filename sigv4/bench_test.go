package sigv4

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkPresignS3 is the batch hot path: one presigned S3 GET with a
// cached signing key, appended into a reused buffer.
func BenchmarkPresignS3(b *testing.B) {
	for _, bc := range []struct {
		name, token string
	}{{"NoToken", ""}, {"Token950", strings.Repeat("x", 950)}} {
		b.Run(bc.name, func(b *testing.B) {
			s := newS3Signer(b, bc.token)
			p := S3Presign{Host: "examplebucket.s3.us-east-1.amazonaws.com", Key: "exports/2026/11/23/part-00042.parquet", Expires: 3600}
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				dst, _ = s.AppendPresignS3(dst[:0], &p)
			}
		})
	}
}

// BenchmarkPresignS3Overrides is the presign of a row with parameters of its
// own ("download as" links): Same repeats one row's versionId and
// response-content-disposition (its plan and escaped values are reused),
// Varying gives each of 1,000 rows its own file name (the plan is reused,
// the value escaped).
func BenchmarkPresignS3Overrides(b *testing.B) {
	for _, distinct := range []int{1, 1000} {
		name := "Same"
		if distinct > 1 {
			name = "Varying"
		}
		b.Run(name, func(b *testing.B) {
			s := newS3Signer(b, "")
			rows := make([]S3Presign, distinct)
			for i := range rows {
				rows[i] = S3Presign{Host: "examplebucket.s3.us-east-1.amazonaws.com", Key: "exports/2026/11/23/part-00042.parquet", Expires: 3600,
					Query: []QueryParam{
						{Key: "versionId", Value: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"},
						{Key: "response-content-disposition", Value: fmt.Sprintf(`attachment; filename="part-%05d.parquet"`, i)},
					}}
			}
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				dst, _ = s.AppendPresignS3(dst[:0], &rows[i])
				if i++; i == len(rows) {
					i = 0
				}
			}
		})
	}
}

// BenchmarkSignHeadersPUT signs an S3 PUT with a precomputed payload hash
// for an Authorization header.
func BenchmarkSignHeadersPUT(b *testing.B) {
	s := newS3Signer(b, "")
	r := Request{Method: "PUT", Host: "examplebucket.s3.us-east-1.amazonaws.com", Path: "/exports/part-00042.parquet",
		PayloadHash: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
		Headers:     []Header{{Name: "Content-Type", Value: "application/octet-stream"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignHeaders(&r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignPostPolicy signs the S3 documentation's browser-upload slot
// (seven conditions and four fields): one POST form.
func BenchmarkSignPostPolicy(b *testing.B) {
	at := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	s, err := NewSigner(docCreds, nil, at, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		b.Fatal(err)
	}
	p := docPostPolicy()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SignPostPolicy(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPresignChecksumPUT is a checksum-bound presigned PUT: the URL
// signs x-amz-checksum-sha256 and x-amz-sdk-checksum-algorithm besides
// host (the generic path: headers to sign).
func BenchmarkPresignChecksumPUT(b *testing.B) {
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	s, err := NewSigner(docCreds, nil, at, Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		b.Fatal(err)
	}
	r := &Request{Method: "PUT", Host: "examplebucket.s3.amazonaws.com", Path: "/uploads/report.csv", Headers: []Header{
		{Name: "x-amz-checksum-sha256", Value: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
		{Name: "x-amz-sdk-checksum-algorithm", Value: "SHA256"},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PresignURL("https", r, 900); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPresignVerify presigns and verifies the same URLs in one run, so
// their ratio reads in one table (benchstat -col /op): verify parses the
// URL, recomputes the canonical request and compares the signature, against
// one presign's work.
func BenchmarkPresignVerify(b *testing.B) {
	for _, bc := range []struct {
		name, token string
		query       []QueryParam
	}{
		{"NoToken", "", nil},
		{"Token950", strings.Repeat("x", 950), nil},
		{"Overrides", "", []QueryParam{
			{Key: "versionId", Value: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"},
			{Key: "response-content-disposition", Value: `attachment; filename="part-00042.parquet"`},
		}},
	} {
		p := S3Presign{Host: "examplebucket.s3.us-east-1.amazonaws.com", Key: "exports/2026/11/23/part-00042.parquet", Query: bc.query, Expires: 3600}
		b.Run(bc.name+"/op=presign", func(b *testing.B) {
			s := newS3Signer(b, bc.token)
			dst := make([]byte, 0, 4096)
			b.ReportAllocs()
			for b.Loop() {
				dst, _ = s.AppendPresignS3(dst[:0], &p)
			}
		})
		b.Run(bc.name+"/op=verify", func(b *testing.B) {
			u, err := newS3Signer(b, bc.token).AppendPresignS3(nil, &p)
			if err != nil {
				b.Fatal(err)
			}
			url := string(u)
			v := NewVerifier(lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey), VerifyOptions{Now: docTime})
			b.ReportAllocs()
			for b.Loop() {
				if err := v.PresignedURL("GET", url, nil, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
