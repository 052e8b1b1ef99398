package pipeline

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// verifyFuzzSeeds are verify rows as batchsign writes them: SigV4 presigned
// URLs (virtual-hosted, path-style, with parameters and escapes), SigV4
// signed requests, SigV2 presigned URLs and Azure HMAC signed requests, all
// valid at docTime, plus hand-written hostile rows.
func verifyFuzzSeeds(f *testing.F, azureKey []byte) (signed, hostile []string) {
	f.Helper()
	manifest := `{"id":"a","bucket":"examplebucket","key":"dir/a b ü.txt","query":{"versionId":"v 1"}}
{"id":"b","url":"http://127.0.0.1:9000/bkt/k%2Fx?acl","expires":60}
{"id":"c","bucket":"Legacy_Bucket","key":"k","method":"PUT"}
`
	for _, cfg := range []Config{
		docConfig(Presign), docConfig(Sign),
		func() Config { c := docConfig(Presign); c.Scheme = SchemeSigV2; return c }(),
		{Mode: Sign, Scheme: SchemeAzureHMAC, AzureKey: azureKey, Time: docTime, Workers: 1, BatchSize: 4},
	} {
		m := manifest
		if cfg.Scheme == SchemeAzureHMAC {
			m = `{"id":"z","method":"PATCH","url":"https://contoso.communication.azure.com/identities/x?api-version=2021-03-07","body":"[1]"}` + "\n"
		}
		res := runManifest(f, cfg, m, FormatNDJSON, Shard{})
		if res.err != nil || res.rejects != "" {
			f.Fatalf("seeds: %v %s", res.err, res.rejects)
		}
		signed = append(signed, lines(res.out)...)
	}
	return signed, []string{
		`{"id":"1","url":"https://b.s3.us-east-1.amazonaws.com ?X-Amz-Algorithm=AWS4-HMAC-SHA256"}`,
		`{"url":"https://u:SECRET@h/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1&Signature=x"}`,
		`{"url":"https://h/k","headers":{"Authorization":"AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=0"}}`,
		`{"url":"https://h:99999/k","headers":{"Authorization":"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=A"}}`,
		`{"id":"m","method":"TRACE","url":"https://h/"}`, `{"id":"n"}`, `{"bucket":"b","key":"k"}`, `{"url":7}`, `{`,
	}
}

// FuzzVerifyRow: a verify-mode row, decoded from an NDJSON line and judged
// by a worker that knows the SigV4/SigV2 and Azure keys, never panics; it is
// either a reject naming a manifest field (as a *sigerr.FieldError) or one
// record whose scheme is sigv4, sigv2 or azure-hmac and which is valid
// exactly when it has no reason; a row whose url sigcore.SplitURL refuses
// is never valid, and is judged malformed; no reject quotes user
// information. The seeds, rows a signing run wrote, verify.
func FuzzVerifyRow(f *testing.F) {
	azureKey := []byte("an azure key")
	signed, hostile := verifyFuzzSeeds(f, azureKey)
	for _, s := range append(signed, hostile...) {
		f.Add(s)
	}
	cfg := docConfig(Verify)
	cfg.Time = docTime.Add(time.Minute)
	cfg.AzureKey = azureKey
	enc, err := NewWriter(io.Discard, FormatNDJSON, Verify, SchemeAuto)
	if err != nil {
		f.Fatal(err)
	}
	w := newWorker(&cfg, sigv4.NewKeyCache(0), enc)
	fields := []string{FieldID, FieldMethod, FieldURL, FieldBucket, FieldKey, FieldRegion, FieldService, FieldExpires,
		FieldHeaders, FieldQuery, FieldContentSHA256, FieldBodyFile, FieldPayload, FieldBody}
	// judge returns whether line is a valid row, or what is wrong.
	judge := func(line string) (bool, string) {
		b := newBatch(1)
		r := b.Append()
		decodeRow(line, r, &b.arena)
		if r.Err != nil {
			return false, "" // decoding is FuzzDecodeNDJSONRow's
		}
		w.rec = w.rec[:0]
		err := w.row(r, b)
		if err == errDeferred { // a row held for a pair: judged alone at the batch's end
			w.flushPending(b)
			err = nil
			if len(b.rejects) > 0 {
				err = sigcore.FieldErr(b.rejects[0].Field, errors.New(b.rejects[0].Error))
			}
		}
		if err != nil {
			var fe *sigerr.FieldError
			if !errors.As(err, &fe) || !slices.Contains(fields, fe.Field) {
				return false, "reject does not name a manifest field: " + err.Error()
			}
			if strings.Contains(err.Error(), "SECRET") {
				return false, "reject quotes user information: " + err.Error()
			}
			return false, ""
		}
		if len(w.rec) != 4 { // id, valid, reason, scheme (Columns(Verify, SchemeAuto))
			return false, "a verdict of " + strconv.Itoa(len(w.rec)) + " columns"
		}
		valid, reason, scheme := w.rec[1].num == 1, w.rec[2].str, Scheme(w.rec[3].str)
		switch {
		case scheme != SchemeSigV4 && scheme != SchemeSigV2 && scheme != SchemeAzureHMAC:
			return false, "scheme " + string(scheme)
		case valid != (reason == "") || len(b.out) == 0:
			return false, "valid and reason disagree, or no record: " + reason
		}
		if _, err := sigcore.SplitURL(r.URL); err != nil && reason != sigerr.ErrMalformed.Code() {
			return false, "url refused (" + err.Error() + ") but judged " + reason
		}
		return valid, ""
	}
	for _, s := range signed {
		if ok, problem := judge(s); !ok {
			f.Fatalf("signed row does not verify (%s): %s", problem, s)
		}
	}
	if len(signed) < 10 {
		f.Fatalf("only %d signed seed rows", len(signed))
	}
	f.Fuzz(func(t *testing.T, line string) {
		if _, problem := judge(line); problem != "" {
			t.Fatalf("%q: %s", line, problem)
		}
	})
}
