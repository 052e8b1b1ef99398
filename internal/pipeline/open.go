package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/batchsign/batchsign/internal/store"
)

// ListManifest expands manifest arguments into the files of one logical
// manifest: each argument (a file, a directory, a glob, or what another
// Store lists, such as "s3://bucket/prefix/") in the lexical order its
// Store lists, the arguments in the order given. A file's format is f, or,
// for FormatAuto, the one its extension names. Parquet footers are not read
// here (Rows is -1).
func ListManifest(ctx context.Context, r *store.Router, args []string, f Format) ([]ManifestFile, error) {
	var files []ManifestFile
	for _, arg := range args {
		if arg == "-" {
			return nil, errors.New("manifest -: stdin is a manifest on its own, not one of many files")
		}
		st, err := r.For(arg)
		if err != nil {
			return nil, err
		}
		objs, err := st.List(ctx, arg)
		if err != nil {
			return nil, fmt.Errorf("manifest %w", err)
		}
		for _, o := range objs {
			ff := f
			if ff == FormatAuto {
				if ff = FormatOf(o.Name); ff == FormatAuto {
					return nil, errors.New("manifest " + o.Name + ": cannot tell its format from the extension; pass --input-format ndjson, csv or parquet")
				}
			}
			files = append(files, ManifestFile{Object: o, Format: ff, Rows: -1})
		}
	}
	return files, nil
}

// OpenManifest opens this shard's range of the manifest named by args as
// one Source: the files ListManifest gives, split as ShardPlan says, each
// read only in its range. "-" alone is stdin (NDJSON unless f says
// otherwise; it cannot be sharded). Rows carry their file's name when the
// manifest is more than one file.
//
// Parquet needs random access to its footer, so a Parquet manifest on stdin
// is first copied to a temporary file, removed on Close.
func OpenManifest(ctx context.Context, r *store.Router, args []string, f Format, shard Shard, stdin io.Reader) (Source, error) {
	if len(args) == 1 && args[0] == "-" {
		if shard.Count > 1 {
			return nil, fmt.Errorf("manifest -: %w", ErrUnsplittable)
		}
		return openStdin(f, stdin)
	}
	files, err := ListManifest(ctx, r, args, f)
	if err != nil {
		return nil, err
	}
	plan := &ShardPlan{Files: files, Count: max(shard.Count, 1)}
	pieces, err := plan.Shard(ctx, r, shard.Index)
	if err != nil {
		return nil, err
	}
	return &manifestSource{ctx: ctx, router: r, files: plan.Files, pieces: pieces, named: len(files) > 1, rng: plan.rangeOf(shard.Index)}, nil
}

// openStdin reads a whole manifest from stdin.
func openStdin(f Format, stdin io.Reader) (Source, error) {
	switch f {
	case FormatAuto, FormatNDJSON:
		// Hide stdin's Close: closing the reader must not close the
		// process's standard input.
		return NewNDJSONReader(struct{ io.Reader }{stdin}), nil
	case FormatCSV:
		cr, err := OpenCSV(struct{ io.Reader }{stdin}) // stdin is not closed
		if err != nil {
			return nil, errors.New("manifest -: " + err.Error())
		}
		return cr, nil
	case FormatParquet:
		file, err := spool(stdin)
		if err != nil {
			return nil, err
		}
		st, err := file.Stat()
		if err != nil {
			file.Close()
			return nil, err
		}
		pr, err := openParquet("(stdin)", file, st.Size(), 0, -1, "")
		if err != nil {
			file.Close()
			return nil, err
		}
		return pr, nil
	}
	return nil, errors.New("manifest format " + f.String() + " is not readable on stdin (want ndjson, csv or parquet)")
}

// manifestSource reads a shard's pieces of a manifest one after the other,
// opening each when the one before it ends.
type manifestSource struct {
	ctx    context.Context
	router *store.Router
	files  []ManifestFile
	pieces []Piece
	named  bool
	rng    ShardRange

	k   int    // the next piece to open
	cur Source // the piece being read
	// curName names cur's file in read errors of a manifest of many files.
	curName string
}

// Total returns the records of the shard's Parquet pieces, or -1 when a
// line-format piece makes the count unknown.
func (m *manifestSource) Total() int64 {
	var n int64
	for _, pc := range m.pieces {
		if m.files[pc.File].Format != FormatParquet {
			return -1
		}
		n += pc.EndRow - pc.FirstRow
	}
	return n
}

