package pipeline

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// columnCheck is a Writer that fails the test when a record does not have
// the declared columns' kinds, in order.
type columnCheck struct {
	t    *testing.T
	name string
	cols []Column
	n    int
}

func (c *columnCheck) AppendRecord(dst []byte, r *Record) []byte {
	c.n++
	if len(*r) != len(c.cols) {
		c.t.Errorf("%s: record of %d values, %d columns declared", c.name, len(*r), len(c.cols))
		return dst
	}
	for i, v := range *r {
		if v.kind != c.cols[i].Kind {
			c.t.Errorf("%s: column %s: value of kind %d, declared %d", c.name, c.cols[i].Name, v.kind, c.cols[i].Kind)
		}
	}
	return dst
}
func (c *columnCheck) Write([]byte) error { return nil }
func (c *columnCheck) Close() error       { return nil }

// modeSamples returns, for each declared mode, a Config and a one-row
// manifest (no newline) that the mode signs, verifies or MACs.
func modeSamples(t *testing.T) []struct {
	d        modeDef
	cfg      Config
	manifest string
} {
	t.Helper()
	presigned := runManifest(t, docConfig(Presign), `{"id":"1","bucket":"examplebucket","key":"k"}`+"\n", FormatNDJSON, Shard{})
	azure := azureConfig(t, azureVectors(t)[0])
	manifests := map[Mode]string{
		Presign:     `{"id":"1","bucket":"examplebucket","key":"k"}`,
		Sign:        `{"id":"1","bucket":"examplebucket","key":"k"}`,
		Verify:      strings.TrimSpace(presigned.out),
		MacGenerate: `{"id":"1","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("m") + `"}`,
		MacVerify:   `{"id":"1","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("m") + `","mac":"` + hmac256("m") + `"}`,
		PresignPost: `{"id":"1","bucket":"examplebucket","key":"k"}`,
	}
	var samples []struct {
		d        modeDef
		cfg      Config
		manifest string
	}
	for _, d := range modeDefs() {
		cfg := docConfig(d.mode)
		cfg.Scheme = d.scheme
		cfg.Mac = MacBackend{Service: newFakeMacs(t)}
		manifest := manifests[d.mode]
		if d.scheme == SchemeAzureHMAC {
			cfg.AzureKey, cfg.AzureEndpoint, cfg.Time = azure.AzureKey, azure.AzureEndpoint, azure.Time
			manifest = `{"id":"1","url":"/identities"}`
		}
		cfg.GCS = testGCSConfig(t)
		cfg.AzureSAS = testAzureSASConfig(t)
		if d.scheme == SchemeCloudFront {
			cfg.CloudFront = testCloudFrontConfig(t)
			manifest = `{"id":"1","key":"k"}`
			if d.mode == Verify {
				manifest = `{"id":"1","url":"` + cloudFrontSample(t) + `"}`
			}
		}
		samples = append(samples, struct {
			d        modeDef
			cfg      Config
			manifest string
		}{d, cfg, manifest})
	}
	return samples
}

// TestRowFunctionsFillTheirDeclaredColumns runs every declared mode on a row
// it signs, verifies or MACs, and checks the record against the mode's
// columns: the writers trust that declaration.
func TestRowFunctionsFillTheirDeclaredColumns(t *testing.T) {
	for _, s := range modeSamples(t) {
		name := s.d.mode.String() + " " + string(s.d.scheme)
		w := &columnCheck{t: t, name: name, cols: s.d.out.columns}
		st, err := Run(t.Context(), s.cfg, NewNDJSONReader(strings.NewReader(s.manifest+"\n")), w, NewRejectWriter(io.Discard), nil)
		if err != nil || st.Signed != 1 || w.n != 1 {
			t.Errorf("%s: %v %+v, %d records", name, err, st, w.n)
		}
	}
}

