package s3store

import (
	"context"

	"github.com/batchsign/batchsign/internal/store"
)

// OpenReaderAtBlocks is OpenReaderAt with a chosen block size and count.
func OpenReaderAtBlocks(s *Store, ctx context.Context, obj store.Object, blockSize int64, blocks int) (store.ReaderAt, error) {
	return s.openReaderAt(ctx, obj, blockSize, blocks)
}
