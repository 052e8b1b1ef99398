package sigv4

import (
	"fmt"
	"testing"
)

// TestPresignS3RowSequencesMatchFreshSigners: one Signer reused over rows
// that keep, alternate and change their host, scheme, method and expiry,
// with and without parameters and with failing rows between them (the
// patterns that make, use and replace its presign frame and its tails),
// signs every row byte for byte as a fresh Signer does, errors included.
func TestPresignS3RowSequencesMatchFreshSigners(t *testing.T) {
	hosts := []string{"examplebucket.s3.us-east-1.amazonaws.com", "other.s3.amazonaws.com", "s3.example.com:9000", "bad host", ""}
	q := []QueryParam{{Key: "versionId", Value: "v 1"}}
	var rows []S3Presign
	for i := range 400 {
		p := S3Presign{Host: hosts[0], Key: fmt.Sprintf("k/%d a", i), Expires: 3600}
		switch i / 40 {
		case 0: // one run
		case 1: // alternating hosts
			p.Host = hosts[i%2]
		case 2: // runs of three hosts, expiry changing within runs
			p.Host, p.Expires = hosts[(i/3)%3], int64(60+i%2)
		case 3: // schemes, methods and parameters changing under one host
			p.Scheme = []string{"", "https", "http"}[(i/2)%3]
			p.Method = []string{"", "PUT", "HEAD"}[i%3]
			if i%4 == 0 {
				p.Query = q
			}
		case 4: // failing rows (host, expiry, key, scheme) between good ones
			switch i % 5 {
			case 1:
				p.Host = hosts[3+i%2]
			case 2:
				p.Expires = 0
			case 3:
				p.Key = "bad\xff"
			case 4:
				p.Scheme = "ftp"
			}
		case 5: // every row its own expiry, some with parameters
			p.Expires = int64(100 + i)
			if i%3 == 0 {
				p.Query = q
			}
		case 6: // pairs of rows with one expiry, alternating with parameters
			p.Expires = int64(100 + i/2)
			if i%4 >= 2 {
				p.Query = q
			}
		case 7: // the expiry changes back and forth in a run of one host
			p.Expires = []int64{3600, 3600, 60, 3600, 60, 60}[i%6]
		case 8: // a bucket in the path
			p.Bucket, p.Host = "bkt", hosts[(i/5)%3]
		case 9: // hosts that differ only in the scheme, or in length
			p.Scheme = []string{"", "https"}[(i/2)%2]
			p.Host = []string{"a.example.com", "a.example.co", "a.example.com"}[(i/3)%3]
		}
		rows = append(rows, p)
	}
	for _, token := range []string{"", "tok/en="} {
		reused := newS3Signer(t, token)
		for i := range rows {
			got, gerr := reused.AppendPresignS3([]byte("row "), &rows[i])
			want, werr := newS3Signer(t, token).AppendPresignS3([]byte("row "), &rows[i])
			if string(got) != string(want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Fatalf("row %d (%+v), token %q: reused signer\n%s (%v)\nfresh signer\n%s (%v)", i, rows[i], token, got, gerr, want, werr)
			}
		}
	}
}
