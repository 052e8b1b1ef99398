//go:build unix

package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signBodyFiles runs sign rows whose body_file is each of paths under ctx
// and fails the test if Run has not returned within limit: a body file
// that cannot be stopped would otherwise hang the test binary.
func signBodyFiles(t *testing.T, ctx context.Context, limit time.Duration, paths ...string) runResult {
	t.Helper()
	var m strings.Builder
	for i, p := range paths {
		q, _ := json.Marshal(p)
		m.WriteString(`{"id":"` + strconv.Itoa(i) + `","url":"https://examplebucket.s3.amazonaws.com/k","method":"PUT","body_file":` + string(q) + "}\n")
	}
	done := make(chan runResult, 1)
	go func() {
		var out, rej bytes.Buffer
		w, err := NewWriter(&out, FormatNDJSON, Sign, "")
		if err != nil {
			done <- runResult{err: err}
			return
		}
		st, err := Run(ctx, docConfig(Sign), NewNDJSONReader(strings.NewReader(m.String())), w, NewRejectWriter(&rej), nil)
		done <- runResult{out.String(), rej.String(), st, err}
	}()
	select {
	case res := <-done:
		return res
	case <-time.After(limit):
		t.Fatalf("Run still hashing %q after %v", paths, limit)
		return runResult{}
	}
}

// TestBodyFileMustBeRegular: a body_file that is a device or a FIFO would
// hash forever (/dev/zero) or block the worker in open (a FIFO without a
// writer); the row is rejected naming body_file, at once (issue 14 item 11).
func TestBodyFileMustBeRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO:", err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "body")
	if err := os.WriteFile(good, []byte("body"), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/dev/zero", fifo, link, dir}
	res := signBodyFiles(t, context.Background(), 5*time.Second, append(paths, good)...)
	if res.err != nil {
		t.Fatal(res.err)
	}
	rejects := strings.Split(strings.TrimSpace(res.rejects), "\n")
	if len(rejects) != len(paths) || res.stats.Signed != 1 {
		t.Fatalf("rejects:\n%s\nout:\n%s", res.rejects, res.out)
	}
	for _, l := range rejects {
		var rj Reject
		if err := json.Unmarshal([]byte(l), &rj); err != nil {
			t.Fatal(err)
		}
		if rj.Field != FieldBodyFile || !strings.Contains(rj.Error, "not a regular file") {
			t.Errorf("reject %+v, want body_file: not a regular file", rj)
		}
	}
}

// sparseFile returns a file of size bytes that takes no disk space.
func sparseFile(t *testing.T, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		t.Skip("no sparse file:", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBodyFileHashStopsOnCancel: cancelling a run in the middle of hashing
// an 8 GiB body file (seconds of SHA-256) returns within a second, not
// when the file is done (issue 14 item 11).
func TestBodyFileHashStopsOnCancel(t *testing.T) {
	path := sparseFile(t, 8<<30)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	res := signBodyFiles(t, ctx, 20*time.Second, path)
	// Hashing the 8 GiB takes far longer than this bound (which leaves
	// room for a loaded machine under -race: 1.45 s was seen in CI).
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Run returned %v after the start, %v after the cancel", el, el-200*time.Millisecond)
	}
	if !errors.Is(res.err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", res.err)
	}
}

// TestHashStreamStopsOnCancel: the streamed path (small files, systems
// without mmap) checks for cancellation between chunks too.
func TestHashStreamStopsOnCancel(t *testing.T) {
	f, err := os.Open(sparseFile(t, 8<<30))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, n, err := hashStream(ctx, f, make([]byte, hashBufSize))
	if el := time.Since(start); el > 5*time.Second || !errors.Is(err, context.Canceled) || n >= 8<<30 {
		t.Errorf("after %v: n %d err %v, want context.Canceled within 5 s, long before the 8 GiB are hashed", el, n, err)
	}
}
