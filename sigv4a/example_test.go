package sigv4a_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4a"
)

// The official test suite's credentials and instant.
var (
	creds = sigv4a.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	at    = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
)

func lookup(id string) (string, bool) {
	if id == creds.AccessKeyID {
		return creds.SecretAccessKey, true
	}
	return "", false
}

// A presigned GET through an S3 Multi-Region Access Point. ECDSA signatures
// are randomised, so the example prints the URL up to its signature and
// checks the signature with the Verifier.
func ExampleSigner_AppendPresignS3() {
	keys := sigv4a.NewKeyCache(0) // one per process: a key per credential
	key, err := keys.Get(creds.AccessKeyID, creds.SecretAccessKey)
	if err != nil {
		panic(err)
	}
	s, err := sigv4a.NewSigner(creds, key, at, sigv4a.Options{Service: "s3"}) // region set "*"
	if err != nil {
		panic(err)
	}
	url, err := s.AppendPresignS3(nil, &sigv4a.S3Presign{
		Host:    "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com",
		Key:     "exports/2015/08/part-0001.csv",
		Expires: 3600,
	})
	if err != nil {
		panic(err)
	}
	unsigned, sig, _ := strings.Cut(string(url), "&X-Amz-Signature=")
	fmt.Println(strings.ReplaceAll(unsigned, "&", "\n  &"))
	fmt.Println("signature: DER, at most 144 hex digits:", len(sig) <= 144)

	v := sigv4a.NewVerifier(lookup, sigv4a.VerifyOptions{Now: at, Region: "eu-west-1", Keys: keys})
	fmt.Println("verifies in eu-west-1:", v.PresignedURL("GET", string(url), nil, "") == nil)
	// Output:
	// https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/exports/2015/08/part-0001.csv?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256
	//   &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fs3%2Faws4_request
	//   &X-Amz-Date=20150830T123600Z
	//   &X-Amz-Expires=3600
	//   &X-Amz-Region-Set=%2A
	//   &X-Amz-SignedHeaders=host
	// signature: DER, at most 144 hex digits: true
	// verifies in eu-west-1: true
}

// What SigV4a signs: SigV4's canonical request with the region set among
// the signed headers, and a credential scope without the region. This is
// the official suite's get-vanilla case, byte for byte.
func ExampleSigner_Explain() {
	s, err := sigv4a.NewSigner(creds, nil, at, sigv4a.Options{Service: "service", RegionSet: "us-east-1"})
	if err != nil {
		panic(err)
	}
	c, err := s.Explain(&sigv4a.Request{Method: "GET", Host: "example.amazonaws.com", Path: "/"}, sigv4a.HeaderForm, 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n---\n%s\n", c.CanonicalRequest, c.StringToSign)
	// Output:
	// GET
	// /
	//
	// host:example.amazonaws.com
	// x-amz-date:20150830T123600Z
	// x-amz-region-set:us-east-1
	//
	// host;x-amz-date;x-amz-region-set
	// e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	// ---
	// AWS4-ECDSA-P256-SHA256
	// 20150830T123600Z
	// 20150830/service/aws4_request
	// cf59db423e841c8b7e3444158185aa261b724a5c27cbe762676f3eed19f4dc02
}

// Header signing: the headers to add, Authorization last.
func ExampleSigner_SignHeaders() {
	s, err := sigv4a.NewSigner(creds, nil, at, sigv4a.Options{Service: "s3", RegionSet: "us-east-1,us-west-2"})
	if err != nil {
		panic(err)
	}
	hs, err := s.SignHeaders(&sigv4a.Request{Method: "GET", Host: "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", Path: "/report.csv"})
	if err != nil {
		panic(err)
	}
	for _, h := range hs {
		v, _, _ := strings.Cut(h.Value, ", Signature=") // randomised
		fmt.Printf("%s: %s\n", h.Name, v)
	}
	// Output:
	// X-Amz-Date: 20150830T123600Z
	// X-Amz-Region-Set: us-east-1,us-west-2
	// x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	// Authorization: AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-region-set
}

// Verifying a URL signed by AWS's reference signer (the official suite's
// get-vanilla query case): valid within its hour, then expired, and refused
// by a verifier standing for a region outside its region set.
func ExampleVerifier_PresignedURL() {
	url := "https://example.amazonaws.com/?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Region-Set=us-east-1&X-Amz-Signature=3045022100a28466db6c76223d5aa6ed436a8451b30e21ba0a076e7f2f943dd1f3d2816249022049e4b3746929cd2a2cb7b7984dbe0f5d40a300e7d9a7a7f1307c196b6f96b61a"
	for _, c := range []struct {
		now    time.Time
		region string
	}{
		{at.Add(30 * time.Minute), "us-east-1"},
		{at.Add(2 * time.Hour), "us-east-1"},
		{at.Add(30 * time.Minute), "eu-west-1"},
	} {
		v := sigv4a.NewVerifier(lookup, sigv4a.VerifyOptions{Now: c.now, Region: c.region, Rules: sigv4a.RulesGeneric})
		err := v.PresignedURL("GET", url, nil, "")
		fmt.Println(c.now.Format(time.TimeOnly), c.region, sigerr.ReasonOf(err).Code())
	}
	// Output:
	// 13:06:00 us-east-1 none
	// 14:36:00 us-east-1 expired
	// 13:06:00 eu-west-1 wrong_scope
}

// The signing key is derived from the access key pair alone; its public
// half is what a server checks signatures with (aws-c-auth's
// key-derivation vector).
func ExampleDeriveKey() {
	k, err := sigv4a.DeriveKey("AKISORANDOMAASORANDOM", "q+jcrXGc+0zWN6uzclKVhvMmUsIfRPa4rlRandom")
	if err != nil {
		panic(err)
	}
	pub, _ := k.PublicKey().Bytes()
	fmt.Printf("X %x\nY %x\n%v\n", pub[1:33], pub[33:], k)
	// Output:
	// X 15d242ceebf8d8169fd6a8b5a746c41140414c3b07579038da06af89190fffcb
	// Y 0515242cedd82e94799482e4c0514b505afccf2c0c98d6a553bf539f424c5ec0
	// sigv4a.SigningKey{AKISORANDOMAASORANDOM [REDACTED]}
}
