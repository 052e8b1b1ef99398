package outfile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openSet checks paths and opens them as one Set, aborted at the end of
// the test.
func openSet(t *testing.T, ctx context.Context, paths ...string) *Set {
	t.Helper()
	var dests []*Dest
	for _, p := range paths {
		d, err := Check(p)
		if err != nil {
			t.Fatal(err)
		}
		dests = append(dests, d)
	}
	s, err := Open(ctx, dests...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Abort)
	return s
}

func TestFileAppearsOnlyOnCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.ndjson")
	s := openSet(t, context.Background(), path)
	a := s.Files()[0]
	if filepath.Dir(a.tmp) != dir || !strings.HasPrefix(filepath.Base(a.tmp), ".out.ndjson.") || !strings.HasSuffix(a.tmp, tempSuffix) {
		t.Errorf("temp file %s is not a recognisable name beside %s", a.tmp, path)
	}
	a.Write([]byte("partial"))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("destination exists before Commit: %v", err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "partial" {
		t.Errorf("content = %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	s.Abort()
	a.Abort()
	if b, _ := os.ReadFile(path); string(b) != "partial" {
		t.Error("Abort after Commit removed the output")
	}
	assertOnly(t, dir, "out.ndjson")
}

func TestFileAbortLeavesOldContent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	os.WriteFile(path, []byte("previous run"), 0o644)
	s := openSet(t, context.Background(), path)
	s.Files()[0].Write([]byte("half of a new run"))
	s.Abort()
	if b, _ := os.ReadFile(path); string(b) != "previous run" {
		t.Errorf("content = %q", b)
	}
	assertOnly(t, dir, "out.csv")
}

func TestCheckInMissingDirectory(t *testing.T) {
	if _, err := Check(filepath.Join(t.TempDir(), "no", "such", "out.ndjson")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Check = %v, want ErrNotExist", err)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}

// TestFileLargeWrite writes past several write-back chunks (Linux
// starts write-back as it goes) and checks every byte arrives.
func TestFileLargeWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.ndjson")
	s := openSet(t, context.Background(), path)
	a := s.Files()[0]
	chunk := make([]byte, 700<<10) // not a divisor of the write-back chunk
	var want int64
	for i := 0; want < 5*writebackChunkSize+123; i++ {
		for j := range chunk {
			chunk[j] = byte(i + j)
		}
		n, err := a.Write(chunk[:len(chunk)-i%7])
		if err != nil {
			t.Fatal(err)
		}
		want += int64(n)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(got)) != want {
		t.Fatalf("size %d, want %d", len(got), want)
	}
	off := 0
	for i := 0; off < len(got); i++ {
		n := len(chunk) - i%7
		for j := range n {
			if got[off+j] != byte(i+j) {
				t.Fatalf("byte %d of write %d differs", j, i)
			}
		}
		off += n
	}
	assertOnly(t, dir, "big.ndjson")
}
