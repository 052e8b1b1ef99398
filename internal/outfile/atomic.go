package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// writebackChunkSize is how much a File writes between starting the
// write-back of what it has written so far (Linux; see writeback).
const writebackChunkSize = 8 << 20

// File is an output file that appears complete or not at all: it is
// written to a temporary file in the destination's directory (so the final
// rename stays on one file system), and Commit syncs it and renames it into
// place. Abort, or a crash, leaves the destination as it was. The file is
// created with mode 0600: presigned URLs and signed headers grant access.
type File struct {
	f         *os.File
	path, tmp string
	done      bool
	direct    bool      // written in place: no temporary file
	wb        writeback // starts write-back early (Linux), so Commit's fsync is short
}

// Create starts writing path: Check, then Dest.Create.
func Create(path string) (*File, error) {
	d, err := Check(path)
	if err != nil {
		return nil, err
	}
	return d.Create()
}

// Create starts writing d: a temporary file beside the file d replaces,
// or, for a destination written in place, d itself. Opening a FIFO waits
// for its reader.
func (d *Dest) Create() (*File, error) {
	if d.direct {
		flag := os.O_WRONLY
		if d.info.Mode().IsRegular() {
			flag |= os.O_APPEND // /dev/stdout redirected to a file: after what is there
		}
		f, err := os.OpenFile(d.path, flag, 0)
		if err != nil {
			return nil, err
		}
		return &File{f: f, path: d.path, direct: true}, nil
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
		return &File{f: f, path: filepath.Join(d.dir, d.base), tmp: tmp}, nil
	}
	return nil, &fs.PathError{Op: "create", Path: d.path, Err: fs.ErrExist}
}

// Write writes to the temporary file, or to a destination written in
// place.
func (a *File) Write(p []byte) (int, error) {
	n, err := a.f.Write(p)
	if !a.direct {
		a.wb.wrote(a.f, n)
	}
	return n, err
}

// Name returns the destination path.
func (a *File) Name() string { return a.path }

// TempName returns the temporary file's path.
func (a *File) TempName() string { return a.tmp }

// Commit makes the written bytes durable and visible under the destination
// name: fsync, close, rename, fsync of the directory. On failure the
// temporary file is removed.
func (a *File) Commit() error {
	if a.done {
		return errors.New("outfile: file already committed or aborted")
	}
	a.done = true
	if a.direct {
		return a.f.Close()
	}
	err := a.f.Sync()
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.tmp, a.path)
	}
	if err != nil {
		os.Remove(a.tmp)
		return err
	}
	if d, derr := os.Open(filepath.Dir(a.path)); derr == nil {
		d.Sync() // best effort: some file systems refuse directory fsync
		d.Close()
	}
	return nil
}

// Abort discards the temporary file. It is a no-op after Commit or Abort,
// so it can be deferred.
func (a *File) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	a.f.Close()
	if a.direct {
		return nil
	}
	return os.Remove(a.tmp)
}
