package sigerr_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// Branch on why a signature failed, whatever the scheme.
func ExampleReasonOf() {
	lookup := func(string) (string, bool) { return "", false } // knows no key
	v := sigv4.NewVerifier(lookup, sigv4.VerifyOptions{Now: time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)})
	err := v.PresignedURL("GET", "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", nil, "")
	fmt.Println(sigerr.ReasonOf(err).Code(), errors.Is(err, sigerr.ErrUnknownKey))
	// Output: unknown_key true
}

// Signing errors name the field that cannot be signed.
func ExampleFieldError() {
	s, _ := sigv4.NewSigner(sigv4.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil,
		time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), sigv4.Options{Region: "us-east-1", Service: "s3"})
	_, err := s.AppendPresignS3(nil, &sigv4.S3Presign{Host: "b.s3.amazonaws.com", Key: "bad\xff", Expires: 60})
	var fe *sigerr.FieldError
	fmt.Println(errors.As(err, &fe), fe.Field, errors.Is(err, sigerr.ErrInvalidUTF8))
	fmt.Println(err)
	// Output:
	// true key true
	// key: invalid UTF-8 at byte 3
}
