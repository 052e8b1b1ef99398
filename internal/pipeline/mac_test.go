package pipeline

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/batchsign/batchsign/internal/keyring"

	"github.com/parquet-go/parquet-go"
)

// macTestMaterial is recognisable in any output it leaks into.
const macTestMaterial = "MACKEYmaterialDoNotPrint-0123456789"

// fakeMacs is a MacService over engine keys, as keyring.Local computes.
type fakeMacs struct {
	keys  []keyring.MacKey
	fatal error // when set, every call fails with it
	calls atomic.Int64
}

func newFakeMacs(t testing.TB) *fakeMacs {
	k, err := keyring.NewMacKey("k1", []byte(macTestMaterial), []keyring.MacAlgorithm{keyring.MacHMACSHA256}, "alias/one")
	if err != nil {
		t.Fatal(err)
	}
	return &fakeMacs{keys: []keyring.MacKey{k}}
}

func (f *fakeMacs) GenerateMac(ctx context.Context, keyID string, alg keyring.MacAlgorithm, msg []byte) ([]byte, error) {
	f.calls.Add(1)
	if f.fatal != nil {
		return nil, f.fatal
	}
	k, err := keyring.FindMacKey(f.keys, keyID)
	if err != nil {
		return nil, err
	}
	return keyring.GenerateMac(k, alg, msg)
}

func (f *fakeMacs) VerifyMac(ctx context.Context, keyID string, alg keyring.MacAlgorithm, msg, mac []byte) (bool, error) {
	f.calls.Add(1)
	if f.fatal != nil {
		return false, f.fatal
	}
	k, err := keyring.FindMacKey(f.keys, keyID)
	if err != nil {
		return false, err
	}
	return keyring.VerifyMac(k, alg, msg, mac)
}

