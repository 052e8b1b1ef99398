package inventory

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/batchsign/batchsign/internal/store"
)

// dirStore is a store.Store of local files for tests; with prefix set
// ("s3://"), it serves names "s3://BUCKET/KEY" from root/BUCKET/KEY, as an
// S3 store would.
type dirStore struct {
	root, prefix string
	opened       []string // names opened, in order
}

func (d *dirStore) path(name string) (string, error) {
	if d.prefix == "" {
		return name, nil
	}
	rest, ok := strings.CutPrefix(name, d.prefix)
	if !ok {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return filepath.Join(d.root, filepath.FromSlash(rest)), nil
}

func (d *dirStore) Stat(_ context.Context, name string) (store.Object, error) {
	p, err := d.path(name)
	if err != nil {
		return store.Object{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return store.Object{}, err
	}
	return store.Object{Name: name, Size: fi.Size()}, nil
}

func (d *dirStore) List(ctx context.Context, arg string) ([]store.Object, error) {
	o, err := d.Stat(ctx, arg)
	return []store.Object{o}, err
}

func (d *dirStore) OpenRange(_ context.Context, obj store.Object, off, end int64) (io.ReadCloser, error) {
	p, err := d.path(obj.Name)
	if err != nil {
		return nil, err
	}
	d.opened = append(d.opened, obj.Name)
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	if end < 0 {
		return f, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, end-off), f}, nil
}

type fileReaderAt struct {
	*os.File
	size int64
}

func (f fileReaderAt) Size() int64 { return f.size }

func (d *dirStore) OpenReaderAt(_ context.Context, obj store.Object) (store.ReaderAt, error) {
	p, err := d.path(obj.Name)
	if err != nil {
		return nil, err
	}
	d.opened = append(d.opened, obj.Name)
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileReaderAt{f, fi.Size()}, nil
}
