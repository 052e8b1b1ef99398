package pipeline

import (
	"reflect"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestManifestSchemaIsManifestRecords: the Parquet reader's schema is
// ManifestRecord's columns (the request fields) and the modes' own fields,
// which are SigV4a's region_set, SigV4 presign's checksum fields, the mac
// fields (as MacManifestRecord has them), azure-sas's permissions,
// CloudFront's ip_address, not_before and resource, and presign-post's today.
func TestManifestSchemaIsManifestRecords(t *testing.T) {
	req := (&fieldSet{fields: requestFields()}).manifestSchema(nil)
	if got, want := req.String(), parquet.SchemaOf(ManifestRecord{}).String(); got != want {
		t.Errorf("request fields' schema\n%s\nwant ManifestRecord's\n%s", got, want)
	}
	all := newFieldSet().manifestSchema(nil)
	var own []string
	for _, path := range all.Columns()[len(req.Columns()):] {
		own = append(own, path[0])
		if leaf, _ := all.Lookup(path...); leaf.Node.Type().Kind() != parquet.ByteArray || !leaf.Node.Optional() {
			t.Errorf("own field %s: %v", path[0], leaf.Node)
		}
	}
	mac := []string{FieldRegionSet, FieldChecksumSHA256, FieldContentMD5}
	for _, f := range parquet.SchemaOf(MacManifestRecord{}).Fields()[1:] {
		mac = append(mac, f.Name())
	}
	mac = append(mac, FieldPermissions, FieldIPAddress, FieldNotBefore, FieldResource) // azure-sas's, CloudFront's
	mac = append(mac, FieldKeyPrefix, FieldContentType, FieldContentLengthRange, FieldACL, FieldSuccessActionStatus)
	if !slices.Equal(own, mac) {
		t.Errorf("own fields %v, want region_set, the checksum fields, the mac fields and presign-post's: %v", own, mac)
	}
	// A file of MacManifestRecord's or ManifestRecord's columns is read as
	// it is, without conversion.
	for _, typ := range []any{ManifestRecord{}, MacManifestRecord{}} {
		file := parquet.SchemaOf(typ)
		var cols []string
		for _, f := range file.Fields() {
			cols = append(cols, f.Name())
		}
		if !parquet.EqualNodes(newFieldSet().manifestSchema(cols), file) {
			t.Errorf("%T: reader schema\n%s\nwant the file's\n%s", typ, newFieldSet().manifestSchema(cols), file)
		}
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

// TestDecoderStoresEveryField: the NDJSON decoder, which matches request
// fields by a switch of its own, stores every field of the field set where
// the set says it is kept, and nowhere else.
func TestDecoderStoresEveryField(t *testing.T) {
	s := newFieldSet()
	for i, f := range s.fields {
		var r Row
		var a rowArena
		switch f.kind {
		case idField:
			decodeRow(`{"id":"v"}`, &r, &a)
			if r.ID != "v" {
				t.Errorf("id: %+v", r)
			}
		case secondsField:
			decodeRow(`{"`+f.name+`":7}`, &r, &a)
			if r.Expires != 7 || !r.HasExpires {
				t.Errorf("%s: %+v", f.name, r)
			}
		case headersField, queryField:
			decodeRow(`{"`+f.name+`":{"k":"v"}}`, &r, &a)
			if (f.kind == headersField) != (len(r.Headers) == 1) || (f.kind == queryField) != (len(r.Query) == 1) {
				t.Errorf("%s: %+v", f.name, r)
			}
		default:
			decodeRow(`{"`+f.name+`":"v`+f.name+`"}`, &r, &a)
			if got := *s.fields[i].textOf(&r); got != "v"+f.name {
				t.Errorf("%s: kept %q", f.name, got)
			}
			*s.fields[i].textOf(&r) = ""
			if !reflect.DeepEqual(r, Row{}) {
				t.Errorf("%s: stored elsewhere too: %+v", f.name, r)
			}
		}
		if r.Err != nil {
			t.Errorf("%s: %v", f.name, r.Err)
		}
	}
	for _, name := range []string{"", "ID", "url ", "x"} {
		if s.index(name) >= 0 {
			t.Errorf("%q found", name)
		}
	}
}
