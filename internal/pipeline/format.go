package pipeline

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"
)

// Format is a manifest or output encoding.
type Format uint8

const (
	// FormatAuto picks the format from the file name's extension.
	FormatAuto Format = iota
	// FormatNDJSON is one JSON object per line (.ndjson, .jsonl, .json).
	FormatNDJSON
	// FormatCSV is RFC 4180 CSV with a header line (.csv), one record per
	// line (csv.go).
	FormatCSV
	// FormatParquet is Apache Parquet (.parquet).
	FormatParquet
)

// ParseFormat parses a --format or --input-format value: ndjson (or jsonl,
// json), csv, parquet, or auto/"" for FormatAuto.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return FormatAuto, nil
	case "ndjson", "jsonl", "json":
		return FormatNDJSON, nil
	case "csv":
		return FormatCSV, nil
	case "parquet":
		return FormatParquet, nil
	}
	return FormatAuto, errors.New("format " + strconv.Quote(s) + ": want ndjson, csv or parquet")
}

// String returns the flag spelling.
func (f Format) String() string {
	switch f {
	case FormatNDJSON:
		return "ndjson"
	case FormatCSV:
		return "csv"
	case FormatParquet:
		return "parquet"
	}
	return "auto"
}

// FormatOf returns the format a file name's extension names, or FormatAuto
// when the extension is not one of .ndjson, .jsonl, .json, .csv, .parquet
// (letter case ignored).
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ndjson", ".jsonl", ".json":
		return FormatNDJSON
	case ".csv":
		return FormatCSV
	case ".parquet", ".parq", ".pq":
		return FormatParquet
	}
	return FormatAuto
}
