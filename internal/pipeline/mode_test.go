package pipeline

import (
	"io"
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

// TestRowFunctionsFillTheirDeclaredColumns runs every declared mode on a row
// it signs, verifies or MACs, and checks the record against the mode's
// columns: the writers trust that declaration.
func TestRowFunctionsFillTheirDeclaredColumns(t *testing.T) {
	presigned := runManifest(t, docConfig(Presign), `{"id":"1","bucket":"examplebucket","key":"k"}`+"\n", FormatNDJSON, Shard{})
	azure := azureConfig(t, azureVectors(t)[0])
	manifests := map[Mode]string{
		Presign:     `{"id":"1","bucket":"examplebucket","key":"k"}`,
		Sign:        `{"id":"1","bucket":"examplebucket","key":"k"}`,
		Verify:      strings.TrimSpace(presigned.out),
		MacGenerate: `{"id":"1","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("m") + `"}`,
		MacVerify:   `{"id":"1","key_id":"k1","algorithm":"HMAC_SHA_256","message":"` + b64s("m") + `","mac":"` + hmac256("m") + `"}`,
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
		name := d.mode.String() + " " + string(d.scheme)
		w := &columnCheck{t: t, name: name, cols: d.out.columns}
		st, err := Run(t.Context(), cfg, NewNDJSONReader(strings.NewReader(manifest+"\n"), Shard{}), w, NewRejectWriter(io.Discard), nil)
		if err != nil || st.Signed != 1 || w.n != 1 {
			t.Errorf("%s: %v %+v, %d records", name, err, st, w.n)
		}
	}
}
