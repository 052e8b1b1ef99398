package gcs_test

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/batchsign/batchsign/gcs"
	"github.com/batchsign/batchsign/sigerr"
)

// A GOOG4-RSA-SHA256 URL from a service-account key file: the first case of
// Google's conformance suite ("Simple GET"), signature included.
func ExampleNewRSASigner() {
	// In a program: os.ReadFile(os.Getenv("GOOGLE_APPLICATION_CREDENTIALS")).
	keyFile, err := os.ReadFile("../testdata/gcs-conformance/test_service_account.not-a-test.json")
	if err != nil {
		panic(err)
	}
	acct, err := gcs.ParseServiceAccountJSON(keyFile)
	if err != nil {
		panic(err)
	}
	fmt.Println(acct) // never the key

	at := time.Date(2019, 2, 1, 9, 0, 0, 0, time.UTC) // the signing instant is always an argument
	s, err := gcs.NewRSASigner(acct, at, gcs.Options{})
	if err != nil {
		panic(err)
	}
	url, err := s.PresignURL(&gcs.Presign{Bucket: "test-bucket", Object: "test-object", Expires: 10})
	if err != nil {
		panic(err)
	}
	fmt.Println(url)
	// Output:
	// gcs.ServiceAccount{ClientEmail: test-iam-credentials@dummy-project-id.iam.gserviceaccount.com, PrivateKeyID: ffffffffffffffffffffffffffffffffffffffff, PrivateKey: [REDACTED]}
	// https://storage.googleapis.com/test-bucket/test-object?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=test-iam-credentials%40dummy-project-id.iam.gserviceaccount.com%2F20190201%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20190201T090000Z&X-Goog-Expires=10&X-Goog-SignedHeaders=host&X-Goog-Signature=95e6a13d43a1d1962e667f17397f2b80ac9bdd1669210d5e08e0135df9dff4e56113485dbe429ca2266487b9d1796ebdee2d7cf682a6ef3bb9fbb4c351686fba90d7b621cf1c4eb1fdf126460dd25fa0837dfdde0a9fd98662ce60844c458448fb2b352c203d9969cb74efa4bdb742287744a4f2308afa4af0e0773f55e32e92973619249214b97283b2daa14195244444e33f938138d1e5f561088ce8011f4986dda33a556412594db7c12fc40e1ff3f1bedeb7a42f5bcda0b9567f17f65855f65071fabb88ea12371877f3f77f10e1466fff6ff6973b74a933322ff0949ce357e20abe96c3dd5cfab42c9c83e740a4d32b9e11e146f0eb3404d2e975896f74
}

// GOOG4-HMAC-SHA256 URLs in a batch: one Signer per worker, each URL
// appended to a reused buffer without allocating. A signed header (here the
// upload's Content-Type) must be sent with exactly that value.
func ExampleSigner_AppendPresign() {
	key := gcs.NewHMACKey("GOOG1EEXAMPLEACCESSID", "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ")
	s, err := gcs.NewHMACSigner(key, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), gcs.Options{})
	if err != nil {
		panic(err)
	}
	buf := make([]byte, 0, 1024)
	for _, name := range []string{"exports/part 1.csv", "exports/résumé.csv"} {
		buf, err = s.AppendPresign(buf[:0], &gcs.Presign{
			Method: "PUT", Bucket: "uploads", Object: name, Expires: 900,
			Headers: []gcs.Header{{Name: "Content-Type", Value: "text/csv"}},
		})
		if err != nil {
			panic(err)
		}
		fmt.Println(string(buf))
	}
	// Output:
	// https://storage.googleapis.com/uploads/exports/part%201.csv?X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Credential=GOOG1EEXAMPLEACCESSID%2F20261123%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261123T100000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=content-type%3Bhost&X-Goog-Signature=39136b64210226522c120eaf15bcf948bb2002890101ea4603256e4a2993d368
	// https://storage.googleapis.com/uploads/exports/r%C3%A9sum%C3%A9.csv?X-Goog-Algorithm=GOOG4-HMAC-SHA256&X-Goog-Credential=GOOG1EEXAMPLEACCESSID%2F20261123%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261123T100000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=content-type%3Bhost&X-Goog-Signature=a625d3030ce47be467c094a03d1d4bd8f7577cb55ef5314f712e55ef5605ba14
}

