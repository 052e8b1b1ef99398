package pipeline

import (
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestManifestSchemaIsManifestRecords: the Parquet reader's schema is
// ManifestRecord's columns (the request fields) and the modes' own fields,
// which are the mac fields today, as MacManifestRecord has them.
func TestManifestSchemaIsManifestRecords(t *testing.T) {
	req := (&fieldSet{fields: requestFields()}).manifestSchema()
	if got, want := req.String(), parquet.SchemaOf(ManifestRecord{}).String(); got != want {
		t.Errorf("request fields' schema\n%s\nwant ManifestRecord's\n%s", got, want)
	}
	all := newFieldSet().manifestSchema()
	var own []string
	for _, path := range all.Columns()[len(req.Columns()):] {
		own = append(own, path[0])
		if leaf, _ := all.Lookup(path...); leaf.Node.Type().Kind() != parquet.ByteArray || !leaf.Node.Optional() {
			t.Errorf("own field %s: %v", path[0], leaf.Node)
		}
	}
	var mac []string
	for _, f := range parquet.SchemaOf(MacManifestRecord{}).Fields()[1:] {
		mac = append(mac, f.Name())
	}
	if !slices.Equal(own, mac) {
		t.Errorf("own fields %v, want the mac fields %v", own, mac)
	}
}

func TestOwnFieldsFitTheRow(t *testing.T) {
	s := newFieldSet()
	if s.own > maxOwnFields {
		t.Fatalf("%d own fields, Row has room for %d: raise maxOwnFields", s.own, maxOwnFields)
	}
	for i, f := range s.fields {
		if j := s.index(f.name); j != i {
			t.Errorf("field %q at %d, found at %d", f.name, i, j)
		}
	}
	if _, ok := s.lookup("nope"); ok {
		t.Error("unknown name found")
	}
}

// TestFieldSetsAgree: every fieldSet gives the same own-field slots, so a
// row function's set reads what the reader's set stored.
func TestFieldSetsAgree(t *testing.T) {
	a, b := newFieldSet(), newFieldSet()
	if len(a.fields) != len(b.fields) {
		t.Fatal("different sizes")
	}
	for i := range a.fields {
		if a.fields[i].name != b.fields[i].name || a.fields[i].slot != b.fields[i].slot {
			t.Errorf("field %d: %+v and %+v", i, a.fields[i], b.fields[i])
		}
	}
}
