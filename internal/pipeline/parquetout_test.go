package pipeline

import (
	"bytes"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/parquet-go/parquet-go"
)

// TestParquetSchemasMatchRecordTypes: the schema each mode's columns give is
// the one its documented row type describes, name and column order
// included.
func TestParquetSchemasMatchRecordTypes(t *testing.T) {
	types := map[string]any{
		"PresignRecord": PresignRecord{}, "SignRecord": SignRecord{}, "VerifyRecord": VerifyRecord{},
		"MacGenerateRecord": MacGenerateRecord{}, "MacVerifyRecord": MacVerifyRecord{},
		"GCSPresignRecord":        GCSPresignRecord{},
		"AzureSASPresignRecord":   AzureSASPresignRecord{},
		"CloudFrontPresignRecord": CloudFrontPresignRecord{},
		"S3PresignRecord":         S3PresignRecord{}, "PresignPostRecord": PresignPostRecord{},
	}
	for _, d := range modeDefs() {
		typ, ok := types[d.out.name]
		if !ok {
			t.Errorf("%v %v: Parquet schema %q has no row type", d.mode, d.scheme, d.out.name)
			continue
		}
		if got, want := parquetSchema(d.out).String(), parquet.SchemaOf(typ).String(); got != want {
			t.Errorf("%v %v: schema\n%s\nwant\n%s", d.mode, d.scheme, got, want)
		}
	}
}

// TestParquetOutputIsTheGenericWriters: what the column-driven writer
// writes is byte for byte what parquet-go's GenericWriter writes for the
// row types, so files are unchanged from when each mode had its own writer.
func TestParquetOutputIsTheGenericWriters(t *testing.T) {
	exp := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	hs := []sigv4.Header{{Name: "X-Amz-Date", Value: "20261123T120000Z"}, {Name: "Authorization", Value: "AWS4-HMAC-SHA256 x"}, {Name: "Host", Value: "h"}}
	check := func(t *testing.T, m Mode, recs []testRecord, want []byte) {
		t.Helper()
		if got := encodeAll(t, FormatParquet, m, recs); !bytes.Equal(got, want) {
			t.Errorf("%v: %d bytes differ from the GenericWriter's %d", m, len(got), len(want))
		}
	}
	t.Run("presign", func(t *testing.T) {
		recs := []testRecord{{ID: "a", Method: "GET", URL: []byte("https://h/k?x"), ExpiresAt: exp}, {ID: "", Method: "PUT", URL: []byte("u"), ExpiresAt: exp.Add(time.Hour), Headers: hs[:1]}}
		check(t, Presign, recs, genericParquet(t, []S3PresignRecord{
			{"a", "GET", "https://h/k?x", "2026-11-23T13:00:00Z", map[string]string{}}, {"", "PUT", "u", "2026-11-23T14:00:00Z", map[string]string{"X-Amz-Date": "20261123T120000Z"}}}))
	})
	t.Run("sign", func(t *testing.T) {
		recs := []testRecord{{ID: "a", Method: "GET", URL: []byte("https://h/k"), Headers: hs}, {ID: "b", Method: "PUT", URL: []byte("u")}, {ID: "c", Headers: hs[:1]}}
		check(t, Sign, recs, genericParquet(t, []SignRecord{
			{"a", "GET", "https://h/k", map[string]string{"X-Amz-Date": "20261123T120000Z", "Authorization": "AWS4-HMAC-SHA256 x", "Host": "h"}},
			{"b", "PUT", "u", map[string]string{}},
			{"c", "", "", map[string]string{"X-Amz-Date": "20261123T120000Z"}}}))
	})
	t.Run("verify", func(t *testing.T) {
		recs := []testRecord{{ID: "a", Valid: true, Scheme: SchemeSigV4}, {ID: "b", Reason: "expired", Scheme: SchemeAzureHMAC}}
		check(t, Verify, recs, genericParquet(t, []VerifyRecord{{"a", true, "", "sigv4"}, {"b", false, "expired", "azure-hmac"}}))
	})
	t.Run("mac", func(t *testing.T) {
		check(t, MacGenerate, []testRecord{{ID: "a", MacRecord: MacRecord{"k", "HMAC_SHA_256", []byte("AAE=")}}},
			genericParquet(t, []MacGenerateRecord{{"a", "k", "HMAC_SHA_256", "AAE="}}))
		check(t, MacVerify, []testRecord{{ID: "a", Valid: true}, {ID: "b", Reason: "KMSInvalidMacException"}},
			genericParquet(t, []MacVerifyRecord{{"a", true, ""}, {"b", false, "KMSInvalidMacException"}}))
	})
}

func genericParquet[T any](t *testing.T, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.MaxRowsPerRowGroup(parquetRowsPerGroup), parquet.CreatedBy("batchsign", "", ""))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParquetWriterCopiesValues: a batch's encoded records are recycled
// once written; the file keeps what they said.
func TestParquetWriterCopiesValues(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, FormatParquet, Sign, "")
	if err != nil {
		t.Fatal(err)
	}
	var enc []byte
	for _, id := range []string{"first", "other"} {
		rec := (&testRecord{ID: id, Method: "GET", URL: []byte("https://h/" + id),
			Headers: []sigv4.Header{{Name: "X-Amz-Date", Value: id}}}).values(Sign)
		enc = w.AppendRecord(enc[:0], &rec)
		if err := w.Write(enc); err != nil {
			t.Fatal(err)
		}
		clear(enc)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := parquet.Read[SignRecord](bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(rows) != 2 {
		t.Fatal(rows, err)
	}
	for i, id := range []string{"first", "other"} {
		if r := rows[i]; r.ID != id || r.URL != "https://h/"+id || r.Headers["X-Amz-Date"] != id {
			t.Errorf("row %d: %+v", i, r)
		}
	}
}
