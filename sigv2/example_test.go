package sigv2_test

import (
	"fmt"
	"time"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv2"
)

// The S3 documentation's query-string authentication example: the puppy
// photo, signature NpgCjnDzrM+WFzoENXmpNDUsSn8=.
func ExamplePresign() {
	url, err := sigv2.Presign("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", &sigv2.PresignRequest{
		Host:    "johnsmith.s3.amazonaws.com",
		Bucket:  "johnsmith",
		Key:     "photos/puppy.jpg",
		Expires: 1175139620,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(url)
	// Output:
	// https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D
}

func ExampleVerifyPresigned() {
	url := "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D"
	lookup := func(id string) (string, bool) {
		return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", id == "AKIAIOSFODNN7EXAMPLE"
	}
	before, after := time.Unix(1175139000, 0), time.Unix(1175140000, 0)
	fmt.Println(sigv2.VerifyPresigned(url, lookup, before, nil) == nil)
	fmt.Println(sigerr.ReasonOf(sigv2.VerifyPresigned(url, lookup, after, nil)).Code())
	// Output:
	// true
	// expired
}
