//go:build unix

package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
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

// TestHashMappedPairLeavesAFaultToTheSinglePath: a file that shrinks under
// the pair's mapping is not blamed on both rows: the pair gives up (ok
// false) and the caller hashes each file alone, which names the one at
// fault.
func TestHashMappedPairLeavesAFaultToTheSinglePath(t *testing.T) {
	dir := t.TempDir()
	var files [2]*os.File
	var infos [2]os.FileInfo
	for i := range files {
		path := filepath.Join(dir, "body"+string(rune('0'+i)))
		if err := os.WriteFile(path, make([]byte, 1<<20), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if infos[i], err = f.Stat(); err != nil {
			t.Fatal(err)
		}
		files[i] = f
	}
	if err := os.Truncate(files[1].Name(), 0); err != nil {
		t.Fatal(err)
	}
	_, _, ok, err := hashMappedPair(context.Background(), files[0], infos[0], files[1], infos[1])
	if ok || err != nil {
		t.Fatalf("ok %v err %v, want the pair given up", ok, err)
	}
}