func hmac256(msg string) string {
	h := hmac.New(sha256.New, []byte(macTestMaterial))
	h.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func b64s(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestMacGenerateRunWritesMacsAndRejectsByField(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	big := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(small, []byte("from a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, make([]byte, 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := strings.Join([]string{
		`{"id":"1","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("hello") + `"}`,
		`{"id":"2","key_id":"alias/one","algorithm":"HMAC_SHA_256","message_file":` + jsonQuote(small) + `}`,
		`{"id":"3","key_id":"nope","algorithm":"HMAC_SHA_256","message":"` + b64s("x") + `"}`,
		`{"id":"4","key_id":"k1","algorithm":"HMAC_SHA_512","message":"` + b64s("x") + `"}`,
		`{"id":"5","key_id":"k1","algorithm":"sha256","message":"` + b64s("x") + `"}`,
		`{"id":"6","key_id":"k1","algorithm":"HMAC_SHA_256","message":""}`,
		`{"id":"7","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + base64.StdEncoding.EncodeToString(make([]byte, 4097)) + `"}`,
		`{"id":"8","key_id":"k1","algorithm":"HMAC_SHA_256","message":"not base64!"}`,
		`{"id":"9","key_id":"k1","algorithm":"HMAC_SHA_256","message_file":` + jsonQuote(big) + `}`,
		`{"id":"10","algorithm":"HMAC_SHA_256","message":"eA=="}`,
		`{"id":"11","key_id":"k1","algorithm":"HMAC_SHA_256","message":"eA==","message_file":` + jsonQuote(small) + `}`,
	}, "\n") + "\n"
	cfg := Config{Mode: MacGenerate, Mac: MacBackend{Service: newFakeMacs(t)}, Workers: 2, BatchSize: 3}
	res := runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := `{"id":"1","key_id":"k1","algorithm":"HMAC_SHA_256","mac":"` + hmac256("hello") + `"}` + "\n" +
		`{"id":"2","key_id":"alias/one","algorithm":"HMAC_SHA_256","mac":"` + hmac256("from a file") + `"}` + "\n"
	if res.out != want {
		t.Errorf("out:\n%s\nwant\n%s", res.out, want)
	}
	wantRejects := []struct{ id, field, text string }{
		{"3", "key_id", "NotFoundException"},
		{"4", "algorithm", "InvalidKeyUsageException"},
		{"5", "algorithm", "ValidationException"},
		{"6", "message", "ValidationException"},
		{"7", "message", "ValidationException"},
		{"8", "message", "base64"},
		{"9", "message_file", "ValidationException"},
		{"10", "key_id", "missing"},
		{"11", "message_file", "conflicting"},
	}
	lines := strings.Split(strings.TrimSpace(res.rejects), "\n")
	if len(lines) != len(wantRejects) {
		t.Fatalf("rejects:\n%s", res.rejects)
	}
	for i, w := range wantRejects {
		if !strings.Contains(lines[i], `"id":"`+w.id+`","field":"`+w.field+`"`) || !strings.Contains(lines[i], w.text) {
			t.Errorf("reject %d = %s; want id %s field %s mentioning %s", i, lines[i], w.id, w.field, w.text)
		}
	}
	if st := res.stats; st.Read != 11 || st.Signed != 2 || st.Rejected != 9 || st.Verify != nil {
		t.Errorf("stats %+v", st)
	}
	if strings.Contains(res.out+res.rejects, macTestMaterial) || strings.Contains(res.out+res.rejects, b64s(macTestMaterial)) {
		t.Error("key material in the output")
	}
}

func TestMacVerifyRunAnswersInvalidWithKMSName(t *testing.T) {
	good := hmac256("hello")
	raw, _ := base64.StdEncoding.DecodeString(good)
	raw[0] ^= 1
	bad := base64.StdEncoding.EncodeToString(raw)
	manifest := `{"id":"a","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("hello") + `","mac":"` + good + `"}
{"id":"b","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("hello") + `","mac":"` + bad + `"}
{"id":"c","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("hello") + `"}
{"id":"d","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("hello") + `","mac":"%%"}
`
	cfg := Config{Mode: MacVerify, Mac: MacBackend{Service: newFakeMacs(t)}, Workers: 1}
	res := runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := `{"id":"a","valid":true,"reason":""}` + "\n" + `{"id":"b","valid":false,"reason":"KMSInvalidMacException"}` + "\n"
	if res.out != want {
		t.Errorf("out:\n%s\nwant\n%s", res.out, want)
	}
	if !strings.Contains(res.rejects, `"id":"c","field":"mac"`) || !strings.Contains(res.rejects, `"id":"d","field":"mac"`) {
		t.Errorf("rejects:\n%s", res.rejects)
	}
	v := res.stats.Verify
	if v == nil || v.Valid != 1 || v.Invalid != 1 || v.ByReason["KMSInvalidMacException"] != 1 || len(v.ByReason) != 1 {
		t.Fatalf("verify stats %+v", v)
	}
	if s := res.stats.String(); !strings.Contains(s, "1 valid, 1 invalid (KMSInvalidMacException 1), 2 rejected") {
		t.Errorf("summary line %q", s)
	}
}

// TestMacFatalBackendErrorStopsRun: an error the backend says dooms the
// run fails Run at once instead of rejecting every row.
func TestMacFatalBackendErrorStopsRun(t *testing.T) {
	var manifest strings.Builder
	for range 5000 {
		manifest.WriteString(`{"id":"x","key_id":"k1","algorithm":"HMAC_SHA_256","message":"eA=="}` + "\n")
	}
	svc := newFakeMacs(t)
	boom := errors.New("UnrecognizedClientException: the security token is invalid")
	svc.fatal = boom
	cfg := Config{Mode: MacGenerate, Workers: 2, BatchSize: 100,
		Mac: MacBackend{Service: svc, Fatal: func(err error) bool { return errors.Is(err, boom) }}}
	res := runManifest(t, cfg, manifest.String(), FormatNDJSON, Shard{})
	if !errors.Is(res.err, boom) || !strings.Contains(res.err.Error(), "row ") {
		t.Fatalf("err = %v; want the fatal error naming its row", res.err)
	}
	if res.out != "" || res.rejects != "" {
		t.Errorf("wrote out %q rejects %q", res.out, res.rejects)
	}
	if n := svc.calls.Load(); n > 2 {
		t.Errorf("%d backend calls after the first fatal error", n)
	}
	// Without Fatal, the same error is a row's reject.
	cfg.Mac.Fatal = nil
	res = runManifest(t, cfg, `{"id":"x","key_id":"k1","algorithm":"HMAC_SHA_256","message":"eA=="}`+"\n", FormatNDJSON, Shard{})
	if res.err != nil || !strings.Contains(res.rejects, `"field":"key_id"`) {
		t.Errorf("err %v rejects %s", res.err, res.rejects)
	}
}

func TestMacConfigNeedsAService(t *testing.T) {
	cfg := Config{Mode: MacGenerate}
	if err := cfg.Validate(); err == nil {
		t.Error("no service: want an error")
	}
	cfg.Mac.Service = newFakeMacs(t)
	if err := cfg.Validate(); err != nil {
		t.Errorf("no credentials or time are needed: %v", err)
	}
}

func TestMacRecordsInEveryFormat(t *testing.T) {
	gen := []testRecord{{ID: "a", MacRecord: MacRecord{KeyID: "alias/x,y", Algorithm: "HMAC_SHA_256", MAC: []byte("AAE=")}}}
	if got, want := string(encodeAll(t, FormatNDJSON, MacGenerate, gen)),
		`{"id":"a","key_id":"alias/x,y","algorithm":"HMAC_SHA_256","mac":"AAE="}`+"\n"; got != want {
		t.Errorf("ndjson %s", got)
	}
	if got, want := string(encodeAll(t, FormatCSV, MacGenerate, gen)),
		"id,key_id,algorithm,mac\r\na,\"alias/x,y\",HMAC_SHA_256,AAE=\r\n"; got != want {
		t.Errorf("csv %q", got)
	}
	if got := string(encodeAll(t, FormatCSV, MacVerify, nil)); got != "id,valid,reason\r\n" {
		t.Errorf("empty csv %q", got)
	}
	pq := encodeAll(t, FormatParquet, MacGenerate, gen)
	rows, err := parquet.Read[MacGenerateRecord](bytes.NewReader(pq), int64(len(pq)))
	if err != nil || len(rows) != 1 || rows[0] != (MacGenerateRecord{ID: "a", KeyID: "alias/x,y", Algorithm: "HMAC_SHA_256", MAC: "AAE="}) {
		t.Errorf("parquet %+v %v", rows, err)
	}
	ver := []testRecord{{ID: "a", Valid: true}, {ID: "b", Reason: "KMSInvalidMacException"}}
	pq = encodeAll(t, FormatParquet, MacVerify, ver)
	vrows, err := parquet.Read[MacVerifyRecord](bytes.NewReader(pq), int64(len(pq)))
	if err != nil || len(vrows) != 2 || vrows[1] != (MacVerifyRecord{ID: "b", Reason: "KMSInvalidMacException"}) {
		t.Errorf("parquet %+v %v", vrows, err)
	}
}

// TestParquetManifestCarriesMacColumns: the mac fields read from Parquet as
// from NDJSON.
func TestParquetManifestCarriesMacColumns(t *testing.T) {
	data := writeParquet(t, []MacManifestRecord{
		{ID: "1", KeyID: "k1", Algorithm: "HMAC_SHA_256", Message: b64s("hello"), MAC: hmac256("hello")},
		{ID: "2", KeyID: "k1", Algorithm: "HMAC_SHA_256", MessageFile: "/nonexistent/m"},
	})
	pr, err := NewParquetReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out, rej bytes.Buffer
	w, _ := NewWriter(&out, FormatNDJSON, MacVerify, "")
	st, err := Run(context.Background(), Config{Mode: MacVerify, Mac: MacBackend{Service: newFakeMacs(t)}}, pr, w, NewRejectWriter(&rej), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != `{"id":"1","valid":true,"reason":""}`+"\n" || st.Rejected != 1 ||
		!strings.Contains(rej.String(), `"id":"2","field":"message_file"`) {
		t.Errorf("out %s rejects %s", out.String(), rej.String())
	}
	// A mac column of the wrong type is refused for the whole file.
	type wrong struct {
		KeyID int64 `parquet:"key_id"`
	}
	data = writeParquet(t, []wrong{{1}})
	if _, err := NewParquetReader(bytes.NewReader(data), int64(len(data))); err == nil || !strings.Contains(err.Error(), "key_id") {
		t.Errorf("int key_id column: %v", err)
	}
}

func jsonQuote(s string) string { return string(appendJSONString(nil, s)) }
