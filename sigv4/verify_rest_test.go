package sigv4

import (
	"errors"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
)

// TestVerifyReadsOtherParametersWhereverTheySit: the verifier reads the
// parameters other than X-Amz-* from the one run of the query they fill, as
// signers write them, or from the whole query when X-Amz-* ones sit among
// them; either way a URL verifies with its parameters in any order, and
// fails when one of the others is changed, dropped or joined by a reserved
// name.
func TestVerifyReadsOtherParametersWhereverTheySit(t *testing.T) {
	s := newS3Signer(t, "tok/en")
	u, err := s.AppendPresignS3(nil, &S3Presign{Host: "b.s3.us-east-1.amazonaws.com", Key: "a/b c", Expires: 900, Query: []QueryParam{
		{Key: "versionId", Value: "v1"}, {Key: "response-content-disposition", Value: `attachment; filename="x y"`}, {Key: "acl"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	base, query, _ := strings.Cut(string(u), "?")
	parts := strings.Split(query, "&")
	v := NewVerifier(lookupOf(docCreds.AccessKeyID, docCreds.SecretAccessKey), VerifyOptions{Now: docTime})
	check := func(parts []string, want sigerr.VerifyReason) {
		t.Helper()
		url := base + "?" + strings.Join(parts, "&")
		err := v.PresignedURL("GET", url, nil, "")
		if want == 0 && err != nil || want != 0 && !errors.Is(err, want) {
			t.Fatalf("%s: %v, want %v", url, err, want)
		}
	}
	check(parts, 0)
	for i := range parts {
		for j := range parts {
			moved := append(append([]string(nil), parts[:i]...), parts[i+1:]...)
			moved = append(moved[:j], append([]string{parts[i]}, moved[j:]...)...)
			check(moved, 0)
			check(append(moved[:j:j], append([]string{"", parts[i], ""}, moved[j+1:]...)...), 0)
			if !strings.HasPrefix(parts[i], "X-Amz-") {
				tampered := append([]string(nil), moved...)
				tampered[j] += "x"
				check(tampered, sigerr.ErrSignatureMismatch)
				check(append(moved[:j:j], moved[j+1:]...), sigerr.ErrSignatureMismatch)
				check(append(moved[:j:j], append([]string{"x-amz-date=1"}, moved[j:]...)...), sigerr.ErrMalformed)
			}
		}
	}
}
