package inventory

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/store"
)

// Format is an inventory data format, as manifest.json spells it.
type Format string

// The formats S3 Inventory writes.
const (
	CSV     Format = "CSV"
	Parquet Format = "Parquet"
	ORC     Format = "ORC"
)

// Errors callers branch on.
var (
	// ErrUnsupportedFormat: the report is in a format batchsign cannot
	// read (ORC).
	ErrUnsupportedFormat = errors.New("unsupported inventory format")
	// ErrChecksum: a data file's bytes do not match the MD5 (or size) that
	// manifest.json gives: the report is damaged or was replaced, and none
	// of the file's rows is used.
	ErrChecksum = errors.New("inventory data file does not match its MD5checksum")
	// ErrManifest: manifest.json is not a valid inventory manifest.
	ErrManifest = errors.New("invalid inventory manifest")
)

// Options change how a report becomes rows.
type Options struct {
	// IncludeNoncurrent keeps the versions that are not the latest
	// (IsLatest false) instead of skipping them. Delete markers are always
	// skipped: there is nothing to download.
	IncludeNoncurrent bool
}

// Manifest is a parsed manifest.json.
type Manifest struct {
	// Name is where manifest.json was read.
	Name string
	// SourceBucket is the bucket the report lists.
	SourceBucket string
	// DestinationBucket is the bucket the report was written to (the name
	// from destinationBucket's ARN).
	DestinationBucket string
	// Created is creationTimestamp.
	Created time.Time
	// Format is fileFormat; Schema is fileSchema as written.
	Format Format
	Schema string

	files   []File
	columns []string // CSV: fileSchema's column names
	st      store.Store
	opts    Options
}

// File is one data file of a report.
type File struct {
	// Name is the store name the file is read from (see the package
	// comment); Key is its key in the destination bucket.
	Name, Key string
	// Size is its length in bytes; MD5 its MD5 digest, as manifest.json
	// gives them.
	Size   int64
	MD5    [16]byte
	Format Format
}

// wire is manifest.json as S3 writes it.
type wire struct {
	SourceBucket      *string `json:"sourceBucket"`
	DestinationBucket *string `json:"destinationBucket"`
	Version           *string `json:"version"`
	CreationTimestamp *string `json:"creationTimestamp"`
	FileFormat        *string `json:"fileFormat"`
	FileSchema        *string `json:"fileSchema"`
	Files             *[]struct {
		Key         *string `json:"key"`
		Size        *int64  `json:"size"`
		MD5Checksum *string `json:"MD5checksum"`
	} `json:"files"`
}

// IsManifest reports whether data looks like an inventory manifest.json: a
// JSON object with the sourceBucket, fileFormat and files fields. It does
// not check them (Parse does).
func IsManifest(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, a := probe["sourceBucket"]
	_, b := probe["fileFormat"]
	_, c := probe["files"]
	return a && b && c
}

// maxManifestSize bounds manifest.json: a report of a billion objects lists
// a few thousand files, some hundreds of kilobytes of JSON.
const maxManifestSize = 64 << 20