// The other places a bucket can go: in front of the endpoint, or nowhere
// when the host name itself is bound to the bucket.
func ExamplePresign_style() {
	key := gcs.NewHMACKey("GOOG1EEXAMPLEACCESSID", "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ")
	s, _ := gcs.NewHMACSigner(key, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), gcs.Options{})
	for _, p := range []gcs.Presign{
		{Bucket: "media", Object: "a/b.mp4", Expires: 60, Style: gcs.VirtualHostedStyle},
		{Host: "cdn.example.com", Object: "a/b.mp4", Expires: 60, Style: gcs.BucketBoundHostname},
		{Scheme: "http", Host: "localhost:4443", Bucket: "media", Object: "a/b.mp4", Expires: 60}, // an emulator
	} {
		u, err := s.PresignURL(&p)
		if err != nil {
			panic(err)
		}
		fmt.Println(u[:len(u)-len("&X-Goog-Signature=")-64][:60] + "…")
	}
	// Output:
	// https://media.storage.googleapis.com/a/b.mp4?X-Goog-Algorith…
	// https://cdn.example.com/a/b.mp4?X-Goog-Algorithm=GOOG4-HMAC-…
	// http://localhost:4443/media/a/b.mp4?X-Goog-Algorithm=GOOG4-H…
}

// A browser upload form: the URL, then the hidden fields in order; the
// file input comes last.
func ExampleSigner_SignPostPolicy() {
	key := gcs.NewHMACKey("GOOG1EEXAMPLEACCESSID", "bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ")
	s, _ := gcs.NewHMACSigner(key, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), gcs.Options{})
	form, err := s.SignPostPolicy(&gcs.PostPolicy{
		Bucket: "uploads", Expires: 600,
		Conditions: []gcs.PostCondition{gcs.StartsWith("key", "incoming/"), gcs.ContentLengthRange(1, 10<<20)},
		Fields:     []gcs.PostField{{Name: "success_action_status", Value: "201"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(form.URL)
	for _, f := range form.Fields {
		if len(f.Value) > 40 {
			f.Value = f.Value[:40] + "…"
		}
		fmt.Printf("%s=%s\n", f.Name, f.Value)
	}
	// Output:
	// https://storage.googleapis.com/uploads/
	// success_action_status=201
	// x-goog-algorithm=GOOG4-HMAC-SHA256
	// x-goog-credential=GOOG1EEXAMPLEACCESSID/20261123/auto/stor…
	// x-goog-date=20261123T100000Z
	// x-goog-signature=833bfc278c87f7a0d62178c2d58c03231e9329f8…
	// policy=eyJjb25kaXRpb25zIjpbWyJzdGFydHMtd2l0aCIs…
}

// Verification says why a URL fails, as a reason callers branch on.
func ExampleVerifier_PresignedURL() {
	keyFile, _ := os.ReadFile("../testdata/gcs-conformance/test_service_account.not-a-test.json")
	acct, _ := gcs.ParseServiceAccountJSON(keyFile)
	keys := gcs.Keys{RSA: func(email string) (*rsa.PublicKey, bool) {
		return acct.PublicKey(), email == acct.ClientEmail
	}}
	url := "https://storage.googleapis.com/test-bucket/test-object?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=test-iam-credentials%40dummy-project-id.iam.gserviceaccount.com%2F20190201%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20190201T090000Z&X-Goog-Expires=10&X-Goog-SignedHeaders=host&X-Goog-Signature=95e6a13d43a1d1962e667f17397f2b80ac9bdd1669210d5e08e0135df9dff4e56113485dbe429ca2266487b9d1796ebdee2d7cf682a6ef3bb9fbb4c351686fba90d7b621cf1c4eb1fdf126460dd25fa0837dfdde0a9fd98662ce60844c458448fb2b352c203d9969cb74efa4bdb742287744a4f2308afa4af0e0773f55e32e92973619249214b97283b2daa14195244444e33f938138d1e5f561088ce8011f4986dda33a556412594db7c12fc40e1ff3f1bedeb7a42f5bcda0b9567f17f65855f65071fabb88ea12371877f3f77f10e1466fff6ff6973b74a933322ff0949ce357e20abe96c3dd5cfab42c9c83e740a4d32b9e11e146f0eb3404d2e975896f74"
	v := gcs.NewVerifier(keys, gcs.VerifyOptions{})
	for _, now := range []time.Time{
		time.Date(2019, 2, 1, 9, 0, 5, 0, time.UTC),
		time.Date(2019, 2, 1, 9, 0, 11, 0, time.UTC),
	} {
		v.Opts.Now = now
		err := v.PresignedURL("GET", url, nil)
		fmt.Println(now.Format(time.TimeOnly), err == nil, sigerr.ReasonOf(err).Code(), errors.Is(err, sigerr.ErrExpired))
	}
	err := v.PresignedURL("PUT", url, nil)
	fmt.Println(err)
	// Output:
	// 09:00:05 true none false
	// 09:00:11 false expired true
	// gcs-rsa: signature mismatch: X-Goog-Signature
}
