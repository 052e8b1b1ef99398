package sigv4_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// The S3 documentation's example credentials.
var creds = sigv4.Credentials{
	AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
	SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}

// A presigned S3 GET: the S3 documentation's own example, signature
// aeeed9bb… included.
func ExampleSigner_AppendPresignS3() {
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	keys := sigv4.NewKeyCache(0) // share one cache between goroutines
	key := keys.Get(creds.AccessKeyID, creds.SecretAccessKey, at, "us-east-1", "s3")
	s, err := sigv4.NewSigner(creds, key, at, sigv4.Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		panic(err)
	}
	url, err := s.AppendPresignS3(nil, &sigv4.S3Presign{
		Host:    "examplebucket.s3.amazonaws.com",
		Key:     "test.txt",
		Expires: 86400,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(url))
	// Output:
	// https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404
}

// Header signing: the headers to add to the request, Authorization last.
func ExampleSigner_SignHeaders() {
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	s, err := sigv4.NewSigner(creds, nil, at, sigv4.Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		panic(err)
	}
	hs, err := s.SignHeaders(&sigv4.Request{
		Method:  "GET",
		Host:    "examplebucket.s3.amazonaws.com",
		Path:    "/test.txt",
		Headers: []sigv4.Header{{Name: "Range", Value: "bytes=0-9"}},
	})
	if err != nil {
		panic(err)
	}
	for _, h := range hs {
		fmt.Printf("%s: %s\n", h.Name, h.Value)
	}
	// Output:
	// X-Amz-Date: 20130524T000000Z
	// x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	// Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
}

// Verification says why a URL fails, as a reason callers can branch on.
func ExampleVerifier_PresignedURL() {
	url := "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	lookup := func(id string) (string, bool) {
		if id == creds.AccessKeyID {
			return creds.SecretAccessKey, true
		}
		return "", false
	}
	for _, now := range []time.Time{
		time.Date(2013, 5, 24, 12, 0, 0, 0, time.UTC),
		time.Date(2013, 5, 26, 0, 0, 0, 0, time.UTC),
	} {
		err := sigv4.NewVerifier(lookup, sigv4.VerifyOptions{Now: now}).PresignedURL("GET", url, nil, "")
		fmt.Println(now.Format(time.DateOnly), err == nil, sigerr.ReasonOf(err).Code(), errors.Is(err, sigerr.ErrExpired))
	}
	// Output:
	// 2013-05-24 true none false
	// 2013-05-26 false expired true
}