// Open reads the inventory manifest.json name from st and checks it (see
// Parse). Its data files are named and found (for a local manifest.json,
// each must exist) but not read. A report in ORC is ErrUnsupportedFormat.
func Open(ctx context.Context, st store.Store, name string, opts Options) (*Manifest, error) {
	obj, err := st.Stat(ctx, name)
	if err != nil {
		return nil, err
	}
	if obj.Size > maxManifestSize {
		return nil, fmt.Errorf("%s: %w: %d bytes, more than %d", name, ErrManifest, obj.Size, maxManifestSize)
	}
	rc, err := st.OpenRange(ctx, obj, 0, -1)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m, err := Parse(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if m.Format == ORC {
		return nil, fmt.Errorf("%s: %w", name, unsupported(m.Format))
	}
	m.Name, m.st, m.opts = name, st, opts
	if err := m.nameFiles(ctx); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// Parse checks manifest.json strictly: every field S3 writes present and
// well formed (version 2016-11-30, a destinationBucket ARN
// arn:aws:s3:::NAME, creationTimestamp in milliseconds, fileFormat CSV,
// Parquet or ORC, a CSV fileSchema naming Bucket and Key, each file's key,
// size and 32-hex-digit MD5checksum). Fields S3 may add later are ignored.
// The files are not named (Open does).
func Parse(data []byte) (*Manifest, error) {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	bad := func(field, why string) error { return fmt.Errorf("%w: %s: %s", ErrManifest, field, why) }
	need := func(field string, v *string) (string, error) {
		if v == nil || *v == "" {
			return "", bad(field, "missing")
		}
		return *v, nil
	}
	m := &Manifest{}
	var err error
	if m.SourceBucket, err = need("sourceBucket", w.SourceBucket); err != nil {
		return nil, err
	}
	arn, err := need("destinationBucket", w.DestinationBucket)
	if err != nil {
		return nil, err
	}
	var ok bool
	if m.DestinationBucket, ok = cutARN(arn); !ok {
		return nil, bad("destinationBucket", strconv.Quote(arn)+" is not a bucket ARN (arn:aws:s3:::NAME)")
	}
	v, err := need("version", w.Version)
	if err != nil {
		return nil, err
	}
	if v != "2016-11-30" {
		return nil, bad("version", strconv.Quote(v)+" is not one this reader knows (2016-11-30)")
	}
	ts, err := need("creationTimestamp", w.CreationTimestamp)
	if err != nil {
		return nil, err
	}
	ms, perr := strconv.ParseInt(ts, 10, 64)
	if perr != nil || ms < 0 {
		return nil, bad("creationTimestamp", strconv.Quote(ts)+" is not milliseconds since 1970")
	}
	m.Created = time.UnixMilli(ms).UTC()
	ff, err := need("fileFormat", w.FileFormat)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.EqualFold(ff, string(CSV)):
		m.Format = CSV
	case strings.EqualFold(ff, string(Parquet)):
		m.Format = Parquet
	case strings.EqualFold(ff, string(ORC)):
		m.Format = ORC
	default:
		return nil, bad("fileFormat", strconv.Quote(ff)+": want CSV, Parquet or ORC")
	}
	if m.Schema, err = need("fileSchema", w.FileSchema); err != nil {
		return nil, err
	}
	if m.Format == CSV {
		for c := range strings.SplitSeq(m.Schema, ",") {
			m.columns = append(m.columns, strings.TrimSpace(c))
		}
		for _, req := range []string{"Bucket", "Key"} {
			if columnIndex(m.columns, req) < 0 {
				return nil, bad("fileSchema", "no "+req+" column in "+strconv.Quote(m.Schema))
			}
		}
	}
	if w.Files == nil {
		return nil, bad("files", "missing")
	}
	for i, f := range *w.Files {
		where := "files[" + strconv.Itoa(i) + "]"
		key, err := need(where+".key", f.Key)
		if err != nil {
			return nil, err
		}
		if err := checkKey(key); err != nil {
			return nil, bad(where+".key", err.Error())
		}
		if f.Size == nil || *f.Size < 0 {
			return nil, bad(where+".size", "missing or negative")
		}
		sum, err := need(where+".MD5checksum", f.MD5Checksum)
		if err != nil {
			return nil, err
		}
		file := File{Key: key, Size: *f.Size, Format: m.Format}
		if len(sum) != 2*len(file.MD5) {
			return nil, bad(where+".MD5checksum", strconv.Quote(sum)+" is not 32 hex digits")
		}
		if _, err := hex.Decode(file.MD5[:], []byte(sum)); err != nil {
			return nil, bad(where+".MD5checksum", strconv.Quote(sum)+" is not 32 hex digits")
		}
		m.files = append(m.files, file)
	}
	return m, nil
}

// cutARN returns the bucket of an S3 bucket ARN in any partition
// (arn:aws-cn:s3:::NAME, arn:aws-us-gov:s3:::NAME).
func cutARN(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "s3" || parts[3] != "" || parts[4] != "" || parts[5] == "" || strings.Contains(parts[5], "/") {
		return "", false
	}
	return parts[5], true
}

// checkKey refuses data file keys that would leave the inventory tree when
// joined to a local directory.
func checkKey(key string) error {
	if strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) {
		return errors.New(strconv.Quote(key) + ": not a relative key")
	}
	for el := range strings.SplitSeq(key, "/") {
		if el == ".." || el == "." || el == "" {
			return errors.New(strconv.Quote(key) + ": empty, . or .. path element")
		}
	}
	return nil
}

func columnIndex(cols []string, name string) int {
	for i, c := range cols {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// nameFiles gives each file its store name: s3://DEST/KEY for a manifest
// read from s3://, else KEY under the nearest ancestor directory of
// manifest.json that holds it.
func (m *Manifest) nameFiles(ctx context.Context) error {
	if store.IsURL(m.Name) {
		scheme, _, _ := strings.Cut(m.Name, "://")
		for i := range m.files {
			m.files[i].Name = scheme + "://" + m.DestinationBucket + "/" + m.files[i].Key
		}
		return nil
	}
	dir := filepath.Dir(m.Name)
	for i := range m.files {
		f := &m.files[i]
		for d := dir; ; {
			cand := filepath.Join(d, filepath.FromSlash(f.Key))
			if _, err := m.st.Stat(ctx, cand); err == nil {
				f.Name = cand
				break
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			up := filepath.Dir(d)
			if up == d {
				return fmt.Errorf("data file %s: not found under %s or any directory above it (download the whole inventory tree, keeping its keys as paths)", f.Key, dir)
			}
			d = up
		}
	}
	return nil
}

// Files returns the report's data files, in manifest order.
func (m *Manifest) Files() []File { return m.files }
