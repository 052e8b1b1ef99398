//go:build linux

package pipeline

import (
	"os"

	"golang.org/x/sys/unix"
)

// writeback starts the kernel writing an AtomicFile's pages to disk while
// the run goes on (sync_file_range with SYNC_FILE_RANGE_WRITE: start, do not
// wait), so that Commit's fsync finds most of the file already written
// instead of writing all of it at the end. It changes when pages reach the
// disk, never what is written or the fsync that makes it durable; a failure
// to start write-back is ignored (fsync reports real I/O errors).
//
// Only SYNC_FILE_RANGE_WRITE is used: the waiting flags would consume a
// write-back error that Commit's fsync must report.
type writeback struct {
	written, started int64
	off              bool // the file system refused; stop trying
}

func (w *writeback) wrote(f *os.File, n int) {
	w.written += int64(n)
	if w.off || w.written-w.started < writebackChunkSize {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		w.off = true
		return
	}
	rc.Control(func(fd uintptr) {
		if unix.SyncFileRange(int(fd), w.started, w.written-w.started, unix.SYNC_FILE_RANGE_WRITE) != nil {
			w.off = true
		}
	})
	w.started = w.written
}
