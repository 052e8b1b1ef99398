package sigv2

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigerr"
)

// FuzzVerifySigV2URL feeds arbitrary URLs to the SigV2 verifier and
// arbitrary keys, sub-resource values and expiries to the signer. Properties:
// never panic; every failure is a sigv2 *sigerr.VerifyError with a reason; no error
// text contains the secret; whatever the signer produces verifies until its
// Expires and fails after; a verified URL stops verifying when its signature
// changes.
func FuzzVerifySigV2URL(f *testing.F) {
	f.Add("https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620", "photos/puppy.jpg", "", int64(1175139620))
	f.Add("https://s3.amazonaws.com/b/k?acl&AWSAccessKeyId=x&Expires=1&Signature=%zz", "dir/a b+c", "3/L4k", int64(1))
	f.Add("http://[::1]:9000/b/%C3%A9?versionId=&Expires=&Signature=", "é/中", "a&b=c", int64(9e18))
	f.Fuzz(func(t *testing.T, rawURL, key, versionID string, expires int64) {
		lookup := sigV2TestLookup()
		now := time.Unix(1175139000, 0)
		err := VerifyPresigned(rawURL, lookup, now, nil)
		if err != nil {
			var ve *sigerr.VerifyError
			if !errors.As(err, &ve) || ve.Scheme != "sigv2" || ve.Reason == 0 {
				t.Fatalf("error %v is not a sigv2 *sigerr.VerifyError with a reason", err)
			}
			if strings.Contains(err.Error(), sigV2DocSecret) || strings.Contains(err.Error(), "other/secret+key") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		} else if i := strings.Index(rawURL, "Signature="); i >= 0 {
			tampered := rawURL[:i] + "Signature=A" + rawURL[i+len("Signature="):]
			if VerifyPresigned(tampered, lookup, now, nil) == nil {
				t.Fatalf("URL still verifies with a changed signature: %s", tampered)
			}
		}

		r := &PresignRequest{Host: "bkt.s3.amazonaws.com", Bucket: "bkt", Key: key, Expires: expires,
			Query: []Param{{Name: "versionId", Value: versionID}, {Name: "response-content-type", Value: versionID}}}
		u, err := Presign("AKIDOTHER", "other/secret+key", r)
		if err != nil {
			if !errors.Is(err, ErrRequest) {
				t.Fatalf("presign error %v does not wrap ErrRequest", err)
			}
			return
		}
		if err := VerifyPresigned(u, lookup, time.Unix(expires, 0), nil); err != nil {
			t.Fatalf("signed URL does not verify: %v\n%s", err, u)
		}
		if expires < 1<<62 {
			if err := VerifyPresigned(u, lookup, time.Unix(expires+1, 0), nil); !errors.Is(err, sigerr.ErrExpired) {
				t.Fatalf("signed URL after Expires: %v", err)
			}
		}
	})
}

// FuzzAzureConnectionString: never panic; errors wrap ErrAzureRequest and
// never quote the input's fields; what parses round-trips through a
