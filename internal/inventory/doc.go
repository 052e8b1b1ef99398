// Package inventory reads an Amazon S3 Inventory report as a manifest: its
// manifest.json, then each data file it lists, in order, each read once
// and checked against the size and MD5 the manifest gives as it is read.
// A CSV file's bytes are hashed under the gzip reader while its rows
// stream, and a mismatch is an error after its last row (the caller's run
// fails, and its outputs, which appear whole or not at all, never show a
// row of the file); a Parquet file, which is read footer first and only
// in the columns a row needs, is copied whole into an unlinked temporary
// file while hashed, and checked before its first row.
//
// S3 writes a report for a bucket every day or week: a manifest.json naming
// the source bucket, the destination bucket (an ARN), the data format (CSV,
// Parquet or ORC), its schema and the data files (key, size, MD5). Each
// object of the report becomes one row to presign: bucket and key from the
// report, versionId in the query when the report lists versions, id the key
// (with "?versionId=…" when versioned). Delete markers are skipped, and so
// are versions that are not the latest unless Options.IncludeNoncurrent;
// both are counted (Source.Skipped).
//
// CSV data files are gzip'd, without a header line, their columns named by
// fileSchema; keys are URL-encoded as HTML forms encode them (space as "+",
// a literal "+" as "%2B") and are decoded here. Parquet data files have
// snake_case columns (bucket, key, version_id, is_latest,
// is_delete_marker, …) and raw keys. ORC is refused (ErrUnsupportedFormat):
// no well-kept Go ORC reader exists.
//
// Data files are named from where manifest.json was read: for
// "s3://bucket/…/manifest.json", "s3://DESTINATION-BUCKET/KEY"; for a local
// manifest.json (a downloaded copy of the inventory tree), the file KEY
// under the nearest directory above manifest.json that holds it.
package inventory
