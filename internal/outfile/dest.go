package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// maxSymlinks bounds the symlinks followed to a destination, as the
// kernel's own limit (40 on Linux) does for a path.
const maxSymlinks = 40

// Dest is a checked destination. Most are files the run will replace,
// found by following symlinks (in the directory part and at the end of the
// path) to the real directory and name, so that two spellings of one file
// are known to be one. The others are written in place (see Direct).
type Dest struct {
	path      string      // as given, for messages and for opening a direct destination
	dir, base string      // where the file is: symlinks resolved
	dirInfo   fs.FileInfo // the directory, for identity
	info      fs.FileInfo // the existing file; nil when there is none
	direct    bool        // written in place, not replaced
}

// Check resolves and checks path as a destination without creating or
// changing anything: the errors it returns are the user's to fix before a
// run starts: a missing or unwritable directory, a directory at path. A
// destination that is replaced needs a directory it may create files in; one
// written in place must be writable itself.
func Check(path string) (*Dest, error) {
	d := &Dest{path: path}
	p := path
	for hops := 0; ; hops++ {
		if hops > maxSymlinks {
			return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.ELOOP}
		}
		dir, base := filepath.Split(p)
		if dir == "" {
			dir = "."
		}
		if base == "" || base == "." || base == ".." { // out/, out/., out/..
			if _, err := os.Stat(p); err != nil {
				return nil, renamePathError(err, path)
			}
			return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
		}
		rdir, err := filepath.EvalSymlinks(dir)
		if err == nil {
			rdir, err = filepath.Abs(rdir)
		}
		if err != nil {
			return nil, renamePathError(err, path)
		}
		if d.dirInfo, err = os.Stat(rdir); err != nil {
			return nil, renamePathError(err, path)
		}
		if isProcDir(rdir) {
			// /dev/stdout, /proc/self/fd/N: the kernel's links to open
			// files, which are not paths to follow and not to replace.
			return direct(d)
		}
		fi, err := os.Lstat(filepath.Join(rdir, base))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			d.dir, d.base = rdir, base
			return d.checkDir()
		case err != nil:
			return nil, renamePathError(err, path)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(filepath.Join(rdir, base))
			if err != nil {
				return nil, renamePathError(err, path)
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(rdir, target)
			}
			p = target
			continue
		}
		d.dir, d.base, d.info = rdir, base, fi
		if fi.IsDir() {
			return nil, &fs.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
		}
		if !fi.Mode().IsRegular() {
			return direct(d) // a FIFO, a device, a socket
		}
		return d.checkDir()
	}
}

// checkDir checks that the temporary file can be created and renamed in
// d's directory.
func (d *Dest) checkDir() (*Dest, error) {
	if !d.dirInfo.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: d.path, Err: syscall.ENOTDIR}
	}
	if err := writable(d.dir, true); err != nil {
		return nil, &fs.PathError{Op: "open", Path: d.path, Err: err}
	}
	return d, nil
}

// direct finishes a destination written in place.
func direct(d *Dest) (*Dest, error) {
	fi, err := os.Stat(d.path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: d.path, Err: syscall.EISDIR}
	}
	if err := writable(d.path, false); err != nil {
		return nil, &fs.PathError{Op: "open", Path: d.path, Err: err}
	}
	d.info, d.direct = fi, true
	return d, nil
}

// renamePathError names the destination as given in err, not the
// resolved path or the temporary file the error came from.
func renamePathError(err error, path string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
	}
	return err
}

// String returns the destination as it was given.
func (d *Dest) String() string { return d.path }

// Direct reports whether d is written in place, as it is written, instead
// of being replaced whole on success: an existing FIFO, a character or
// block device, or a file reached through /proc/self/fd or /dev/fd (such as
// /dev/stdout). Such a destination is never replaced by a regular file, and
// what it receives is not atomic: a run that fails has written part of it.
func (d *Dest) Direct() bool { return d.direct }

// Same reports whether d and e are one file: the same name in the same
// directory, or one existing file under two names. Destinations written in
// place are never the same: -o /dev/null --rejects /dev/null is allowed.
func (d *Dest) Same(e *Dest) bool {
	if d.direct || e.direct {
		return false
	}
	if d.base == e.base && os.SameFile(d.dirInfo, e.dirInfo) {
		return true
	}
	return d.info != nil && e.info != nil && os.SameFile(d.info, e.info)
}

// Replaces reports whether writing d would replace or write into the file
// fi (from os.Stat of a file the run reads). Devices are never replaced:
// reading /dev/stdin and writing /dev/stdout on one terminal is allowed.
func (d *Dest) Replaces(fi fs.FileInfo) bool {
	if d.info == nil || d.info.Mode()&fs.ModeDevice != 0 {
		return false
	}
	return os.SameFile(d.info, fi)
}
