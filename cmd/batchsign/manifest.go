package main

import (
	"context"

	"github.com/batchsign/batchsign/internal/s3store"

	"github.com/batchsign/batchsign/internal/store"
)

// manifestRouter returns the Router manifest arguments are read through:
// local paths, and s3:// names when s3 is not nil.
func manifestRouter(s3 *s3store.Store) *store.Router {
	r := store.NewRouter(store.Local{})
	if s3 != nil {
		r.Handle(s3store.Scheme, s3)
	}
	return r
}

// router returns the Router the run's manifest is read through.
func (o *batchOptions) router() *store.Router { return manifestRouter(o.s3) }

// manifestFiles returns the local files the manifest arguments name, as
// (what, path) pairs for checkOutputs: an output must not replace any of
// them. Arguments that are URLs or name nothing are left to the run, which
// reports them.
func manifestFiles(args []string) [][2]string {
	var files [][2]string
	for _, arg := range args {
		if arg == "-" || store.IsURL(arg) {
			continue
		}
		objs, err := store.Local{}.List(context.Background(), arg)
		if err != nil {
			files = append(files, [2]string{"the manifest", arg})
			continue
		}
		for _, o := range objs {
			files = append(files, [2]string{"the manifest", o.Name})
		}
	}
	return files
}
