package pipeline

import (
	"errors"
	"io"
	"os"
)

// OpenManifest opens the manifest at path ("-" for stdin) as a Source of
// shard's rows. The format is f, or, for FormatAuto, the one path's
// extension names (.ndjson, .jsonl, .json, .csv, .parquet); stdin defaults to
// NDJSON.
//
// Parquet needs random access to its footer, so a Parquet manifest on stdin
// is first copied to a temporary file, removed on Close.
func OpenManifest(path string, f Format, shard Shard, stdin io.Reader) (Source, error) {
	if f == FormatAuto {
		if path == "-" {
			f = FormatNDJSON
		} else if f = FormatOf(path); f == FormatAuto {
			return nil, errors.New("manifest " + path + ": cannot tell its format from the extension; pass --input-format ndjson, csv or parquet")
		}
	}
	switch f {
	case FormatNDJSON:
		if path == "-" {
			// Hide stdin's Close: closing the reader must not close the
			// process's standard input.
			return NewNDJSONReader(struct{ io.Reader }{stdin}, shard), nil
		}
		file, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		return NewNDJSONReader(file, shard), nil
	// CSV manifests (csv.go): the header line, then the rows.
	case FormatCSV:
		var r io.Reader = struct{ io.Reader }{stdin} // stdin is not closed
		if path != "-" {
			file, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			r = file
		}
		cr, err := OpenCSV(r, shard)
		if err != nil {
			return nil, errors.New("manifest " + path + ": " + err.Error())
		}
		return cr, nil
	// End of CSV.
	case FormatParquet:
		var file *os.File
		var err error
		if path == "-" {
			file, err = spool(stdin)
		} else {
			file, err = os.Open(path)
		}
		if err != nil {
			return nil, err
		}
		st, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, err
		}
		name := path
		if path == "-" {
			name = "(stdin)"
		}
		pr, err := openParquet(name, file, st.Size(), shard)
		if err != nil {
			file.Close()
			return nil, err
		}
		return pr, nil
	}
	return nil, errors.New("manifest format " + f.String() + " is not readable (want ndjson, csv or parquet)")
}

// spool copies r to an unlinked temporary file and returns it rewound.
func spool(r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "batchsign-manifest-*.parquet")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: the space is freed when f is closed
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
