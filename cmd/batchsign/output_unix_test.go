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
	"sync"
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

// syncBuffer is a bytes.Buffer safe for a run writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// heldRun is batchsign presign - -o FILE in a process that has signed
// some rows and waits for more on stdin.
type heldRun struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr syncBuffer
}

// startHeldRun starts a heldRun writing out in dir and returns once its
// temps temporary files are there.
func startHeldRun(t *testing.T, dir string, temps int, out string, args ...string) *heldRun {
	t.Helper()
	h := &heldRun{cmd: exec.Command(os.Args[0], append([]string{"presign", "-", "-o", out, "--time", pinned}, args...)...)}
	h.cmd.Env = append(os.Environ(), "BATCHSIGN_TEST_AS_MAIN=1")
	stdin, err := h.cmd.StdinPipe()
	must(t, err)
	h.stdin = stdin
	h.cmd.Stderr = &h.stderr
	must(t, h.cmd.Start())
	kill := time.AfterFunc(60*time.Second, func() { h.cmd.Process.Kill() })
	t.Cleanup(func() { kill.Stop(); h.cmd.Process.Kill(); h.cmd.Wait() })
	for i := range 100 {
		fmt.Fprintf(stdin, `{"id":"held-%d","bucket":"examplebucket","key":"k%d"}`+"\n", i, i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for countTempFiles(t, dir) < temps && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := countTempFiles(t, dir); n != temps {
		t.Fatalf("the held run has %d temporary files after 10s, want %d; stderr: %s", n, temps, h.stderr.String())
	}
	return h
}

func countTempFiles(t *testing.T, dir string) int {
	n := 0
	for _, name := range dirNames(t, dir) {
		if strings.HasSuffix(name, ".tmp") {
			n++
		}
	}
	return n
}

func (h *heldRun) pid() int { return h.cmd.Process.Pid }

// finish closes the run's stdin and waits for it to succeed.
func (h *heldRun) finish(t *testing.T) {
	h.stdin.Close()
	h.cmd.Wait()
	if code := h.cmd.ProcessState.ExitCode(); code != exitOK {
		t.Errorf("held run: exit %d: %s", code, h.stderr.String())
	}
}

// TestSecondRunOnTheSameDestinationExitsOrWaits: while a run writes a
// destination, another run on it (under any spelling, or on its rejects
// alone) exits 2 naming the first run's pid, or with --wait-lock waits for
// it and then writes all of its own outputs.
func TestSecondRunOnTheSameDestinationExitsOrWaits(t *testing.T) {
	dir := cleanEnv(t)
	t.Chdir(dir)
	writeFile(t, "m.ndjson", mixedManifest)
	must(t, os.Symlink(".", "dl"))
	held := startHeldRun(t, dir, 2, "out.ndjson")
	pid := held.pid()

	for _, args := range [][]string{
		{"-o", "out.ndjson"},
		{"-o", "dl/out.ndjson"},
		{"-o", "other.ndjson", "--rejects", "out.rejects.ndjson"},
		{"-o", "out.ndjson", "--wait-lock", "50ms"},
	} {
		code, _, errs := runIn(t, "", append([]string{"presign", "m.ndjson", "--time", pinned}, args...)...)
		if code != exitUsage || !strings.Contains(errs, fmt.Sprintf("pid %d", pid)) || !strings.Contains(errs, "--wait-lock") || strings.Contains(errs, "rows read") {
			t.Errorf("%v: exit %d, want %d naming pid %d and --wait-lock; stderr: %s", args, code, exitUsage, pid, errs)
		}
	}
	if names := dirNames(t, "."); slices.Contains(names, "other.ndjson") {
		t.Errorf("a refused run wrote: %v", names)
	}

	// A waiting run says so, then writes its output, rejects and summary
	// once the first run has finished.
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"presign", "m.ndjson", "-o", "out.ndjson", "--summary", "s.json", "--time", pinned, "--wait-lock", "30s"},
			strings.NewReader(""), io.Discard, &errb)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errb.String(), "waiting") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(errb.String(), fmt.Sprintf("pid %d", pid)) {
		t.Fatalf("the second run does not say it waits for pid %d: %s", pid, errb.String())
	}
	held.finish(t)
	select {
	case code := <-done:
		if code != exitRejected {
			t.Fatalf("waiting run: exit %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting run has not finished 30s after the first one")
	}
	out, _ := os.ReadFile("out.ndjson")
	rej, _ := os.ReadFile("out.rejects.ndjson")
	sum, _ := os.ReadFile("s.json")
	if strings.Count(string(out), "\n") != 3 || strings.Contains(string(out), "held-") || strings.Count(string(rej), "\n") != 3 || !strings.Contains(string(sum), `"rows_read": 6`) {
		t.Errorf("outputs are not all the second run's:\n%s\n%s\n%s", out, rej, sum)
	}
	if names := dirNames(t, "."); !slices.Equal(names, []string{"dl", "m.ndjson", "out.ndjson", "out.rejects.ndjson", "s.json"}) {
		t.Errorf("directory holds %v", names)
	}
}

// TestNextRunRemovesTheLeftoversOfAKilledRun: SIGKILL leaves a run's
// temporary files and locks behind, recognisable by name; the next run on
// the same destination proves them dead (their locks are free), removes
// them and says so.
func TestNextRunRemovesTheLeftoversOfAKilledRun(t *testing.T) {
	dir := cleanEnv(t)
	t.Chdir(dir)
	writeFile(t, "m.ndjson", mixedManifest)
	held := startHeldRun(t, dir, 3, "out.ndjson", "--summary", "s.json")
	pid := held.pid()
	must(t, held.cmd.Process.Signal(syscall.SIGKILL))
	held.cmd.Wait()

	var left []string
	for _, n := range dirNames(t, ".") {
		if strings.HasSuffix(n, ".tmp") {
			if !strings.Contains(n, fmt.Sprintf(".%d.", pid)) {
				t.Errorf("temporary file %s does not carry the pid %d of its run", n, pid)
			}
			left = append(left, n)
		}
	}
	if len(left) != 3 {
		t.Fatalf("the killed run left %v, want its 3 temporary files", dirNames(t, "."))
	}

	code, _, errs := runIn(t, "", "presign", "m.ndjson", "-o", "out.ndjson", "--summary", "s.json", "--time", pinned)
	if code != exitRejected {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, fmt.Sprintf("pid %d", pid)) {
		t.Errorf("stderr does not say whose leftovers were removed: %s", errs)
	}
	if names := dirNames(t, "."); !slices.Equal(names, []string{"m.ndjson", "out.ndjson", "out.rejects.ndjson", "s.json"}) {
		t.Errorf("directory holds %v", names)
	}
}
