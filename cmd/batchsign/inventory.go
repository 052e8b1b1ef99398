package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/batchsign/batchsign/internal/inventory"
	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/batchsign/batchsign/internal/s3store"
	"github.com/batchsign/batchsign/internal/store"
)

// openManifest opens the run's manifest: an S3 Inventory report when the
// argument's last element is manifest.json and the file holds an inventory
// manifest, else an s3:// object (openS3Manifest), else what
// pipeline.OpenManifest reads. skipped, for a report, counts the records
// that became no row; nil otherwise.
func openManifest(ctx context.Context, o *batchOptions, stdin io.Reader) (src pipeline.Source, skipped func() inventory.Skipped, err error) {
	if path.Base(filepath.ToSlash(o.manifest)) == "manifest.json" {
		// A name no store serves here is left to OpenManifest.
		if st, err := manifestStores(o).For(o.manifest); err == nil && isInventory(ctx, st, o.manifest) {
			m, err := inventory.Open(ctx, st, o.manifest, inventory.Options{IncludeNoncurrent: o.includeNoncurrent})
			if err != nil {
				return nil, nil, err
			}
			s := m.Source(ctx, o.shard)
			return s, s.Skipped, nil
		}
	}
	if s3store.IsName(o.manifest) {
		src, err = openS3Manifest(ctx, o)
		return src, nil, err
	}
	src, err = pipeline.OpenManifest(o.manifest, o.inFormat, o.shard, stdin)
	return src, nil, err
}

// manifestStores serves the names an inventory report is read from: local
// files, and s3:// objects when the run has an S3 store.
func manifestStores(o *batchOptions) *store.Router {
	r := store.NewRouter(localStore{})
	if o.s3 != nil {
		r.Handle(s3store.Scheme, o.s3)
	}
	return r
}

// isInventory reports whether the object name is an inventory
// manifest.json (an NDJSON manifest may have that name too).
func isInventory(ctx context.Context, st store.Store, name string) bool {
	obj, err := st.Stat(ctx, name)
	if err != nil || obj.Size > 64<<20 {
		return false
	}
	rc, err := st.OpenRange(ctx, obj, 0, -1)
	if err != nil {
		return false
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
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
	if !fi.Mode().IsRegular() {
		return store.Object{}, &os.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
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
