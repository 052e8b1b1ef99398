package pipeline

import (
	"regexp"
	"strings"
	"testing"
)

// TestPresignPairsKeepRowOrder: signing S3 presign rows two at a time
// (pair.go) changes nothing a run writes. A manifest that mixes pairable
// rows with rows of other Signers, rejects (before signing and inside the
// signer), SigV4a, generic and checksum-bound rows gives the same records,
// rejects and counts in batches of 64 rows as in batches of one row, where
// every row is signed alone.
// ecdsaSig matches a SigV4a URL's signature, which differs from run to run
// (ECDSA's random nonce).
var ecdsaSig = regexp.MustCompile(`(AWS4-ECDSA-P256-SHA256[^"]*X-Amz-Signature=)[0-9a-f]+`)

func TestPresignPairsKeepRowOrder(t *testing.T) {
	rows := []string{
		// A row the signer refuses waits for a partner; the next is
		// refused before signing: rejects still in row order.
		`{"id":"reserved-first","bucket":"b","key":"k0","query":{"X-Amz-Date":"x"}}`,
		`{"id":"bad-expires-next","bucket":"b","key":"k0","expires":0}`,
		`{"id":"1","bucket":"b","key":"k1"}`,
		`{"id":"2","bucket":"b","key":"k2","query":{"response-content-type":"text/plain"}}`,
		`{"id":"3","bucket":"b","key":"k3"}`,
		`{"id":"4","bucket":"b","key":"k4","region":"eu-west-1"}`,
		`{"id":"5","bucket":"b","key":"k5"}`,
		`{"id":"bad-expires","bucket":"b","key":"k6","expires":-1}`,
		`{"id":"7","bucket":"b","key":"k7"}`,
		`{"id":"reserved","bucket":"b","key":"k8","query":{"X-Amz-Signature":"x"}}`,
		`{"id":"9","bucket":"b","key":"k9"}`,
		`{"id":"arn","bucket":"arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap","key":"k"}`,
		`{"id":"11","url":"https://examplebucket.s3.amazonaws.com/dir/a%20b?versionId=3"}`,
		`{"id":"hdr","bucket":"b","key":"k12","headers":{"Content-Type":"text/plain"}}`,
		`{"id":"13","bucket":"b","key":"k13","expires":900}`,
		`{"id":"sts","url":"https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15","service":"sts"}`,
		`{"id":"15","url":"https://examplebucket.s3.amazonaws.com/x?response-content-disposition=attachment"}`,
		`{"id":"16","bucket":"b","key":"k16"}`,
		`{"id":"17","bucket":"b","key":"k17","region":"eu-west-1"}`,
		`{"id":"18","bucket":"b","key":"k18","region":"eu-west-1"}`,
		`{"id":"19","bucket":"b","key":"k19","method":"PUT"}`,
		`not json`,
		`{"id":"21","bucket":"b","key":"k21"}`,
	}
	big := `{"id":"big","bucket":"b","key":"` + strings.Repeat("k", maxPairBytes) + `"}` // signed alone
	rows = append(rows[:5], append([]string{big}, rows[5:]...)...)
	manifest := strings.Join(rows, "\n") + "\n"
	one := docConfig(Presign)
	one.BatchSize, one.Workers = 1, 1
	want := runManifest(t, one, manifest, FormatNDJSON, Shard{})
	if want.err != nil || want.stats.Signed == 0 || want.stats.Rejected < 3 {
		t.Fatalf("batches of one: %+v", want)
	}
	for _, size := range []int{2, 3, 5, 64} {
		cfg := docConfig(Presign)
		cfg.BatchSize = size
		got := runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
		got.out, want.out = ecdsaSig.ReplaceAllString(got.out, "$1"), ecdsaSig.ReplaceAllString(want.out, "$1")
		if got.out != want.out || got.rejects != want.rejects || got.stats.Signed != want.stats.Signed ||
			got.stats.Rejected != want.stats.Rejected || got.err != nil {
			t.Errorf("batches of %d differ from batches of one:\n%s\n%s\nwant\n%s\n%s", size, got.out, got.rejects, want.out, want.rejects)
		}
	}
}
