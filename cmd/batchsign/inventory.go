package main

import (
	"context"
	"errors"
	"io"
	"path"
	"path/filepath"

	"github.com/batchsign/batchsign/internal/inventory"
	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/batchsign/batchsign/internal/store"
)

// openManifest opens the run's manifest: an S3 Inventory report when the
// one argument's last element is manifest.json and the object holds an
// inventory manifest, else what pipeline.OpenManifest reads (one file or
// many, this shard's share). skipped, for a report, counts the records that
// became no row; nil otherwise.
func openManifest(ctx context.Context, o *batchOptions, stdin io.Reader) (src pipeline.Source, skipped func() inventory.Skipped, err error) {
	r := o.router()
	if len(o.manifests) == 1 && path.Base(filepath.ToSlash(o.manifests[0])) == "manifest.json" {
		name := o.manifests[0]
		// A name no store serves here is left to OpenManifest.
		if st, err := r.For(name); err == nil && isInventory(ctx, st, name) {
			m, err := inventory.Open(ctx, st, name, inventory.Options{IncludeNoncurrent: o.includeNoncurrent})
			if err != nil {
				return nil, nil, err
			}
			s := m.Source(ctx, o.shard)
			return s, s.Skipped, nil
		}
	}
	src, err = pipeline.OpenManifest(ctx, r, o.manifests, o.inFormat, o.shard, stdin)
	return src, nil, err
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