// ReadBatch fills b from the current piece, and from the next ones when a
// piece ends before b is full.
func (m *manifestSource) ReadBatch(b *Batch) error {
	for {
		if m.cur == nil {
			if m.k >= len(m.pieces) {
				return io.EOF
			}
			src, err := m.open(m.pieces[m.k])
			if err != nil {
				return err
			}
			m.cur, m.curName = src, m.files[m.pieces[m.k].File].Name
			m.k++
		}
		err := m.cur.ReadBatch(b)
		if !errors.Is(err, io.EOF) {
			if err != nil && m.named && !errors.Is(err, ErrCorruptManifest) {
				err = fmt.Errorf("manifest %s: %w", m.curName, err)
			}
			return err
		}
		if err := m.cur.Close(); err != nil {
			return err
		}
		m.cur = nil
		if b.Full() {
			return nil
		}
	}
}

// Close closes the piece being read.
func (m *manifestSource) Close() error {
	m.k = len(m.pieces)
	if m.cur != nil {
		err := m.cur.Close()
		m.cur = nil
		return err
	}
	return nil
}

// open opens one piece for reading.
func (m *manifestSource) open(pc Piece) (Source, error) {
	f := &m.files[pc.File]
	st, err := m.router.For(f.Name)
	if err != nil {
		return nil, err
	}
	var name string // what rows carry
	if m.named {
		name = f.Name
	}
	switch f.Format {
	case FormatNDJSON:
		lr := newLineRange(m.ctx, st, f.Object, pc.Start, pc.End)
		nr := NewNDJSONReader(lr)
		nr.file = name
		if pc.Start > 0 {
			nr.base = &lineBase{offset: pc.Start, count: func() (int64, error) {
				// lr.first is set before the first row is read.
				return countLines(m.ctx, st, f.Object, lr.first)
			}}
		}
		return nr, nil
	case FormatParquet:
		ra, err := st.OpenReaderAt(m.ctx, f.Object)
		if err != nil {
			return nil, err
		}
		src, err := openParquet(f.Name, ra, ra.Size(), pc.FirstRow, pc.EndRow, name)
		if err != nil {
			ra.Close()
			return nil, err
		}
		return src, nil
	case FormatCSV:
		return openCSVPiece(m.ctx, st, f.Object, pc, name)
	}
	return nil, errors.New("manifest " + f.Name + ": format " + f.Format.String() + " is not readable")
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

// openCSVPiece opens one shard's piece of a CSV manifest: every shard of a
// file reads the header line from offset 0, then the rows of its piece,
// the lines that start in [max(pc.Start, headerEnd), pc.End), numbered as
// NDJSON's are (line numbers count the header). A quoted field holding a
// line break is a reject (csv.go), so a split point never falls inside a
// row.
func openCSVPiece(ctx context.Context, st store.Store, obj store.Object, pc Piece, name string) (Source, error) {
	if pc.Start <= 0 {
		cr, err := OpenCSV(newLineRange(ctx, st, obj, 0, pc.End))
		if err != nil {
			return nil, errors.New("manifest " + obj.Name + ": " + err.Error())
		}
		cr.file = name
		return cr, nil
	}
	// The header: the one line that starts in [0, 1).
	hr := newLineRange(ctx, st, obj, 0, 1)
	line, err := io.ReadAll(io.LimitReader(hr, DefaultMaxLine+1))
	hr.Close()
	if err != nil {
		return nil, err
	}
	head, err := OpenCSV(bytes.NewReader(line))
	if err != nil {
		return nil, errors.New("manifest " + obj.Name + ": " + err.Error())
	}
	h := head.Header()
	start := max(pc.Start, int64(len(line))) // the header line's end
	if pc.End >= 0 && start >= pc.End {
		return emptySource{}, nil
	}
	lr := newLineRange(ctx, st, obj, start, pc.End)
	cr := NewCSVReader(lr, h, 1)
	cr.file = name
	cr.base = &lineBase{offset: start, count: func() (int64, error) {
		// lr.first is set before the first row is read.
		return countLines(ctx, st, obj, lr.first)
	}}
	return cr, nil
}

// emptySource is a Source of no rows.
type emptySource struct{}

func (emptySource) ReadBatch(*Batch) error { return io.EOF }
func (emptySource) Total() int64           { return 0 }
func (emptySource) Close() error           { return nil }
