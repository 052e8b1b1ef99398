package sigv4a

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigerr"
)

// The suite's credentials and instant.
var (
	testCreds = Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	testTime  = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
)

func newS3Signer(t testing.TB, token, regionSet string) *Signer {
	t.Helper()
	c := testCreds
	c.SessionToken = token
	s, err := NewSigner(c, nil, testTime, Options{Service: "s3", RegionSet: regionSet})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// An S3 presign is the SigV4 one with SigV4a's algorithm, scope and region
// set: the same URL as PresignURL gives for the equivalent request, and its
// signature verifies against the string to sign Explain reports.
func TestPresignS3MatchesPresignURL(t *testing.T) {
	s := newS3Signer(t, "tok/+=", "")
	p := S3Presign{Host: "mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com", Key: "exports/a b+c.parquet",
		Query: []QueryParam{{Key: "versionId", Value: "v 1"}}, Expires: 900}
	u, err := s.AppendPresignS3([]byte("prefix:"), &p)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.TrimPrefix(string(u), "prefix:")
	r := Request{Method: "GET", Host: p.Host, Path: "/exports/a%20b%2Bc.parquet", Query: "versionId=v%201"}
	c, err := s.Explain(&r, QueryForm, 900)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/exports/a%20b%2Bc.parquet?",
		"X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fs3%2Faws4_request&",
		"&X-Amz-Region-Set=%2A&", "&X-Amz-Security-Token=tok%2F%2B%3D&", "&X-Amz-Expires=900&",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("URL lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(c.CanonicalRequest, "\nhost\nUNSIGNED-PAYLOAD") || !strings.Contains(c.CanonicalRequest, "X-Amz-Region-Set=%2A") {
		t.Errorf("canonical request:\n%s", c.CanonicalRequest)
	}
	_, sig, _ := strings.Cut(got, "&X-Amz-Signature=")
	key, _ := DeriveKey(testCreds.AccessKeyID, testCreds.SecretAccessKey)
	if !verifyHex(key.PublicKey(), c.StringToSign, sig) {
		t.Fatalf("signature %s does not verify for\n%s", sig, c.StringToSign)
	}
	// DER: a SEQUENCE of two INTEGERs of up to 33 bytes each; usually 70–72
	// bytes, shorter when r or s has leading zero bytes (about 1 in 128).
	if len(sig) < 16 || len(sig) > 144 || len(sig)%2 != 0 {
		t.Errorf("signature of %d hex digits", len(sig))
	}
}

// ECDSA is randomised: two signatures of one URL differ, and both verify.
func TestSignaturesAreRandomised(t *testing.T) {
	s := newS3Signer(t, "", "us-east-1,eu-*")
	p := S3Presign{Host: "h.example", Key: "k", Expires: 60}
	a, _ := s.AppendPresignS3(nil, &p)
	b, _ := s.AppendPresignS3(nil, &p)
	if string(a) == string(b) {
		t.Fatal("two ECDSA signatures are equal")
	}
	ua, _, _ := strings.Cut(string(a), "&X-Amz-Signature=")
	ub, _, _ := strings.Cut(string(b), "&X-Amz-Signature=")
	if ua != ub || !strings.Contains(ua, "X-Amz-Region-Set=us-east-1%2Ceu-%2A") {
		t.Fatalf("URLs differ before the signature:\n%s\n%s", ua, ub)
	}
}

func TestNewSignerChecksItsInputs(t *testing.T) {
	other, _ := DeriveKey("AKIDOTHER", "secret")
	cases := []struct {
		name  string
		creds Credentials
		key   *SigningKey
		opts  Options
		field string
		want  error
	}{
		{"no access key", Credentials{SecretAccessKey: "s"}, nil, Options{Service: "s3"}, "access_key_id", sigerr.ErrMissingField},
		{"no secret", Credentials{AccessKeyID: "A"}, nil, Options{Service: "s3"}, "secret_access_key", sigerr.ErrMissingField},
		{"no service", testCreds, nil, Options{}, "service", sigerr.ErrMissingField},
		{"space in region set", testCreds, nil, Options{Service: "s3", RegionSet: "us-east-1, us-west-2"}, "region_set", sigerr.ErrInvalidValue},
		{"empty region", testCreds, nil, Options{Service: "s3", RegionSet: "us-east-1,"}, "region_set", sigerr.ErrInvalidValue},
		{"upper case", testCreds, nil, Options{Service: "s3", RegionSet: "US-EAST-1"}, "region_set", sigerr.ErrInvalidValue},
		{"another credential's key", testCreds, other, Options{Service: "s3"}, "signing_key", sigerr.ErrInvalidValue},
	}
	for _, c := range cases {
		_, err := NewSigner(c.creds, c.key, testTime, c.opts)
		var fe *sigerr.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %s: %v", c.name, err, c.field, c.want)
		}
	}
	// A key alone signs: the secret is not needed once it is derived.
	key, _ := DeriveKey(testCreds.AccessKeyID, testCreds.SecretAccessKey)
	if _, err := NewSigner(Credentials{AccessKeyID: testCreds.AccessKeyID}, key, testTime, Options{Service: "s3"}); err != nil {
		t.Fatal(err)
	}
}

