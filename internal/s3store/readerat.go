package s3store

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/batchsign/batchsign/internal/store"
)

// Block cache sizes of OpenReaderAt. A Parquet reader reads the footer,
// then each row group's column chunks, each one sequentially: one stream
// per column. Eight 4 MiB blocks (32 MiB at most, blocks in flight
// included) hold a block and the one fetched ahead for four columns read
// in step, each GET large enough that its latency is small beside its
// transfer; the cache is a third of a run's live memory when both the
// manifest and the output are in S3, and the garbage collector doubles it
// (see TestS3ParquetManifest1GBPeakRSS in cmd/batchsign: under 200 MB of
// RSS for a 1 GB manifest).
const (
	DefaultBlockSize = 4 << 20
	DefaultBlocks    = 8
)

// OpenReaderAt gives random access to obj through ranged GETs of aligned
// blocks of DefaultBlockSize bytes, kept in an LRU cache of DefaultBlocks
// blocks. A read of block b when block b-1 is cached (sequential access)
// also starts fetching block b+1. The object's ETag, taken from the first
// GET, conditions the later ones: an object replaced while it is read
// gives an error wrapping ErrChanged. Close stops the fetches in flight.
func (s *Store) OpenReaderAt(ctx context.Context, obj store.Object) (store.ReaderAt, error) {
	return s.openReaderAt(ctx, obj, DefaultBlockSize, DefaultBlocks)
}

func (s *Store) openReaderAt(ctx context.Context, obj store.Object, blockSize int64, blocks int) (*readerAt, error) {
	bucket, key, err := splitObject(obj.Name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	return &readerAt{
		s: s, obj: obj, bucket: bucket, key: key, ctx: ctx, cancel: cancel,
		bs: blockSize, max: max(blocks, 2), cache: map[int64]*block{},
	}, nil
}

type readerAt struct {
	s           *Store
	obj         store.Object
	bucket, key string
	ctx         context.Context
	cancel      context.CancelFunc
	bs          int64
	max         int // blocks cached, those in flight included

	mu    sync.Mutex
	cache map[int64]*block
	tick  uint64 // LRU clock
	etag  string // "" until the first GET answers
	wg    sync.WaitGroup
}

// block is one aligned block: data is valid once done is closed and err is
// nil.
type block struct {
	idx  int64
	data []byte
	err  error
	done chan struct{}
	used uint64
}

func (r *readerAt) Size() int64 { return r.obj.Size }

// ReadAt reads len(p) bytes at off from the cached blocks, fetching the
// missing ones; it is safe for concurrent use.
func (r *readerAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%s: negative offset %d", r.obj.Name, off)
	}
	n := 0
	for n < len(p) && off+int64(n) < r.obj.Size {
		pos := off + int64(n)
		b := r.get(pos / r.bs)
		select {
		case <-b.done:
		case <-r.ctx.Done():
			return n, fmt.Errorf("reading %s: %w", r.obj.Name, r.ctx.Err())
		}
		if b.err != nil {
			return n, b.err
		}
		n += copy(p[n:], b.data[pos-b.idx*r.bs:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// get returns block i, cached or being fetched, and starts fetching block
// i+1 when i-1 is cached.
func (r *readerAt) get(i int64) *block {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.want(i)
	if _, seq := r.cache[i-1]; seq && (i+1)*r.bs < r.obj.Size {
		r.want(i + 1)
	}
	return b
}

// want returns block i, starting its fetch if it is not cached, and
// evicts the least recently used finished blocks beyond the cache's size.
// r.mu is held.
func (r *readerAt) want(i int64) *block {
	r.tick++
	if b, ok := r.cache[i]; ok {
		b.used = r.tick
		return b
	}
	b := &block{idx: i, done: make(chan struct{}), used: r.tick}
	r.cache[i] = b
	for len(r.cache) > r.max {
		var old *block
		for _, c := range r.cache {
			select {
			case <-c.done:
				if c != b && (old == nil || c.used < old.used) {
					old = c
				}
			default: // in flight: a reader waits for it
			}
		}
		if old == nil {
			break
		}
		delete(r.cache, old.idx)
	}
	r.wg.Add(1)
	go r.fetch(b)
	return b
}

// fetch GETs block b. The first GET to answer records the ETag; the others
// are conditional on it.
func (r *readerAt) fetch(b *block) {
	defer r.wg.Done()
	defer close(b.done)
	off := b.idx * r.bs
	end := min(off+r.bs, r.obj.Size)
	in := &s3.GetObjectInput{Bucket: &r.bucket, Key: &r.key, Range: aws.String(byteRange(off, end))}
	r.mu.Lock()
	if r.etag != "" {
		in.IfMatch = aws.String(r.etag)
	}
	r.mu.Unlock()
	out, err := r.s.api.GetObject(r.ctx, in)
	if err != nil {
		b.err = opError("read", r.obj.Name, err)
		return
	}
	defer out.Body.Close()
	if tag := aws.ToString(out.ETag); tag != "" {
		r.mu.Lock()
		if r.etag == "" {
			r.etag = tag
		} else if r.etag != tag {
			b.err = fmt.Errorf("reading %s: %w", r.obj.Name, ErrChanged)
		}
		r.mu.Unlock()
		if b.err != nil {
			return
		}
	}
	b.data = make([]byte, end-off)
	if _, err := io.ReadFull(out.Body, b.data); err != nil {
		b.data, b.err = nil, fmt.Errorf("reading %s bytes %d-%d: %w", r.obj.Name, off, end-1, err)
	}
}

// Close stops the fetches in flight, waits for them and drops the cache.
func (r *readerAt) Close() error {
	r.cancel()
	r.wg.Wait()
	r.mu.Lock()
	r.cache = map[int64]*block{}
	r.mu.Unlock()
	return nil
}
