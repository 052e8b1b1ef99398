package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/batchsign/batchsign/internal/inventory"
	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/batchsign/batchsign/internal/store"
)

// openManifest opens the run's manifest: an S3 Inventory report when the
// argument is a file named manifest.json that holds an inventory manifest,
// else what pipeline.OpenManifest reads. skipped, for a report, counts the
// records that became no row; nil otherwise.
func openManifest(o *batchOptions, stdin io.Reader) (src pipeline.Source, skipped func() inventory.Skipped, err error) {
	if filepath.Base(o.manifest) == "manifest.json" && !store.IsURL(o.manifest) && isInventory(o.manifest) {
		m, err := inventory.Open(context.Background(), localStore{}, o.manifest, inventory.Options{IncludeNoncurrent: o.includeNoncurrent})
		if err != nil {
			return nil, nil, err
		}
		s := m.Source(context.Background(), o.shard)
		return s, s.Skipped, nil
	}
	src, err = pipeline.OpenManifest(o.manifest, o.inFormat, o.shard, stdin)
	return src, nil, err
}

// isInventory reports whether the file at path is an inventory
// manifest.json (an NDJSON manifest may have that name too).
func isInventory(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > 64<<20 {
		return false
	}
	data, err := os.ReadFile(path)
	return err == nil && inventory.IsManifest(data)
}

// openManifestExit is the exit status of a manifest that could not be
// opened: 3 when it exists but its content is broken (a corrupt file, an
// invalid inventory manifest), else 2.
func openManifestExit(err error) int {
	if errors.Is(err, pipeline.ErrCorruptManifest) || errors.Is(err, inventory.ErrManifest) {
		return exitFailed
	}
	return exitUsage
}

// localStore serves local files to the inventory reader. (The multi-file
// manifests bring internal/store's own local Store; this one goes when
// the inventory is routed through it.)
type localStore struct{}

func (localStore) Stat(_ context.Context, name string) (store.Object, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return store.Object{}, err
	}
	return store.Object{Name: name, Size: fi.Size()}, nil
}

func (s localStore) List(ctx context.Context, arg string) ([]store.Object, error) {
	o, err := s.Stat(ctx, arg)
	if err != nil {
		return nil, err
	}
	return []store.Object{o}, nil
}

func (localStore) OpenRange(_ context.Context, obj store.Object, off, end int64) (io.ReadCloser, error) {
	f, err := os.Open(obj.Name)
	if err != nil {
		return nil, err
	}
	if end < 0 {
		end = obj.Size
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, off, end-off), f}, nil
}

type localReaderAt struct {
	*os.File
	size int64
}

func (f localReaderAt) Size() int64 { return f.size }

func (localStore) OpenReaderAt(_ context.Context, obj store.Object) (store.ReaderAt, error) {
	f, err := os.Open(obj.Name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return localReaderAt{f, fi.Size()}, nil
}
