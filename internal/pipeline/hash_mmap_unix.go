//go:build unix

package pipeline

import (
	"context"
	"os"
	"runtime/debug"
	"syscall"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// mmapMin is the smallest body file hashed from a memory mapping; below it
// one read costs less than setting a mapping up.
const mmapMin = 256 << 10

// openNonblock opens body files without blocking: a FIFO that replaced a
// checked name between Stat and Open must not hang the worker in open.
// Regular files ignore the flag.
const openNonblock = syscall.O_NONBLOCK

// hashMapped hashes a large regular file straight from a read-only mapping,
// so the bytes go from the page cache to SHA-256 without read()'s copy
// (a quarter of the time of a sign run over large bodies). ok is false when
// the file does not qualify or cannot be mapped; the caller then streams it.
// A file truncated under the mapping would fault: the fault becomes a
// recovered panic and an error for this row, never a crashed run.
func hashMapped(ctx context.Context, f *os.File, fi os.FileInfo) (sum [32]byte, n int64, ok bool, err error) {
	if !mappable(fi) {
		return sum, 0, false, nil
	}
	return hashMappedSize(ctx, f, int(fi.Size()))
}

// hashMappedSize maps size bytes of f and hashes them (see hashMapped),
// hashChunk bytes between two looks at ctx.
func hashMappedSize(ctx context.Context, f *os.File, size int) (sum [32]byte, n int64, ok bool, err error) {
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return sum, 0, false, nil
	}
	defer syscall.Munmap(data)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			sum, n, ok, err = [32]byte{}, 0, true, errFileChanged
		}
	}()
	h := sha256block.NewSHA256()
	for p := data; len(p) > 0; {
		if err := ctx.Err(); err != nil {
			return sum, 0, true, err
		}
		c := p[:min(len(p), hashChunk)]
		h.Write(c)
		p = p[len(c):]
	}
	copy(sum[:], h.Sum(nil))
	return sum, int64(len(data)), true, nil
}

// mappable reports whether a body file is hashed from a mapping.
func mappable(fi os.FileInfo) bool {
	return fi.Mode().IsRegular() && fi.Size() >= mmapMin && fi.Size() == int64(int(fi.Size()))
}
