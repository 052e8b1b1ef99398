package pipeline

import (
	"bytes"
	"strings"
	"testing"
)

func TestBodyFieldDecodesFromNDJSONAndParquet(t *testing.T) {
	if r := decodeOne(`{"id":"a","body":"[\"chat\"]\n"}`); r.Err != nil || r.Body != "[\"chat\"]\n" {
		t.Errorf("NDJSON body: %+v", r)
	}
	if r := decodeOne(`{"body":7}`); r.Err == nil || r.Err.Field != FieldBody {
		t.Errorf("NDJSON body of the wrong type: %+v", r)
	}
	data := writeParquet(t, []ManifestRecord{{ID: "a", Body: "x,y"}, {ID: "b"}})
	pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)), Shard{})
	if err != nil {
		t.Fatal(err)
	}
	rows := readAll(t, pr, 4)
	if len(rows) != 2 || rows[0].Body != "x,y" || rows[1].Body != "" {
		t.Errorf("Parquet body: %+v", rows)
	}
}

// SigV4 has no inline body: a row that gives one is refused rather than
// signed as if the body were empty.
func TestSigV4RejectsInlineBody(t *testing.T) {
	for _, m := range []Mode{Presign, Sign} {
		res := runManifest(t, docConfig(m), `{"id":"b","bucket":"examplebucket","key":"k","body":"hi"}`, FormatNDJSON, Shard{})
		if res.err != nil || res.stats.Rejected != 1 || !strings.Contains(res.rejects, `"field":"body"`) {
			t.Errorf("%v: %+v", m, res)
		}
	}
}
