package outfile

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckSeesOneFileUnderEverySpelling: a symlinked directory, a symlink
// at the end of the path, a relative symlink and a hard link all lead Check
// to the one file.
func TestCheckSeesOneFileUnderEverySpelling(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("sub", 0o700)
	os.WriteFile("sub/in.ndjson", []byte("rows"), 0o600)
	os.Symlink("sub", "dl")
	os.Symlink("in.ndjson", "sub/rel")
	os.Symlink(filepath.Join(dir, "dl", "rel"), "abs")
	os.Link("sub/in.ndjson", "hard")
	in, err := os.Stat("sub/in.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sub/in.ndjson", "dl/in.ndjson", "dl/rel", "abs", "./dl/../sub/rel", "hard"} {
		d, err := Check(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !d.Replaces(in) {
			t.Errorf("%s: Replaces(sub/in.ndjson) = false", p)
		}
		if p != "hard" && filepath.Join(d.dir, d.base) != filepath.Join(dir, "sub", "in.ndjson") {
			t.Errorf("%s resolves to %s", p, filepath.Join(d.dir, d.base))
		}
	}
	a, _ := Check("dl/new.ndjson")
	b, _ := Check("sub/new.ndjson")
	c, _ := Check("sub/other.ndjson")
	if !a.Same(b) || a.Same(c) || a.Replaces(in) {
		t.Errorf("new files: Same %v %v, Replaces %v", a.Same(b), a.Same(c), a.Replaces(in))
	}
}

// TestCommitThroughSymlinkReplacesTarget: a symlink at the destination is
// followed; its target is replaced and the link stays a link.
func TestCommitThroughSymlinkReplacesTarget(t *testing.T) {
	t.Chdir(t.TempDir())
	os.WriteFile("v1.ndjson", []byte("old"), 0o600)
	os.Symlink("v1.ndjson", "current.ndjson")
	s := openSet(t, context.Background(), "current.ndjson")
	s.Files()[0].Write([]byte("new"))
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat("current.ndjson"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("current.ndjson is no longer a symlink (%v)", err)
	}
	if b, _ := os.ReadFile("v1.ndjson"); string(b) != "new" {
		t.Errorf("target holds %q", b)
	}
}
