package engine

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzVerifySigV2URL feeds arbitrary URLs to the SigV2 verifier and
// arbitrary keys, sub-resource values and expiries to the signer. Properties:
// never panic; every failure is a sigv2 *VerifyError with a reason; no error
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
		err := VerifySigV2Presigned(rawURL, lookup, now, nil)
		if err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Scheme != "sigv2" || ve.Reason == 0 {
				t.Fatalf("error %v is not a sigv2 *VerifyError with a reason", err)
			}
			if strings.Contains(err.Error(), sigV2DocSecret) || strings.Contains(err.Error(), "other/secret+key") {
				t.Fatalf("error leaks a secret: %v", err)
			}
		} else if i := strings.Index(rawURL, "Signature="); i >= 0 {
			tampered := rawURL[:i] + "Signature=A" + rawURL[i+len("Signature="):]
			if VerifySigV2Presigned(tampered, lookup, now, nil) == nil {
				t.Fatalf("URL still verifies with a changed signature: %s", tampered)
			}
		}

		r := &SigV2PresignRequest{Host: "bkt.s3.amazonaws.com", Bucket: "bkt", Key: key, Expires: expires,
			Query: []SigV2Param{{"versionId", versionID}, {"response-content-type", versionID}}}
		u, err := PresignSigV2("AKIDOTHER", "other/secret+key", r)
		if err != nil {
			if !errors.Is(err, ErrSigV2Request) {
				t.Fatalf("presign error %v does not wrap ErrSigV2Request", err)
			}
			return
		}
		if err := VerifySigV2Presigned(u, lookup, time.Unix(expires, 0), nil); err != nil {
			t.Fatalf("signed URL does not verify: %v\n%s", err, u)
		}
		if expires < 1<<62 {
			if err := VerifySigV2Presigned(u, lookup, time.Unix(expires+1, 0), nil); !errors.Is(err, ErrExpired) {
				t.Fatalf("signed URL after Expires: %v", err)
			}
		}
	})
}

// FuzzAzureConnectionString: never panic; errors wrap ErrAzureRequest and
// never quote the input's fields; what parses round-trips through a
// re-encoded connection string and prints without its key.
func FuzzAzureConnectionString(f *testing.F) {
	f.Add("endpoint=https://contoso.communication.azure.com/;accesskey=kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo=")
	f.Add("Endpoint = https://x.example:8443/ ; AccessKey = Zm9v ; ")
	f.Add("endpoint=https://x/;kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo=")
	f.Add("endpoint=https://x/accesskey=Zm9vYmFyYmF6cXV4")
	f.Add(";;accesskey=Zm9v;endpoint=http://h?a=b;x=y")
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseAzureConnectionString(s)
		if err != nil {
			if !errors.Is(err, ErrAzureRequest) {
				t.Fatalf("error %v does not wrap ErrAzureRequest", err)
			}
			msg := strings.TrimPrefix(err.Error(), ErrAzureRequest.Error())
			for field := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '=' }) {
				field = strings.TrimSpace(field)
				if len(field) >= 8 && strings.Contains(msg, field) && !azureErrorVocabulary(field) {
					t.Fatalf("error %q quotes input field %q", err, field)
				}
			}
			return
		}
		key := cs.Key()
		if len(key) == 0 || cs.Endpoint == "" {
			t.Fatalf("parsed without key or endpoint: %v", cs)
		}
		b64 := base64.StdEncoding.EncodeToString(key)
		again, err := ParseAzureConnectionString("endpoint=" + cs.Endpoint + ";accesskey=" + b64)
		if err != nil || again.Endpoint != cs.Endpoint || string(again.Key()) != string(key) {
			t.Fatalf("round trip: %v, %v", again, err)
		}
		out := fmt.Sprintf("%v %+v %#v %s", cs, cs, cs, cs)
		if len(b64) >= 8 && strings.Contains(out, b64) {
			t.Fatalf("printing leaks the key: %s", out)
		}
	})
}

// azureErrorVocabulary reports whether s is part of the fixed wording of
// connection-string errors (an input that happens to contain our own words
// is not a leak).
func azureErrorVocabulary(s string) bool {
	const words = "azure-hmac: cannot sign request: connection string: field is not name=value endpoint given twice accesskey given twice no endpoint field no accesskey field endpoint is not an absolute http(s) URL with a host accesskey is not valid standard base64 characters) accesskey is empty"
	return strings.Contains(words, s)
}
