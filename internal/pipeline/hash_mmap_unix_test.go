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
