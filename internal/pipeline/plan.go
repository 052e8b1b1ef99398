package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/bits"

	"github.com/batchsign/batchsign/internal/store"

	"github.com/parquet-go/parquet-go"
)

// ManifestFile is one file of a logical manifest: the object, its format
// and, for Parquet once its footer is read, its row counts.
type ManifestFile struct {
	store.Object
	Format Format
	// Rows is the number of records of a Parquet file (-1: footer not read;
	// line formats: always -1, unknown before reading).
	Rows int64
	// GroupRows are the records of each Parquet row group, in file order.
	GroupRows []int64
}

// Piece is the part of one manifest file that one shard reads.
//
// For a line format (NDJSON, CSV) it is the lines whose first byte lies in
// bytes [Start, End) of the file: a line belongs to the shard whose range
// holds its first byte, so a reader starting at Start > 0 skips to just
// after the first newline at or past Start-1, and reads on past End to the
// end of the line that crosses it (as Hadoop's input splits do). For
// Parquet it is records [FirstRow, EndRow) of the file (0-based).
type Piece struct {
	File       int // index in the plan's files
	Start, End int64
	// FirstRow and EndRow are set for Parquet files only.
	FirstRow, EndRow int64
}

// ShardPlan is how a logical manifest splits into Count contiguous shards.
//
// The split is decided from file sizes alone: the files, in manifest order,
// are laid end to end, and shard i owns bytes [W·i/N, W·(i+1)/N) of the W
// bytes, rounded down. A line-format file contributes the lines that start
// in the shard's bytes; a Parquet file of S bytes and R records gives
// record k the position k·S/R, so records split in proportion to bytes (a
// shard's record range needs only the footers of the files it touches).
// Concatenated in shard order, the shards' pieces are the whole manifest,
// each line and record exactly once.
type ShardPlan struct {
	Files []ManifestFile
	Count int64
}

// mulDiv returns floor(a·b/c) for 0 ≤ a, b and c > 0, with a·b/c < 2⁶³,
// without overflowing in a·b.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}

// ceilMulDiv returns ceil(a·b/c), as mulDiv.
func ceilMulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, r := bits.Div64(hi, lo, uint64(c))
	if r != 0 {
		q++
	}
	return int64(q)
}

// ErrUnsplittable: a sharded run was given a manifest whose size is not
// known (stdin, a pipe), which cannot be split into byte ranges.
var ErrUnsplittable = errors.New("a manifest that is a pipe or stdin cannot be split into shards; write it to a file first")

// Pieces returns the pieces of shard i, in manifest order, without their
// Parquet record ranges: a Parquet piece has Start and End (its share of
// the file's bytes) and needs Rows (ResolveRows) before it can be read.
func (p *ShardPlan) bytePieces(i int64) ([]Piece, error) {
	n := max(p.Count, 1)
	var total int64
	for _, f := range p.Files {
		if f.Size < 0 {
			if n > 1 {
				return nil, fmt.Errorf("manifest %s: %w", f.Name, ErrUnsplittable)
			}
			continue
		}
		total += f.Size
	}
	lo, hi := mulDiv(total, i, n), mulDiv(total, i+1, n)
	var pieces []Piece
	var g int64 // the file's first byte in the logical manifest
	for k, f := range p.Files {
		if f.Size < 0 { // one shard: the whole stream
			pieces = append(pieces, Piece{File: k, Start: 0, End: -1})
			continue
		}
		a, b := min(max(lo-g, 0), f.Size), min(max(hi-g, 0), f.Size)
		g += f.Size
		if a < b {
			pieces = append(pieces, Piece{File: k, Start: a, End: b})
		}
	}
	return pieces, nil
}

// rowsOf turns a Parquet piece's byte share into its record range.
func rowsOf(pc *Piece, f *ManifestFile) {
	if f.Size <= 0 || f.Rows <= 0 {
		pc.FirstRow, pc.EndRow = 0, 0
		return
	}
	pc.FirstRow = ceilMulDiv(pc.Start, f.Rows, f.Size)
	pc.EndRow = ceilMulDiv(pc.End, f.Rows, f.Size)
}

// Shard returns the pieces shard i reads, reading the footers of the
// Parquet files among them (through st) when their rows are not known yet.
// Empty pieces (a Parquet share holding no record) are left out.
func (p *ShardPlan) Shard(ctx context.Context, r *store.Router, i int64) ([]Piece, error) {
	pieces, err := p.bytePieces(i)
	if err != nil {
		return nil, err
	}
	out := pieces[:0]
	for _, pc := range pieces {
		f := &p.Files[pc.File]
		if f.Format == FormatParquet {
			if f.Rows < 0 && f.Size > 0 {
				if err := readFooter(ctx, r, f); err != nil {
					return nil, err
				}
			}
			rowsOf(&pc, f)
			if pc.FirstRow >= pc.EndRow {
				continue
			}
		}
		out = append(out, pc)
	}
	return out, nil
}

// readFooter fills f.Rows and f.GroupRows from f's Parquet footer, and
// checks the types of its manifest columns.
func readFooter(ctx context.Context, r *store.Router, f *ManifestFile) (err error) {
	defer containPanic(f.Name, &err)
	st, err := r.For(f.Name)
	if err != nil {
		return err
	}
	ra, err := st.OpenReaderAt(ctx, f.Object)
	if err != nil {
		return err
	}
	defer ra.Close()
	pf, err := parquet.OpenFile(ra, ra.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return fmt.Errorf("parquet manifest %s: %w", f.Name, err)
	}
	// A column of the wrong type is wrong for every record: say so before
	// anything is signed.
	if err := checkManifestSchema(pf.Schema(), newFieldSet()); err != nil {
		return fmt.Errorf("manifest %s: %w", f.Name, err)
	}
	f.GroupRows = f.GroupRows[:0]
	for _, g := range pf.Metadata().RowGroups {
		f.GroupRows = append(f.GroupRows, g.NumRows)
	}
	f.Rows = pf.NumRows()
	return nil
}
