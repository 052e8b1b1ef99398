//go:build unix

package pipeline

import (
	"context"
	"errors"
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

// errFileChanged reports a body file that shrank while it was being hashed.
var errFileChanged = errors.New("file changed while it was being hashed")

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

// hashMappedPair hashes two large regular files from read-only mappings,
// their common length of whole blocks in one two-lane pass
// (sha256block.Block2: on SHA-NI and ARMv8 SHA2 the second stream fills
// the gaps the first leaves, about 1.3 times the bytes per CPU second of
// two single passes), then the rest of each alone, hashChunk bytes of each
// between two looks at ctx. ok is false when either file does not qualify,
// cannot be mapped, or faults under its mapping (shrank while hashed): the
// caller then hashes each by itself, which names the file at fault.
func hashMappedPair(ctx context.Context, f0 *os.File, fi0 os.FileInfo, f1 *os.File, fi1 os.FileInfo) (sum0, sum1 [32]byte, ok bool, err error) {
	if !mappable(fi0) || !mappable(fi1) {
		return sum0, sum1, false, nil
	}
	d0, err := syscall.Mmap(int(f0.Fd()), 0, int(fi0.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return sum0, sum1, false, nil
	}
	defer syscall.Munmap(d0)
	d1, err := syscall.Mmap(int(f1.Fd()), 0, int(fi1.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return sum0, sum1, false, nil
	}
	defer syscall.Munmap(d1)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			sum0, sum1, ok, err = [32]byte{}, [32]byte{}, false, nil
		}
	}()
	h0, h1 := sha256block.IV, sha256block.IV
	both := min(len(d0), len(d1)) &^ (sha256block.BlockSize - 1)
	for done := 0; done < both; {
		if err := ctx.Err(); err != nil {
			return sum0, sum1, true, err
		}
		n := min(both-done, hashChunk)
		sha256block.Block2(&h0, &h1, d0[done:done+n], d1[done:done+n])
		done += n
	}
	if sum0, err = finishMapped(ctx, h0, both, d0); err != nil {
		return sum0, sum1, true, err
	}
	sum1, err = finishMapped(ctx, h1, both, d1)
	return sum0, sum1, true, err
}

// finishMapped hashes data[done:] into h, which has absorbed data[:done]
// (a multiple of the block size), and returns data's SHA-256: whole blocks
// hashChunk bytes at a time between two looks at ctx, then the last ones
// with the padding.
func finishMapped(ctx context.Context, h [8]uint32, done int, data []byte) ([32]byte, error) {
	for len(data)-done > hashChunk {
		if err := ctx.Err(); err != nil {
			return [32]byte{}, err
		}
		sha256block.Block(&h, data[done:done+hashChunk])
		done += hashChunk
	}
	if err := ctx.Err(); err != nil {
		return [32]byte{}, err
	}
	return sha256block.Sum(h, uint64(done), data[done:]), nil
}
