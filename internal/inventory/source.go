package inventory

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// Skipped counts the records of a report that became no row.
type Skipped struct {
	// DeleteMarkers: records with IsDeleteMarker true.
	DeleteMarkers int64
	// Noncurrent: versions with IsLatest false (kept, and not counted,
	// with Options.IncludeNoncurrent).
	Noncurrent int64
}

// record is one object of a report, as a data file gives it.
type record struct {
	bucket, key, versionID string
	keyErr                 error // the key could not be decoded
	notLatest, deleteMark  bool
}

// recordReader reads the records of one data file; io.EOF at the end.
type recordReader interface {
	next(*record) error
	close() error
}

// Source is a pipeline.Source of a report, or of a shard's share of it:
// the rows of its data files, in manifest order, each named by its data
// file and its record number there (from 1, the skipped records included,
// so a number names one record whatever the options).
//
// A shard reads whole data files: the files laid end to end by their sizes
// in the manifest, a shard owns those whose first byte lies in its
// pipeline.Shard.ByteRange, so the shards' outputs, concatenated in shard
// order, are the whole report's. (Inventory data files are gzip'd CSV,
// which cannot be split, or Parquet of a few row groups; a report has as
// many files as S3 chose to write.)
type Source struct {
	m       *Manifest
	ctx     context.Context
	files   []File // this shard's
	next    int    // index of the next file to open
	cur     *FileSource
	skipped Skipped
}

// Source returns the shard's rows of the report as one pipeline.Source.
// Each data file is checked against its size and MD5 as it is read (see
// OpenFile); a mismatch is an error wrapping ErrChecksum from ReadBatch,
// after the rows of a CSV file, before those of a Parquet file, and always
// before any row of a later file.
func (m *Manifest) Source(ctx context.Context, shard pipeline.Shard) *Source {
	return &Source{m: m, ctx: ctx, files: m.shardFiles(shard)}
}

// shardFiles returns the data files the shard owns.
func (m *Manifest) shardFiles(shard pipeline.Shard) []File {
	if shard.Count <= 1 {
		return m.files
	}
	var total int64
	for _, f := range m.files {
		total += f.Size
	}
	lo, hi := shard.ByteRange(total)
	last := shard.Index == shard.Count-1
	var files []File
	var g int64 // the file's first byte
	for _, f := range m.files {
		if g >= lo && (g < hi || last) {
			files = append(files, f)
		}
		g += f.Size
	}
	return files
}

