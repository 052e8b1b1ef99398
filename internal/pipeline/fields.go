package pipeline

import (
	"reflect"
	"slices"
	"strconv"

	"github.com/parquet-go/parquet-go"
)

// A field is one manifest field: an NDJSON key and a Parquet column. The
// readers know fields, not modes: the request fields below, which Row names,
// and the fields modes declare as their own (modeDef.fields), kept in
// Row.own. Both readers decode and type-check every field for every mode;
// a mode's row function reads the ones it takes.
type field struct {
	name string
	kind fieldKind
	// text is where a request text field is kept in a Row; nil for a
	// mode's own field, kept in Row.own[slot].
	text func(*Row) *string
	slot int
}

// fieldKind is the type of a field's value.
type fieldKind uint8

const (
	// textField is a string (a Parquet string column).
	textField fieldKind = iota
	// idField is a string, or a number kept as written (Row.ID).
	idField
	// secondsField is whole seconds: an integral JSON number, a Parquet
	// integer (Row.Expires).
	secondsField
	// headersField and queryField are objects of strings (Parquet
	// MAP<STRING, STRING>): Row.Headers and Row.Query.
	headersField
	queryField
)

// requestFields are the fields of a request to presign, sign or verify,
// which the signing schemes share and Row names (row.go).
func requestFields() []field {
	return []field{
		{name: FieldID, kind: idField},
		{name: FieldMethod, text: func(r *Row) *string { return &r.Method }},
		{name: FieldURL, text: func(r *Row) *string { return &r.URL }},
		{name: FieldBucket, text: func(r *Row) *string { return &r.Bucket }},
		{name: FieldKey, text: func(r *Row) *string { return &r.Key }},
		{name: FieldRegion, text: func(r *Row) *string { return &r.Region }},
		{name: FieldService, text: func(r *Row) *string { return &r.Service }},
		{name: FieldExpires, kind: secondsField},
		{name: FieldHeaders, kind: headersField},
		{name: FieldQuery, kind: queryField},
		{name: FieldContentSHA256, text: func(r *Row) *string { return &r.ContentSHA256 }},
		{name: FieldBodyFile, text: func(r *Row) *string { return &r.BodyFile }},
		{name: FieldPayload, text: func(r *Row) *string { return &r.Payload }},
		{name: FieldBody, text: func(r *Row) *string { return &r.Body }},
	}
}

// maxOwnFields bounds the own fields of all modes together (Row.own): the
// mac modes' five, SigV4a's region_set, SigV4 presign's checksum_sha256 and
// content_md5, azure-sas's permissions, CloudFront's three and
// presign-post's five. A scheme that declares more raises it;
// TestOwnFieldsFitTheRow says so. (Every Row of every batch carries the
// array, so it is no larger than the declarations need.)
const maxOwnFields = 17

// fieldSet is every manifest field, looked up by name without allocating.
// The NDJSON decoder matches the request fields by a switch of its own (its
// hot path; TestDecoderStoresEveryField keeps the two in step) and looks up
// the rest here; the Parquet reader maps its columns once per file.
// It is derived from the declarations (requestFields and the modes' own
// fields), so every fieldSet is the same, own-field slots included; readers
// and the row functions that need one make their own.
type fieldSet struct {
	fields []field // requestFields first, in their order, then own fields
	// table is an open-addressing hash table of the fields (index+1; 0 is
	// empty), at most a quarter full: a hash and about one comparison.
	table []int16
	own   int // own fields so far
}

// newFieldSet gathers the request fields and the modes' own text fields,
// each once, own fields in order of first declaration.
func newFieldSet() *fieldSet {
	s := &fieldSet{fields: requestFields()}
	for _, d := range modeDefs() {
		for _, name := range d.fields {
			if slices.ContainsFunc(s.fields, func(f field) bool { return f.name == name }) {
				continue
			}
			s.fields = append(s.fields, field{name: name, slot: s.own})
			s.own++
		}
	}
	size := 16
	for size < 4*len(s.fields) {
		size *= 2
	}
	s.table = make([]int16, size)
	for i, f := range s.fields {
		h := fieldHash(f.name) & uint(size-1)
		for s.table[h] != 0 {
			h = (h + 1) & uint(size-1)
		}
		s.table[h] = int16(i + 1)
	}
	return s
}

// fieldHash mixes a name's length and its first and last bytes, which
// tell the manifest fields apart.
func fieldHash(name string) uint {
	if name == "" {
		return 0
	}
	return (uint(len(name))*0x9E3779B1 ^ uint(name[0])*0x85EBCA77 ^ uint(name[len(name)-1])*0xC2B2AE3D) >> 7
}

// lookup returns the field named name.
func (s *fieldSet) lookup(name string) (*field, bool) {
	if i := s.index(name); i >= 0 {
		return &s.fields[i], true
	}
	return nil, false
}

// index returns the index in s.fields of the field named name, or -1.
func (s *fieldSet) index(name string) int {
	mask := uint(len(s.table) - 1)
	for h := fieldHash(name) & mask; ; h = (h + 1) & mask {
		i := int(s.table[h]) - 1
		if i < 0 {
			return -1
		}
		if s.fields[i].name == name {
			return i
		}
	}
}

// textOf returns where r keeps f's value; f is a textField.
func (f *field) textOf(r *Row) *string {
	if f.text != nil {
		return f.text(r)
	}
	return &r.own[f.slot]
}

// ownField returns r's value of a mode's own field (see modeDef.fields),
// "" when the row does not give it.
func (s *fieldSet) ownField(r *Row, name string) string {
	if f, ok := s.lookup(name); ok && f.kind == textField && f.text == nil && f.slot < len(r.own) {
		return r.own[f.slot]
	}
	return ""
}

// manifestSchema is the Parquet schema the reader converts a manifest to:
// the fields that have, of the names in columns (all when nil), in s's order
// (ManifestRecord's columns, then the modes' own), each optional. A file
// written with ManifestRecord or MacManifestRecord has exactly that schema,
// and so is read without conversion.
func (s *fieldSet) manifestSchema(columns []string) *parquet.Schema {
	var fields []reflect.StructField
	for i, f := range s.fields {
		if columns != nil && !slices.Contains(columns, f.name) {
			continue
		}
		var typ reflect.Type
		switch f.kind {
		case idField, textField:
			typ = reflect.TypeFor[string]()
		case secondsField:
			typ = reflect.TypeFor[*int64]()
		case headersField, queryField:
			typ = reflect.TypeFor[map[string]string]()
		}
		fields = append(fields, reflect.StructField{Name: "F" + strconv.Itoa(i), Type: typ,
			Tag: reflect.StructTag(`parquet:"` + f.name + `,optional"`)})
	}
	return parquet.NewSchema("ManifestRecord", parquet.SchemaOf(reflect.New(reflect.StructOf(fields)).Elem().Interface()))
}
