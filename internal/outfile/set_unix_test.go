//go:build unix

package outfile

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestOpenGivesUpOnAFIFOWithoutReader: opening a FIFO waits for its reader,
// but no longer than the run's context (a signal).
func TestOpenGivesUpOnAFIFOWithoutReader(t *testing.T) {
	t.Chdir(t.TempDir())
	syscall.Mkfifo("fifo", 0o600)
	d, err := Check("fifo")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := Open(ctx, d); !errors.Is(err, context.Canceled) {
		t.Errorf("Open = %v, want context.Canceled", err)
	}
	// Let the abandoned open finish (it closes what it opened).
	r, err := os.OpenFile("fifo", os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err == nil {
		r.Close()
	}
}

// TestCancelEndsABlockedWriteInPlace: a write to a FIFO whose reader does
// not read fails once the context is done, instead of blocking the run's
// end.
func TestCancelEndsABlockedWriteInPlace(t *testing.T) {
	t.Chdir(t.TempDir())
	syscall.Mkfifo("fifo", 0o600)
	r, err := os.OpenFile("fifo", os.O_RDONLY|syscall.O_NONBLOCK, 0) // a reader that never reads
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	s := openSet(t, ctx, "fifo")
	done := make(chan error, 1)
	go func() {
		_, err := s.Files()[0].Write(make([]byte, 4<<20)) // more than a pipe holds
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("write succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("write still blocked 10s after cancel")
	}
}
