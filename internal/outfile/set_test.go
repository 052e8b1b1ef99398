package outfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetCommitsAllOrNothing: when one file of a Set cannot be committed,
// the files after it are not renamed either, and no temporary file is left.
func TestSetCommitsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("rejects.ndjson", []byte("previous run"), 0o600)
	s := openSet(t, context.Background(), "out.ndjson", "rejects.ndjson", "summary.json")
	for _, f := range s.Files() {
		f.Write([]byte("this run"))
	}
	os.Remove(s.Files()[0].tmp) // the output's temporary file vanishes
	err := s.Commit()
	if err == nil || !strings.Contains(err.Error(), "out.ndjson") || !strings.Contains(err.Error(), "nothing replaced") {
		t.Fatalf("Commit = %v", err)
	}
	if b, _ := os.ReadFile("rejects.ndjson"); string(b) != "previous run" {
		t.Errorf("rejects.ndjson = %q", b)
	}
	assertOnly(t, dir, "rejects.ndjson")
}

// TestSetCommitsFilesNotAborted: a run that failed aborts its output and
// commits its summary alone.
func TestSetCommitsFilesNotAborted(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s := openSet(t, context.Background(), "out.ndjson", "summary.json")
	out, sum := s.Files()[0], s.Files()[1]
	out.Write([]byte("half"))
	out.Abort()
	sum.Write([]byte(`{"exit_status":3}`))
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "summary.json")
	if b, _ := os.ReadFile(filepath.Join(dir, "summary.json")); string(b) != `{"exit_status":3}` {
		t.Errorf("summary.json = %q", b)
	}
}
