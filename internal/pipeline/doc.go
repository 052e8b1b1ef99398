// Package pipeline turns a manifest of requests into presigned URLs or signed
// request headers, in bulk: it reads manifest rows (NDJSON or Parquet) in
// batches, keeps the rows of this shard, signs them on a bounded pool of
// workers with the engine's zero-allocation hot path, and writes the results
// (NDJSON, CSV or Parquet) in manifest order, with a rejects stream naming
// the row, field and reason for every row that could not be signed.
//
// Memory is bounded by the number of batches in flight, never by the size of
// the manifest: a batch is read, signed, written and recycled.
//
// The package knows nothing of signature internals beyond engine's API,
// signs at the instant given in Config (it reads the clock only to report
// elapsed time) and never prints secret material: errors and rejects name
// fields, not values of credentials.
//
// A run is:
//
//	src, _ := OpenManifest(path, FormatAuto, shard, os.Stdin)
//	out, _ := NewWriter(w, FormatNDJSON, cfg.Mode, cfg.Scheme)
//	stats, err := Run(ctx, cfg, src, out, NewRejectWriter(rw), nil)
//	if err == nil {
//		err = out.Close()
//	}
package pipeline
