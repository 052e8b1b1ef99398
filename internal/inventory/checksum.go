package inventory

import (
	"crypto/md5"
	"crypto/subtle"
	"fmt"
	"hash"
	"io"
	"os"
)

// summer is a data file's bytes as they are read, hashed on the way: the
// one read of a data file both feeds its rows and checks its MD5, so a file
// is never fetched twice.
type summer struct {
	r    io.Reader
	file File
	h    hash.Hash
	n    int64 // bytes read so far
}

func newSummer(r io.Reader, f File) *summer { return &summer{r: r, file: f, h: md5.New()} }

func (s *summer) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	return n, err
}

// check reads what the decoder above left of the file (gzip stops before
// trailing bytes; a decoder that failed stops anywhere), at most one byte
// past the size the manifest gives, and compares the length and MD5 with
// the manifest's: a mismatch is an error wrapping ErrChecksum.
func (s *summer) check() error {
	if _, err := io.Copy(io.Discard, io.LimitReader(s, max(s.file.Size-s.n, 0)+1)); err != nil {
		return fmt.Errorf("inventory data file %s: %w", s.file.Name, err)
	}
	if s.n != s.file.Size {
		return sizeMismatch(s.file, s.n)
	}
	if sum := s.h.Sum(nil); subtle.ConstantTimeCompare(sum, s.file.MD5[:]) != 1 {
		return fmt.Errorf("%w: %s has MD5 %x, the manifest says %x", ErrChecksum, s.file.Name, sum, s.file.MD5)
	}
	return nil
}

func sizeMismatch(f File, n int64) error {
	return fmt.Errorf("%w: %s is %d bytes, the manifest says %d", ErrChecksum, f.Name, n, f.Size)
}

// spoolChecked copies the data file r reads, f, into an unlinked temporary
// file while hashing it, checks it, and returns the copy rewound. Parquet
// is read footer first and only the columns a row needs: ranged reads of
// the object would never see every byte, so its MD5 needs this one
// sequential read, and the rows are then read from the local copy (the
// object is fetched once; the copy's space is freed when it is closed).
func spoolChecked(r io.Reader, f File) (*os.File, error) {
	tmp, err := os.CreateTemp("", "batchsign-inventory-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("inventory data file %s: %w", f.Name, err)
	}
	os.Remove(tmp.Name())
	sum := newSummer(r, f)
	if _, err := io.Copy(tmp, io.LimitReader(sum, f.Size+1)); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("inventory data file %s: %w", f.Name, err)
	}
	if err := sum.check(); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		tmp.Close()
		return nil, err
	}
	return tmp, nil
}
