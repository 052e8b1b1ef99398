package outfile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// writebackChunkSize is how much a File writes between starting the
// write-back of what it has written so far (Linux; see writeback).
const writebackChunkSize = 8 << 20

// File is one output file of a Set. A destination that is replaced on
// success is written to a temporary file in its directory (so that the
// final rename stays on one file system), created with mode 0600:
// presigned URLs and signed headers grant access. A destination written in
// place (Dest.Direct) is written as it is.
type File struct {
	f         *os.File
	name      string // the destination as given
	path, tmp string // the file replaced, and its temporary file; "" for a direct one
	done      bool
	wb        writeback // starts write-back early (Linux), so Commit's fsync is short
}

// create starts writing d: a temporary file beside the file d replaces,
// or, for a destination written in place, d itself. Opening a FIFO waits
// for its reader, or for ctx.
func (d *Dest) create(ctx context.Context) (*File, error) {
	if d.direct {
		flag := os.O_WRONLY
		if d.info.Mode().IsRegular() {
			flag |= os.O_APPEND // /dev/stdout redirected to a file: after what is there
		}
		f, err := openCtx(ctx, d.path, flag)
		if err != nil {
			return nil, err
		}
		return &File{f: f, name: d.path}, nil
	}
	for range 100 {
		tmp := filepath.Join(d.dir, tempName(d.dir, d.base))
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, renamePathError(err, d.path) // name the destination, not the temporary file
		}
		// Locked while it has its name (Abort and Commit remove or rename
		// it before closing): a later run that can lock it knows that this
		// process is gone.
		if err := tryLock(f); err != nil && !errors.Is(err, errNoLocks) {
			os.Remove(tmp)
			f.Close()
			return nil, &fs.PathError{Op: "lock", Path: tmp, Err: err}
		}
		return &File{f: f, name: d.path, path: filepath.Join(d.dir, d.base), tmp: tmp}, nil
	}
	return nil, &fs.PathError{Op: "create", Path: d.path, Err: fs.ErrExist}
}

// openCtx opens path for writing, giving up when ctx is done first: opening
// a FIFO waits until a reader opens it, which may be never.
func openCtx(ctx context.Context, path string, flag int) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(path, flag, 0)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() { // a reader may yet come: close what it opens
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// Write writes to the temporary file, or to a destination written in
// place.
func (a *File) Write(p []byte) (int, error) {
	n, err := a.f.Write(p)
	if a.tmp != "" {
		a.wb.wrote(a.f, n)
	}
	return n, err
}

// Name returns the destination as it was given.
func (a *File) Name() string { return a.name }

// Direct reports whether the file is written in place (see Dest.Direct).
func (a *File) Direct() bool { return a.tmp == "" }

// Abort discards the file: its temporary file is removed, so the
// destination stays as it was; a destination written in place is closed,
// with what it has received. Abort is a no-op on a nil File and after
// Commit or Abort.
func (a *File) Abort() {
	if a == nil || a.done {
		return
	}
	a.done = true
	if a.tmp != "" {
		os.Remove(a.tmp) // before Close: the temporary file is never unlocked under its name
	}
	a.f.Close()
}
