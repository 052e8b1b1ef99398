// Package pipeline turns a manifest of requests into presigned URLs or signed
// request headers, in bulk: it reads manifest rows (NDJSON, CSV or Parquet) in
// batches, keeps the rows of this shard, signs them on a bounded pool of
// workers with the engine's zero-allocation hot path, and writes the results
// (NDJSON, CSV or Parquet) in manifest order, with a rejects stream naming
// the row, field and reason for every row that could not be signed.
//
// Memory is bounded by the number of batches in flight, never by the size of
// the manifest: a batch is read, signed, written and recycled.
//
// A run is one Mode (presign, sign, verify, mac generate, mac verify) under
// one Scheme (sigv4, sigv2, azure-hmac, kms-mac; verify also auto). Each
// scheme's file declares its modes (modeDef, mode.go): the manifest fields
// their rows take, the output columns, what they need of a Config, and the
// row function. The readers know only manifest fields (fields.go) and the
// writers only columns (record.go), so a new scheme is its Scheme constant,
// its file and its line in modeDefs (and, for verify to judge it, its case
// in verify.go).
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
