package inventory

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParseManifest: manifest.json is untrusted text. Parse never panics;
// what it accepts has a bucket, a known format and data file keys that stay
// inside the tree they are joined to.
func FuzzParseManifest(f *testing.F) {
	for _, name := range []string{csvManifest, parquetManifest} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"sourceBucket":"s","destinationBucket":"arn:aws-cn:s3:::d","version":"2016-11-30","creationTimestamp":"0","fileFormat":"orc","fileSchema":"struct<bucket:string,key:string>","files":[]}`))
	f.Add([]byte(`{"files":[{"key":"a/../b"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrManifest) {
				t.Fatalf("error %v is not ErrManifest", err)
			}
			return
		}
		if m.SourceBucket == "" || m.DestinationBucket == "" || strings.Contains(m.DestinationBucket, "/") {
			t.Fatalf("accepted buckets %q, %q", m.SourceBucket, m.DestinationBucket)
		}
		if m.Format != CSV && m.Format != Parquet && m.Format != ORC {
			t.Fatalf("accepted format %q", m.Format)
		}
		for _, f := range m.Files() {
			if checkKey(f.Key) != nil || f.Size < 0 {
				t.Fatalf("accepted file %+v", f)
			}
			for el := range strings.SplitSeq(f.Key, "/") {
				if el == ".." || el == "" {
					t.Fatalf("accepted key %q", f.Key)
				}
			}
		}
	})
}
