//go:build unix

package pipeline

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/batchsign/batchsign/internal/cputime"
)

// TestHashMappedSurvivesATruncatedFile: a body file that shrinks under the
// mapping (another process rewriting it mid-run) faults while being hashed;
// that must become an error for the row, not a crash of the run.
func TestHashMappedSurvivesATruncatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(path, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	_, _, ok, err := hashMappedSize(context.Background(), f, 1<<20)
	if !ok || !errors.Is(err, errFileChanged) {
		t.Fatalf("ok %v err %v, want a handled errFileChanged", ok, err)
	}
}

// BenchmarkHashBodies hashes two 4 MiB body files from the page cache per
// op, as a sign run over large bodies does, and reports MB/s and MB per CPU
// second beside BenchmarkSHA256StreamParallel's hot-buffer rate
// (bench/README.md, "Body files"): mmap is hashFile's path (hashMapped);
// read-256K streams through a reused 256 KiB buffer instead (the kernel
// copies where mmap maps pages); pair is what a sign run does with two body
// files (hashReadPair): both read through halves of a worker's 1 MiB
// buffer, one two-lane SHA-NI pass over both.
func BenchmarkHashBodies(b *testing.B) {
	const size = 4 << 20
	dir := b.TempDir()
	var files [2]*os.File
	var want [2][32]byte
	for i := range files {
		body := make([]byte, size)
		rand.Read(body)
		want[i] = sha256.Sum256(body)
		path := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(path, body, 0o600); err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	buf, pairBuf := make([]byte, 256<<10), make([]byte, hashBufSize)
	for _, c := range []struct {
		name string
		hash func(f0, f1 *os.File) (s0, s1 [32]byte)
	}{
		{"mmap", func(f0, f1 *os.File) (s0, s1 [32]byte) {
			s0, _, _, _ = hashMappedSize(context.Background(), f0, size)
			s1, _, _, _ = hashMappedSize(context.Background(), f1, size)
			return
		}},
		{"read-256K", func(f0, f1 *os.File) (s0, s1 [32]byte) {
			s0, _, _ = hashStream(context.Background(), io.NewSectionReader(f0, 0, size), buf)
			s1, _, _ = hashStream(context.Background(), io.NewSectionReader(f1, 0, size), buf)
			return
		}},
		{"pair", func(f0, f1 *os.File) (s0, s1 [32]byte) {
			s0, s1, _, _, _ = hashReadPair(context.Background(), f0, f1, size, size, pairBuf)
			return
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			if s0, s1 := c.hash(files[0], files[1]); s0 != want[0] || s1 != want[1] {
				b.Fatal("wrong digest")
			}
			b.SetBytes(2 * size)
			c0 := cputime.Process()
			for b.Loop() {
				c.hash(files[0], files[1])
			}
			b.ReportMetric(float64(b.N)*2*size/1e6/(cputime.Process()-c0).Seconds(), "MB/cpu-s")
		})
	}
}