// ecdsaSignature matches a SigV4a signature, in a URL or an Authorization: a DER
// SEQUENCE whose length varies with r and s (about one in 128 signatures has a
// 31-byte r or s, shorter than the usual 70–72 bytes).
var ecdsaSignature = regexp.MustCompile(`(Signature=)30[0-9a-f]{2,}`)

// TestModesIgnoreUndeclaredFields: a mode's fields and refuses are all it
// reads. A row that adds every other manifest field, with values that would
// change a mode that read them, comes out as the row without them.
func TestModesIgnoreUndeclaredFields(t *testing.T) {
	values := map[string]string{
		FieldMethod: `"PUT"`, FieldURL: `"https://other.example/x"`, FieldBucket: `"other"`, FieldKey: `"other"`,
		FieldRegion: `"eu-west-1"`, FieldService: `"sqs"`, FieldExpires: `60`, FieldHeaders: `{"X-Junk":"1"}`,
		FieldQuery: `{"junk":"1"}`, FieldContentSHA256: `"` + strings.Repeat("0", 64) + `"`, FieldBodyFile: `"/nonexistent"`,
		FieldPayload: `"unsigned"`, FieldBody: `"b"`,
	}
	for _, s := range modeSamples(t) {
		name := s.d.mode.String() + " " + string(s.d.scheme)
		extra := ""
		for _, f := range newFieldSet().fields {
			if f.name == FieldID || slices.Contains(s.d.fields, f.name) || slices.Contains(s.d.refuses, f.name) {
				continue
			}
			v, ok := values[f.name]
			if !ok {
				v = `"x"` // a mode's own field
			}
			extra += `,"` + f.name + `":` + v
		}
		if extra == "" {
			continue
		}
		plain := runManifest(t, s.cfg, s.manifest+"\n", FormatNDJSON, Shard{})
		more := runManifest(t, s.cfg, strings.TrimSuffix(s.manifest, "}")+extra+"}\n", FormatNDJSON, Shard{})
		// ECDSA (SigV4a) signatures differ on every call: compare the rest.
		plain.out, more.out = ecdsaSignature.ReplaceAllString(plain.out, "${1}…"), ecdsaSignature.ReplaceAllString(more.out, "${1}…")
		if plain.err != nil || plain.out == "" || more.out != plain.out || more.rejects != plain.rejects {
			t.Errorf("%s: with %s\n%+v\nwithout\n%+v", name, extra, more, plain)
		}
	}
}

// TestModesRefuseWhatTheyDeclare: a field a mode refuses rejects the row,
// naming it (verify names url, saying it takes a url, not bucket and key).
func TestModesRefuseWhatTheyDeclare(t *testing.T) {
	values := map[string]string{
		FieldBucket: `"b"`, FieldKey: `"k"`, FieldRegion: `"eu-west-1"`, FieldService: `"s3"`, FieldExpires: `60`,
		FieldHeaders: `{"X-A":"1"}`, FieldQuery: `{"q":"1"}`, FieldContentSHA256: `"` + strings.Repeat("0", 64) + `"`,
		FieldBodyFile: `"/nonexistent"`, FieldBody: `"b"`,
		FieldURL: `"https://examplebucket.s3.amazonaws.com/k"`, FieldMethod: `"GET"`, FieldPayload: `"unsigned"`,
	}
	for _, s := range modeSamples(t) {
		for _, f := range s.d.refuses {
			row := strings.TrimSuffix(s.manifest, "}") + `,"` + f + `":` + values[f] + "}\n"
			if strings.Contains(s.manifest, `"`+f+`"`) {
				continue // the sample gives it already
			}
			res := runManifest(t, s.cfg, row, FormatNDJSON, Shard{})
			if res.err != nil || res.stats.Rejected != 1 || !strings.Contains(res.rejects, f) {
				t.Errorf("%v %v: %s: %+v", s.d.mode, s.d.scheme, row, res)
			}
		}
	}
}
