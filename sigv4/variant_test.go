package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/awssuite"
)

// A variant signer's canonical request is SigV4's with only the algorithm,
// the credential scope and the region set changed, and its Sign sees the
// SHA-256 of the string to sign.
func TestVariantChangesOnlyAlgorithmScopeAndRegionSet(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: docSecret, SessionToken: "tok"}
	opts := Options{Region: "us-east-1", Service: "s3"}
	v4, err := NewSigner(creds, nil, docTime, opts)
	if err != nil {
		t.Fatal(err)
	}
	var digest []byte
	va, err := NewVariantSigner(creds, docTime, opts, Variant{
		Algorithm: "AWS4-TEST", Scope: "20130524/s3/aws4_request", RegionSet: "us-*,eu-west-1",
		Sign: func(dst, d []byte) []byte { digest = append(digest[:0], d...); return append(dst, "SIG"...) },
	})
	if err != nil {
		t.Fatal(err)
	}
	r := Request{Method: "GET", Host: "b.s3.amazonaws.com", Path: "/a b", Query: "versionId=1",
		Headers: []Header{{Name: "Range", Value: "bytes=0-1"}}}

	c4, _ := v4.Explain(&r, QueryForm, 60)
	ca, err := va.Explain(&r, QueryForm, 60)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("AWS4-HMAC-SHA256", "AWS4-TEST", "%2Fus-east-1%2Fs3", "%2Fs3",
		"&X-Amz-Security-Token", "&X-Amz-Region-Set=us-%2A%2Ceu-west-1&X-Amz-Security-Token").Replace(c4.CanonicalRequest)
	awssuite.Expect(t, "query-form canonical request", ca.CanonicalRequest, want)
	sum := sha256.Sum256([]byte(ca.StringToSign))
	if ca.Signature != "SIG" || hex.EncodeToString(digest) != hex.EncodeToString(sum[:]) {
		t.Fatalf("Sign got %x for string to sign %q (signature %q)", digest, ca.StringToSign, ca.Signature)
	}
	if !strings.HasPrefix(ca.StringToSign, "AWS4-TEST\n20130524T000000Z\n20130524/s3/aws4_request\n") {
		t.Fatalf("string to sign %q", ca.StringToSign)
	}

	c4, _ = v4.Explain(&r, HeaderForm, 0)
	ca, _ = va.Explain(&r, HeaderForm, 0)
	want = strings.NewReplacer("x-amz-date:20130524T000000Z\n", "x-amz-date:20130524T000000Z\nx-amz-region-set:us-*,eu-west-1\n",
		";x-amz-date;", ";x-amz-date;x-amz-region-set;").Replace(c4.CanonicalRequest)
	awssuite.Expect(t, "header-form canonical request", ca.CanonicalRequest, want)

	hs, err := va.SignHeaders(&r)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range hs {
		names = append(names, h.Name)
	}
	if got := strings.Join(names, ","); got != "X-Amz-Security-Token,X-Amz-Date,X-Amz-Region-Set,x-amz-content-sha256,Authorization" {
		t.Fatalf("headers %s", got)
	}
	if auth := hs[len(hs)-1].Value; !strings.HasPrefix(auth, "AWS4-TEST Credential=AKIDEXAMPLE/20130524/s3/aws4_request, SignedHeaders=") || !strings.HasSuffix(auth, ", Signature=SIG") {
		t.Fatalf("Authorization %q", auth)
	}
}

// Only a variant that signs a region set reserves X-Amz-Region-Set.
func TestRegionSetIsReservedOnlyForVariants(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: docSecret}
	opts := Options{Region: "us-east-1", Service: "s3"}
	p := S3Presign{Host: "b.s3.amazonaws.com", Key: "k", Expires: 60, Query: []QueryParam{{Key: "x-amz-region-set", Value: "*"}}}
	v4, _ := NewSigner(creds, nil, docTime, opts)
	if _, err := v4.AppendPresignS3(nil, &p); err != nil {
		t.Fatalf("SigV4: %v", err)
	}
	va, _ := NewVariantSigner(creds, docTime, opts, Variant{Algorithm: "A", Scope: "S", RegionSet: "*"})
	if _, err := va.AppendPresignS3(nil, &p); !errors.Is(err, ErrReservedParam) {
		t.Fatalf("variant: %v", err)
	}
	if _, err := va.PresignURL("https", &Request{Method: "GET", Host: "h", Query: "X-Amz-Region-Set=*"}, 60); !errors.Is(err, ErrReservedParam) {
		t.Fatalf("variant, generic presign: %v", err)
	}
}

// A variant's S3 presign allocates nothing but what its Sign does.
func TestVariantPresignS3DoesNotAllocate(t *testing.T) {
	creds := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: docSecret}
	va, err := NewVariantSigner(creds, docTime, Options{Service: "s3"}, Variant{Algorithm: "A", Scope: "S", RegionSet: "*",
		Sign: func(dst, digest []byte) []byte { return append(dst, digest[:4]...) }})
	if err != nil {
		t.Fatal(err)
	}
	p := S3Presign{Host: "b.s3.amazonaws.com", Key: "exports/part-00042.parquet", Expires: 3600}
	dst := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { dst, _ = va.AppendPresignS3(dst[:0], &p) }); n != 0 {
		t.Fatalf("%v allocations per presign", n)
	}
}