// Signing errors are SigV4's, named by field, and leave dst as it was.
func TestPresignS3Errors(t *testing.T) {
	s := newS3Signer(t, "", "")
	for _, c := range []struct {
		p    S3Presign
		want error
	}{
		{S3Presign{Host: "h", Key: "k", Expires: 0}, ErrExpiresRange},
		{S3Presign{Host: "h", Key: "k", Expires: MaxExpires + 1}, ErrExpiresRange},
		{S3Presign{Host: "h", Key: "bad\xff", Expires: 60}, sigerr.ErrInvalidUTF8},
		{S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "X-Amz-Region-Set", Value: "us-east-1"}}}, ErrReservedParam},
		{S3Presign{Key: "k", Expires: 60}, sigerr.ErrMissingField},
	} {
		dst, err := s.AppendPresignS3([]byte("keep"), &c.p)
		if !errors.Is(err, c.want) || string(dst) != "keep" {
			t.Errorf("%+v: %v, dst %q", c.p, err, dst)
		}
	}
	g, err := NewSigner(testCreds, nil, testTime, Options{Service: "execute-api"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.AppendPresignS3(nil, &S3Presign{Host: "h", Key: "k", Expires: 60}); !errors.Is(err, sigerr.ErrInvalidValue) {
		t.Errorf("generic service: %v", err)
	}
}

func TestSignerRedacts(t *testing.T) {
	s := newS3Signer(t, "session-token-secret", "")
	key, _ := DeriveKey(testCreds.AccessKeyID, testCreds.SecretAccessKey)
	d, _ := key.priv.Bytes()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		out := fmt.Sprintf(verb, s)
		if strings.Contains(out, testCreds.SecretAccessKey) || strings.Contains(out, "session-token-secret") ||
			strings.Contains(out, fmt.Sprintf("%x", d)) || !strings.Contains(out, "AKIDEXAMPLE/20150830/s3/aws4_request") {
			t.Errorf("%s prints %q", verb, out)
		}
	}
}

// The region set signed is the Signer's: a caller's X-Amz-Region-Set header
// is replaced in header signing, never signed beside it.
func TestSignHeadersReplacesCallersRegionSet(t *testing.T) {
	s := newS3Signer(t, "", "us-*")
	r := Request{Method: "GET", Host: "h", Path: "/k", Headers: []Header{{Name: "X-Amz-Region-Set", Value: "eu-west-1"}}}
	c, err := s.Explain(&r, HeaderForm, 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(c.CanonicalRequest, "x-amz-region-set:") != 1 || !strings.Contains(c.CanonicalRequest, "\nx-amz-region-set:us-*\n") {
		t.Fatalf("canonical request:\n%s", c.CanonicalRequest)
	}
	hs, _ := s.SignHeaders(&r)
	if hs[1].Name != "X-Amz-Region-Set" || hs[1].Value != "us-*" {
		t.Fatalf("headers %v", hs)
	}
}
