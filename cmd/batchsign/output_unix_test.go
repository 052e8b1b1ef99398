//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSpecialFileOutputIsWrittenInPlace: a FIFO, a device or a symlink to
// /proc/self/fd/N at -o is opened and written, never replaced by a regular
// file; the rejects then go to stderr, not to a file beside it.
func TestSpecialFileOutputIsWrittenInPlace(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string) (read func() string)
		kind os.FileMode
	}{
		{"fifo", func(t *testing.T, path string) func() string {
			must(t, syscall.Mkfifo(path, 0o600))
			got := make(chan string, 1)
			go func() { b, _ := os.ReadFile(path); got <- string(b) }()
			return func() string {
				select {
				case s := <-got:
					return s
				case <-time.After(10 * time.Second):
					return "(nothing read from the FIFO in 10s)"
				}
			}
		}, os.ModeNamedPipe},
		{"copy of /dev/null", func(t *testing.T, path string) func() string {
			if err := syscall.Mknod(path, syscall.S_IFCHR|0o600, int(unix.Mkdev(1, 3))); err != nil {
				t.Skipf("mknod: %v (needs root)", err)
			}
			return nil
		}, os.ModeDevice | os.ModeCharDevice},
		{"symlink to /proc/self/fd/N", func(t *testing.T, path string) func() string {
			r, w, err := os.Pipe()
			must(t, err)
			t.Cleanup(func() { r.Close(); w.Close() })
			if _, err := os.Stat("/proc/self/fd"); err != nil {
				t.Skip("no /proc/self/fd")
			}
			must(t, os.Symlink(fmt.Sprintf("/proc/self/fd/%d", w.Fd()), path))
			got := make(chan string, 1)
			go func() { b, _ := io.ReadAll(r); got <- string(b) }()
			return func() string {
				w.Close()
				return <-got
			}
		}, os.ModeSymlink},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := cleanEnv(t)
			m := writeFile(t, filepath.Join(dir, "m.ndjson"), mixedManifest)
			out := filepath.Join(dir, "out.ndjson")
			read := tc.make(t, out)
			code, stdout, errs := runIn(t, "", "presign", m, "-o", out, "--time", pinned)
			fi, err := os.Lstat(out)
			if err != nil || fi.Mode().Type() != tc.kind {
				t.Fatalf("-o is now %v (%v), want %v; exit %d, stderr: %s", fi.Mode().Type(), err, tc.kind, code, errs)
			}
			if code != exitRejected || stdout != "" || !strings.Contains(errs, "3 rows rejected (see stderr)") || !strings.Contains(errs, `{"row":4,`) {
				t.Errorf("exit %d, stdout %q, stderr: %s", code, stdout, errs)
			}
			if read != nil {
				if got := read(); strings.Count(got, "\n") != 3 || !strings.HasPrefix(got, `{"id":"1",`) {
					t.Errorf("read from -o: %q", got)
				}
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"m.ndjson", "out.ndjson"}) {
				t.Errorf("directory holds %v", names)
			}
		})
	}
}

// limitFileSize sets RLIMIT_FSIZE to n bytes (a decimal string; none when
// empty) in the test binary run as batchsign: writes past n bytes fail
// with EFBIG, as on a full disk.
func limitFileSize(n string) {
	if n == "" {
		return
	}
	v, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		panic(err)
	}
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: v, Max: v}); err != nil {
		panic(err)
	}
}

// TestFullDiskAtTheSummaryLeavesNothing: output, rejects and summary are
// committed together, so a write that fails at the summary (here the file
// size limit, as a disk that fills there) leaves none of them: exit 3.
func TestFullDiskAtTheSummaryLeavesNothing(t *testing.T) {
	dir := cleanEnv(t)
	// One rejected row: an empty output, a short rejects file and a
	// summary longer than the limit.
	m := writeFile(t, filepath.Join(dir, "m.ndjson"), `{"id":"4","bucket":"examplebucket","key":"k","method":"PATCH"}`+"\n")
	cmd := exec.Command(os.Args[0], "presign", m, "-o", filepath.Join(dir, "urls.ndjson"),
		"--summary", filepath.Join(dir, "summary.json"), "--time", pinned)
	cmd.Env = append(os.Environ(), "BATCHSIGN_TEST_AS_MAIN=1", "BATCHSIGN_TEST_FSIZE=256")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != exitFailed || !strings.Contains(errb.String(), "file too large") {
		t.Errorf("exit %d (%v), want %d naming the error; stderr: %s", code, err, exitFailed, errb.String())
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"m.ndjson"}) {
		t.Errorf("directory holds %v, want only the manifest", names)
	}
}
