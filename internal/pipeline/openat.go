package pipeline

import "io"

// OpenParquetAt reads a Parquet manifest from random-access bytes that are
// not a local file (an S3 object read through ranged GETs), as OpenManifest
// reads a local one: decoder panics become errors wrapping
// ErrCorruptManifest that name the manifest. Closing the Source closes r
// when r is an io.Closer.
func OpenParquetAt(name string, r io.ReaderAt, size int64, shard Shard) (Source, error) {
	return openParquet(name, r, size, shard)
}
