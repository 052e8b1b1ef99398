//go:build unix

package outfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOpenLocksDestinations: while one Set writes a destination, opening
// it again (under another spelling too) fails with a *LockedError naming
// the holder's pid, holding nothing; once the first Set is done, it works,
// and no lock file is left.
func TestOpenLocksDestinations(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Symlink(".", "dl")
	first := openSet(t, context.Background(), "out.ndjson", "s.json")
	for _, paths := range [][]string{{"out.ndjson"}, {"free.ndjson", "dl/s.json"}} {
		var dests []*Dest
		for _, p := range paths {
			d, err := Check(p)
			if err != nil {
				t.Fatal(err)
			}
			dests = append(dests, d)
		}
		_, err := Open(context.Background(), dests...)
		var locked *LockedError
		if !errors.As(err, &locked) || locked.PID != os.Getpid() {
			t.Fatalf("Open(%v) while held = %v, want a *LockedError naming pid %d", paths, err, os.Getpid())
		}
	}
	first.Files()[0].Write([]byte("first"))
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	openSet(t, context.Background(), "out.ndjson", "free.ndjson").Abort()
	assertOnly(t, dir, "dl", "out.ndjson", "s.json")
}

// TestOpenTakesALockFileLeftBehind: a lock file whose run was killed
// holds no lock; the next run takes it and removes it when done.
func TestOpenTakesALockFileLeftBehind(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	d, _ := Check("out.ndjson")
	os.WriteFile(d.lockPath(), []byte("99999999\n"), 0o600)
	s := openSet(t, context.Background(), "out.ndjson")
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "out.ndjson")
}

// TestSweepRemovesOnlyDeadTemporaries: sweep removes a destination's
// temporary files whose writer is gone, and nothing else: not a live run's
// (locked), not another destination's, not a file that only looks like one.
func TestSweepRemovesOnlyDeadTemporaries(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	long := strings.Repeat("a", 245) + ".ndjson"
	live := openSet(t, context.Background(), "out.ndjson")
	liveTemp := filepath.Base(live.Files()[0].tmp)
	dead := []string{
		".out.ndjson.12345.0badf00d" + tempSuffix,
		"." + nameKey(long, nameMax(dir)) + ".777.00000001" + tempSuffix,
	}
	kept := []string{
		".other.ndjson.12345.0badf00d" + tempSuffix,
		".out.ndjson.backup" + tempSuffix,
		".out.ndjson.12345.0badf00d.tmp",
		"out.ndjson.12345.0badf00d" + tempSuffix,
	}
	for _, n := range append(dead, kept...) {
		os.WriteFile(n, []byte("signed URLs"), 0o600)
	}
	var gone []Leftover
	for _, p := range []string{"out.ndjson", long} {
		d, err := Check(p)
		if err != nil {
			t.Fatal(err)
		}
		gone = append(gone, d.sweep()...)
	}
	want := []Leftover{{filepath.Join(dir, dead[0]), 12345}, {filepath.Join(dir, dead[1]), 777}}
	if !slices.Equal(gone, want) {
		t.Errorf("sweep removed %v, want %v", gone, want)
	}
	assertOnly(t, dir, slices.Sorted(slices.Values(append(kept, liveTemp, ".out.ndjson"+lockSuffix)))...)
}
