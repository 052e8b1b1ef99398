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

// A POST policy for a browser upload form: uploads under user/user1/, up
// to 10 MiB, images only, for an hour. The browser sends the fields, then
// its own Content-Type, then the file.
func ExampleSigner_SignPostPolicy() {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s, err := sigv4.NewSigner(creds, nil, at, sigv4.Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		panic(err)
	}
	form, err := s.SignPostPolicy(&sigv4.PostPolicy{
		URL:        "https://examplebucket.s3.us-east-1.amazonaws.com/",
		Bucket:     "examplebucket",
		KeyPrefix:  "user/user1/",
		Expires:    3600,
		Fields:     []sigv4.PostField{{Name: "acl", Value: "private"}, {Name: "success_action_status", Value: "201"}},
		Conditions: []sigv4.PostCondition{sigv4.ContentLengthRange(1, 10<<20), sigv4.StartsWith("Content-Type", "image/")},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(form.URL)
	for _, f := range form.Fields {
		fmt.Printf("%s=%s\n", f.Name, f.Value)
	}
	// Output:
	// https://examplebucket.s3.us-east-1.amazonaws.com/
	// key=user/user1/${filename}
	// acl=private
	// success_action_status=201
	// x-amz-algorithm=AWS4-HMAC-SHA256
	// x-amz-credential=AKIAIOSFODNN7EXAMPLE/20261123/us-east-1/s3/aws4_request
	// x-amz-date=20261123T120000Z
	// policy=eyJleHBpcmF0aW9uIjoiMjAyNi0xMS0yM1QxMzowMDowMC4wMDBaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZXhhbXBsZWJ1Y2tldCJ9LFsic3RhcnRzLXdpdGgiLCIka2V5IiwidXNlci91c2VyMS8iXSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwNDg1NzYwXSxbInN0YXJ0cy13aXRoIiwiJENvbnRlbnQtVHlwZSIsImltYWdlLyJdLHsiYWNsIjoicHJpdmF0ZSJ9LHsic3VjY2Vzc19hY3Rpb25fc3RhdHVzIjoiMjAxIn0seyJ4LWFtei1hbGdvcml0aG0iOiJBV1M0LUhNQUMtU0hBMjU2In0seyJ4LWFtei1jcmVkZW50aWFsIjoiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAyNjExMjMvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LHsieC1hbXotZGF0ZSI6IjIwMjYxMTIzVDEyMDAwMFoifV19
	// x-amz-signature=368e8e2dc237a2d5bea815a7a88fd38ebd57fe93da2c57f9c13cbcc15fd8eec6
}

// Signing a policy document written by hand: the S3 documentation's
// browser-upload example (its base64 policy has CRLF line endings).
func ExampleSigner_AppendPostSignature() {
	at := time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)
	s, err := sigv4.NewSigner(creds, nil, at, sigv4.Options{Region: "us-east-1", Service: "s3"})
	if err != nil {
		panic(err)
	}
	policy := "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
	fmt.Println(string(s.AppendPostSignature(nil, policy)))
	// Output:
	// 8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e
}
