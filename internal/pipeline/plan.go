package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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

// bytePieces returns the pieces of shard i, in manifest order, without
// their Parquet record ranges: a Parquet piece has Start and End (its share
// of the file's bytes) and needs the file's Rows (rowsOf) before it can be
// read.
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
	lo, hi := Shard{Index: i, Count: n}.ByteRange(total)
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

// Shard returns the pieces shard i reads, reading (through r) the footers
// of the Parquet files among them whose rows are not known yet.
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

// ShardRange is where a shard's share lies in its logical manifest, as the
// shard's --summary records it: bytes [Start, End) of the manifest's Bytes,
// its files laid end to end in manifest order. The ranges of shards
// 0…N-1 of one manifest follow one another from 0 to Bytes.
type ShardRange struct {
	Files int   `json:"files"`
	Bytes int64 `json:"manifest_bytes"`
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// rangeOf returns shard i's range of the plan's manifest.
func (p *ShardPlan) rangeOf(i int64) ShardRange {
	var total int64
	for _, f := range p.Files {
		total += max(f.Size, 0)
	}
	n := max(p.Count, 1)
	return ShardRange{Files: len(p.Files), Bytes: total, Start: mulDiv(total, i, n), End: mulDiv(total, i+1, n)}
}

// RangeOf returns the range of the manifest a Source from OpenManifest
// reads; false for stdin.
func RangeOf(src Source) (ShardRange, bool) {
	m, ok := src.(*manifestSource)
	if !ok {
		return ShardRange{}, false
	}
	return m.rng, true
}

// PlanReport is how a manifest splits into shards, as `batchsign plan`
// prints it.
type PlanReport struct {
	ShardCount int64      `json:"shard_count"`
	Files      []PlanFile `json:"files"`
	Bytes      int64      `json:"bytes"`
	// Rows is exact for Parquet files; for line formats it is estimated
	// from the first 64 KiB of each file (RowsExact false).
	Rows      int64       `json:"rows"`
	RowsExact bool        `json:"rows_exact"`
	Shards    []PlanShard `json:"shards"`
}

// PlanFile is one file of the manifest.
type PlanFile struct {
	Name      string `json:"name"`
	Format    string `json:"format"`
	Bytes     int64  `json:"bytes"`
	Rows      int64  `json:"rows"`
	RowGroups int    `json:"row_groups,omitempty"`
}

// PlanShard is one shard's share: its range of the manifest's bytes, the
// pieces of files it reads, and its rows (exact for Parquet, estimated for
// line formats).
type PlanShard struct {
	Index     int64       `json:"index"`
	Range     [2]int64    `json:"range"`
	Bytes     int64       `json:"bytes"`
	Rows      int64       `json:"rows"`
	RowsExact bool        `json:"rows_exact"`
	Pieces    []PlanPiece `json:"pieces"`
}

// PlanPiece is the part of one file a shard reads: for a line format, the
// lines that start in Bytes [start, end); for Parquet, records Records
// [first, end) in row groups RowGroups [first, end).
type PlanPiece struct {
	File      string    `json:"file"`
	Bytes     [2]int64  `json:"bytes"`
	Records   *[2]int64 `json:"records,omitempty"`
	RowGroups *[2]int   `json:"row_groups,omitempty"`
	Rows      int64     `json:"rows"`
}

// lineSample is how much of a line-format file Describe reads to estimate
// its rows.
const lineSample = 64 << 10

// Describe reads the footers of every Parquet file and the first 64 KiB of
// every line-format file, and returns how the manifest splits.
func (p *ShardPlan) Describe(ctx context.Context, r *store.Router) (*PlanReport, error) {
	rep := &PlanReport{ShardCount: max(p.Count, 1), RowsExact: true}
	perByte := make([]float64, len(p.Files)) // line formats: rows per byte
	for k := range p.Files {
		f := &p.Files[k]
		pf := PlanFile{Name: f.Name, Format: f.Format.String(), Bytes: f.Size}
		switch {
		case f.Format == FormatParquet && f.Size > 0:
			if f.Rows < 0 {
				if err := readFooter(ctx, r, f); err != nil {
					return nil, err
				}
			}
			pf.Rows, pf.RowGroups = f.Rows, len(f.GroupRows)
		case f.Size > 0:
			rate, err := sampleLines(ctx, r, f.Object)
			if err != nil {
				return nil, err
			}
			perByte[k] = rate
			pf.Rows = int64(rate*float64(f.Size) + 0.5)
			rep.RowsExact = false
		}
		rep.Files = append(rep.Files, pf)
		rep.Bytes += max(f.Size, 0)
		rep.Rows += pf.Rows
	}
	for i := range rep.ShardCount {
		pieces, err := p.Shard(ctx, r, i)
		if err != nil {
			return nil, err
		}
		rng := p.rangeOf(i)
		sh := PlanShard{Index: i, Range: [2]int64{rng.Start, rng.End}, Bytes: rng.End - rng.Start, RowsExact: true, Pieces: []PlanPiece{}}
		for _, pc := range pieces {
			f := &p.Files[pc.File]
			pp := PlanPiece{File: f.Name, Bytes: [2]int64{pc.Start, pc.End}}
			if f.Format == FormatParquet {
				pp.Records = &[2]int64{pc.FirstRow, pc.EndRow}
				pp.RowGroups = &[2]int{groupOf(f.GroupRows, pc.FirstRow), groupOf(f.GroupRows, pc.EndRow-1) + 1}
				pp.Rows = pc.EndRow - pc.FirstRow
			} else {
				pp.Rows = int64(perByte[pc.File]*float64(pc.End-pc.Start) + 0.5)
				sh.RowsExact = false
			}
			sh.Rows += pp.Rows
			sh.Pieces = append(sh.Pieces, pp)
		}
		rep.Shards = append(rep.Shards, sh)
	}
	return rep, nil
}

// groupOf returns the row group that holds record rec.
func groupOf(groupRows []int64, rec int64) int {
	var at int64
	for g, n := range groupRows {
		if rec < at+n {
			return g
		}
		at += n
	}
	return max(len(groupRows)-1, 0)
}

// sampleLines estimates the rows per byte of a line-format file from its
// first lineSample bytes (a final line without a newline counts).
func sampleLines(ctx context.Context, r *store.Router, obj store.Object) (float64, error) {
	st, err := r.For(obj.Name)
	if err != nil {
		return 0, err
	}
	end := min(obj.Size, lineSample)
	rc, err := st.OpenRange(ctx, obj, 0, end)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	buf, err := io.ReadAll(rc)
	if err != nil {
		return 0, err
	}
	lines := bytes.Count(buf, []byte{'\n'})
	if len(buf) > 0 && buf[len(buf)-1] != '\n' && int64(len(buf)) == obj.Size {
		lines++
	}
	if len(buf) == 0 {
		return 0, nil
	}
	return float64(lines) / float64(len(buf)), nil
}
