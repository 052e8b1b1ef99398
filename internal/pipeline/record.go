package pipeline

import (
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// A Column is one column of a mode's output: a key of its NDJSON objects,
// a column (or, for headers, several) of its CSV, a column of its Parquet
// schema. Modes declare their columns (modeDef.out); the writers know only
// columns, never modes.
type Column struct {
	Name string
	Kind ColumnKind
	// CSV, for a HeadersColumn, are the header names that become CSV
	// columns, in order (the CSV header has them in lower case; a record
	// without one leaves its cell empty). Without any, CSV has one column
	// of the column's name holding the record's headers as a JSON object,
	// in order. NDJSON and Parquet carry every header of the record.
	CSV []string
	// OmitEmpty, for a HeadersColumn, leaves the column out of an NDJSON
	// record that has no headers (CSV leaves its cells empty; Parquet
	// writes an empty map).
	OmitEmpty bool
}

// ColumnKind is the type of a column's values.
type ColumnKind uint8

const (
	// StringColumn is a JSON string, a CSV field, a Parquet string.
	StringColumn ColumnKind = iota
	// BoolColumn is true or false in every format (Parquet boolean).
	BoolColumn
	// TimeColumn is an instant in RFC 3339, UTC, whole seconds
	// ("2026-11-23T13:00:00Z"), as a string in every format.
	TimeColumn
	// HeadersColumn is header names and values: a JSON object, CSV columns
	// named by Column.CSV, a Parquet MAP<STRING, STRING> (sorted by name).
	HeadersColumn
)

// table is a mode's output: its columns, and the name of its Parquet schema
// (one of the documented row types: PresignRecord, SignRecord, …).
type table struct {
	name    string
	columns []Column
}

// Columns returns the names of the output columns of mode m under scheme s
// ("" for m's default), in order: NDJSON keys, Parquet columns, and CSV
// columns but for headers, which CSV spreads over several.
func Columns(m Mode, s Scheme) []string {
	d, ok := lookupMode(m, s)
	if !ok {
		return nil
	}
	names := make([]string, len(d.out.columns))
	for i, c := range d.out.columns {
		names[i] = c.Name
	}
	return names
}

// presignTable is the output of presign, whatever the scheme: id, method,
// url, expires_at.
func presignTable() table {
	return table{"PresignRecord", []Column{
		{Name: "id"}, {Name: "method"}, {Name: "url"}, {Name: "expires_at", Kind: TimeColumn},
	}}
}

// signTable is the output of sign: id, method, url, headers, with the
// scheme's headers as CSV columns.
func signTable(csvHeaders ...string) table {
	return table{"SignRecord", []Column{
		{Name: "id"}, {Name: "method"}, {Name: "url"}, {Name: "headers", Kind: HeadersColumn, CSV: csvHeaders},
	}}
}

// A Record is one output row as a Writer sees it: one Value per column of
// the mode, in column order. Its byte slices and strings are valid only
// during the AppendRecord call; a worker reuses one Record for every row.
type Record []Value

// A Value is one column's value in a Record; the row function that makes it
// matches the column's kind (stringValue or bytesValue for a StringColumn,
// boolValue, timeValue, headersValue).
type Value struct {
	str  string
	raw  []byte // a string column's value as bytes, when not nil
	hdrs []sigv4.Header
	num  int64 // a bool column's 0 or 1; a time column's Unix seconds
	kind ColumnKind
	// plain: raw is ASCII without control characters, '"' or '\\' by
	// construction (plainURLValue), so JSON takes it as is.
	plain bool
}

func stringValue(s string) Value { return Value{str: s} }

// bytesValue is a string column's value held in a buffer the row function
// reuses (a URL being built), so that encoding it does not allocate.
func bytesValue(b []byte) Value { return Value{raw: b} }

// plainURLValue is bytesValue for a URL that a signer built of parts it
// checked or percent-encoded (the S3 presign of a SigV4 Signer, not a
// variant's, whose algorithm name goes in as given: scheme, checked host,
// escaped path and query, hex signature), so that no byte of it needs
// escaping in JSON and the NDJSON writer copies it without the scan. The
// sigv4 tests hold every such URL to that (checkPlainURL), and
// TestPlainURLValueWritesAsBytesValue the writer's shortcut.
func plainURLValue(b []byte) Value { return Value{raw: b, plain: true} }

func boolValue(v bool) Value {
	if v {
		return Value{num: 1, kind: BoolColumn}
	}
	return Value{kind: BoolColumn}
}

// timeValue keeps t to the second, as every format writes it.
func timeValue(t time.Time) Value { return Value{num: t.Unix(), kind: TimeColumn} }

// headersValue keeps hs in the row function's order (the engine's, for
// SigV4: X-Amz-Security-Token, X-Amz-Date, x-amz-content-sha256,
// Authorization).
func headersValue(hs []sigv4.Header) Value { return Value{hdrs: hs, kind: HeadersColumn} }
