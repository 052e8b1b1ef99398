//go:build unix

package outfile

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

func TestCheckRefusesSymlinkLoops(t *testing.T) {
	t.Chdir(t.TempDir())
	os.Symlink("b", "a")
	os.Symlink("a", "b")
	if _, err := Check("a"); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("Check(loop) = %v, want ELOOP", err)
	}
}

// TestCheckFindsDestinationsWrittenInPlace: FIFOs, devices and the links to
// open files are written in place; regular files, new or existing, and
// symlinks to them are replaced.
func TestCheckFindsDestinationsWrittenInPlace(t *testing.T) {
	t.Chdir(t.TempDir())
	syscall.Mkfifo("fifo", 0o600)
	os.WriteFile("file", nil, 0o600)
	os.Symlink("fifo", "to-fifo")
	os.Symlink("file", "to-file")
	for path, want := range map[string]bool{
		"fifo": true, "to-fifo": true, os.DevNull: true,
		"file": false, "to-file": false, "new": false,
	} {
		d, err := Check(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d.Direct() != want {
			t.Errorf("%s: Direct() = %v, want %v", path, d.Direct(), want)
		}
	}
	for _, path := range []string{"/dev/stdout", "/proc/self/fd/1", "/dev/fd/2"} {
		if _, err := os.Stat(path); err != nil || writable(path, false) != nil {
			continue // not on this system, not open, or not ours to write
		}
		if d, err := Check(path); err != nil || !d.Direct() {
			t.Errorf("%s: Direct() false (%v)", path, err)
		}
	}
}