// ReadBatch fills b with the next rows, opening the data files in turn.
func (s *Source) ReadBatch(b *pipeline.Batch) error {
	for !b.Full() {
		if s.cur == nil {
			if s.next >= len(s.files) {
				return io.EOF
			}
			f, err := s.m.OpenFile(s.ctx, s.files[s.next])
			if err != nil {
				return err
			}
			s.next++
			s.cur = f
		}
		err := s.cur.ReadBatch(b)
		if errors.Is(err, io.EOF) {
			s.skipped.DeleteMarkers += s.cur.skipped.DeleteMarkers
			s.skipped.Noncurrent += s.cur.skipped.Noncurrent
			s.cur.Close()
			s.cur = nil
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Skipped returns the records skipped so far.
func (s *Source) Skipped() Skipped {
	k := s.skipped
	if s.cur != nil {
		k.DeleteMarkers += s.cur.skipped.DeleteMarkers
		k.Noncurrent += s.cur.skipped.Noncurrent
	}
	return k
}

// Total returns -1: the records are counted only by reading them.
func (s *Source) Total() int64 { return -1 }

// Close closes the data file being read.
func (s *Source) Close() error {
	if s.cur != nil {
		err := s.cur.Close()
		s.cur = nil
		return err
	}
	return nil
}

// FileSource is a pipeline.Source of one data file of a report.
type FileSource struct {
	file    File
	opts    Options
	r       recordReader
	num     int64 // number of the last record read
	skipped Skipped
	rec     record
	query   []sigv4.QueryParam // versionId pairs; rows keep sub-slices
}

// OpenFile opens the data file f for its rows, numbered from 1 and named
// by the file, reading it once: its size is compared with the manifest's
// first (Stat), and its MD5 is computed as it is read. A CSV file is
// checked when its last record has been read: a mismatch is an error from
// ReadBatch after the file's rows, before io.EOF, so a run that reads it
// fails (its outputs never appear). A Parquet file is copied whole into an
// unlinked temporary file and checked before OpenFile returns (see
// spoolChecked). A mismatch is an error wrapping ErrChecksum; an ORC file
// is ErrUnsupportedFormat.
func (m *Manifest) OpenFile(ctx context.Context, f File) (*FileSource, error) {
	if f.Format == ORC {
		return nil, unsupported(f.Format)
	}
	obj, err := m.st.Stat(ctx, f.Name)
	if err != nil {
		return nil, fmt.Errorf("inventory data file %s: %w", f.Name, err)
	}
	if obj.Size != f.Size {
		return nil, sizeMismatch(f, obj.Size)
	}
	rc, err := m.st.OpenRange(ctx, obj, 0, -1)
	if err != nil {
		return nil, fmt.Errorf("inventory data file %s: %w", f.Name, err)
	}
	fs := &FileSource{file: f, opts: m.opts}
	switch f.Format {
	case CSV:
		fs.r, err = m.openCSV(rc, f)
	case Parquet:
		fs.r, err = openParquet(rc, f)
	}
	if err != nil {
		if errors.Is(err, ErrChecksum) {
			return nil, err
		}
		return nil, fmt.Errorf("inventory data file %s: %w", f.Name, err)
	}
	return fs, nil
}

func unsupported(f Format) error {
	return fmt.Errorf("%w: the report's fileFormat is %s, which batchsign cannot read (no well-kept Go %s reader); configure the inventory to write CSV or Parquet", ErrUnsupportedFormat, f, f)
}

// Total returns -1: the records are counted only by reading them.
func (s *FileSource) Total() int64 { return -1 }

// Close closes the data file.
func (s *FileSource) Close() error {
	if s.r == nil {
		return nil
	}
	err := s.r.close()
	s.r = nil
	return err
}

// Skipped returns the records of this file skipped so far.
func (s *FileSource) Skipped() Skipped { return s.skipped }

// ReadBatch fills b with the next rows of the file.
func (s *FileSource) ReadBatch(b *pipeline.Batch) error {
	for !b.Full() {
		rec := &s.rec
		*rec = record{}
		if err := s.r.next(rec); err != nil {
			if errors.Is(err, io.EOF) {
				return io.EOF
			}
			if errors.Is(err, ErrChecksum) {
				return err // it names the file; no record is to blame
			}
			return fmt.Errorf("inventory data file %s, record %d: %w", s.file.Name, s.num+1, err)
		}
		s.num++
		switch {
		case rec.deleteMark:
			s.skipped.DeleteMarkers++
			continue
		case rec.notLatest && !s.opts.IncludeNoncurrent:
			s.skipped.Noncurrent++
			continue
		}
		row := b.Append()
		row.Num, row.File = s.num, s.file.Name
		row.Bucket, row.Key, row.ID = rec.bucket, rec.key, rec.key
		if rec.keyErr != nil {
			row.Err = &sigerr.FieldError{Field: pipeline.FieldKey, Err: rec.keyErr}
			continue
		}
		if rec.versionID != "" {
			row.ID = rec.key + "?versionId=" + rec.versionID
			if len(s.query) == cap(s.query) {
				s.query = make([]sigv4.QueryParam, 0, 256) // the rows keep the old one
			}
			s.query = append(s.query, sigv4.QueryParam{Key: "versionId", Value: rec.versionID})
			n := len(s.query)
			row.Query = s.query[n-1 : n : n]
		}
	}
	return nil
}

// csvRecords reads a gzip'd CSV data file, hashing its bytes as they
// stream.
type csvRecords struct {
	rc                                io.ReadCloser
	sum                               *summer
	gz                                *gzip.Reader
	r                                 *csv.Reader
	bucket, key, version, latest, del int
}

// openCSV reads the records of f from rc, which it closes.
func (m *Manifest) openCSV(rc io.ReadCloser, f File) (recordReader, error) {
	sum := newSummer(rc, f)
	gz, err := gzip.NewReader(sum)
	if err != nil {
		cerr := sum.check()
		rc.Close()
		if cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	r := csv.NewReader(gz)
	r.FieldsPerRecord = len(m.columns)
	r.ReuseRecord = true
	return &csvRecords{rc: rc, sum: sum, gz: gz, r: r,
		bucket: columnIndex(m.columns, "Bucket"), key: columnIndex(m.columns, "Key"),
		version: columnIndex(m.columns, "VersionId"), latest: columnIndex(m.columns, "IsLatest"),
		del: columnIndex(m.columns, "IsDeleteMarker")}, nil
}

func (c *csvRecords) next(rec *record) error {
	f, err := c.r.Read()
	if err != nil {
		// The end of the file, or bytes gzip or CSV could not read: the
		// file's MD5 says which is to blame.
		if cerr := c.sum.check(); cerr != nil {
			return cerr
		}
		return err
	}
	rec.bucket = f[c.bucket]
	rec.key, rec.keyErr = decodeKey(f[c.key])
	if c.version >= 0 {
		rec.versionID = f[c.version]
	}
	if c.latest >= 0 {
		rec.notLatest = f[c.latest] == "false"
	}
	if c.del >= 0 {
		rec.deleteMark = f[c.del] == "true"
	}
	return nil
}

func (c *csvRecords) close() error {
	c.gz.Close()
	return c.rc.Close()
}

// decodeKey decodes a CSV report's key: URL-encoded as a form value, "+"
// for space and %XX for other bytes (a literal "+" is "%2B").
func decodeKey(k string) (string, error) {
	if !strings.ContainsAny(k, "%+") {
		return k, nil
	}
	d, err := url.QueryUnescape(k)
	if err != nil {
		return k, errors.New("not URL-encoded as S3 Inventory writes keys: " + strconv.Quote(k))
	}
	return d, nil
}

// pqRecord is the part of a Parquet report's schema a row needs.
type pqRecord struct {
	Bucket         string  `parquet:"bucket,optional"`
	Key            string  `parquet:"key,optional"`
	VersionID      *string `parquet:"version_id,optional"`
	IsLatest       *bool   `parquet:"is_latest,optional"`
	IsDeleteMarker *bool   `parquet:"is_delete_marker,optional"`
}

// pqRecords reads a Parquet data file from its checked local copy.
type pqRecords struct {
	f    *os.File
	r    *parquet.GenericReader[pqRecord]
	buf  []pqRecord
	i, n int
}

// openParquet copies f from rc (which it closes) into a temporary file,
// checking it, and opens the copy.
func openParquet(rc io.ReadCloser, f File) (_ recordReader, err error) {
	tmp, err := spoolChecked(rc, f)
	rc.Close()
	if err != nil {
		return nil, err
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("parquet: %v", v)
		}
		if err != nil {
			tmp.Close()
		}
	}()
	pf, err := parquet.OpenFile(tmp, f.Size)
	if err != nil {
		return nil, err
	}
	for _, c := range []string{"bucket", "key"} {
		if !hasColumn(pf.Schema(), c) {
			return nil, errors.New("no " + c + " column")
		}
	}
	return &pqRecords{f: tmp, r: parquet.NewGenericReader[pqRecord](pf), buf: make([]pqRecord, 256)}, nil
}

func hasColumn(s *parquet.Schema, name string) bool {
	_, ok := s.Lookup(name)
	return ok
}

func (p *pqRecords) next(rec *record) (err error) {
	if p.i == p.n {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("parquet: %v", v)
			}
		}()
		clear(p.buf)
		n, err := p.r.Read(p.buf)
		p.i, p.n = 0, n
		if n == 0 {
			if err == nil {
				err = io.EOF
			}
			return err
		}
	}
	r := &p.buf[p.i]
	p.i++
	rec.bucket, rec.key = r.Bucket, r.Key
	if r.VersionID != nil {
		rec.versionID = *r.VersionID
	}
	rec.notLatest = r.IsLatest != nil && !*r.IsLatest
	rec.deleteMark = r.IsDeleteMarker != nil && *r.IsDeleteMarker
	return nil
}

func (p *pqRecords) close() error {
	p.r.Close()
	return p.f.Close()
}
