package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	errBusy    = errors.New("locked by another process")
	errNoLocks = errors.New("no file locks on this file system")
)

// lockSuffix ends the name of the lock file beside a destination.
const lockSuffix = ".batchsign.lock"

// LockedError is Open's error when another run holds the lock beside a
// destination: it is writing the same file.
type LockedError struct {
	Path string // the destination, as given
	PID  int    // the other run's process id; 0 when it could not be read
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return e.Path + ": another run is writing it"
	}
	return fmt.Sprintf("%s: another run is writing it (pid %d)", e.Path, e.PID)
}

// lockFile is a held lock beside a destination: the file
// .NAME.batchsign.lock, locked with flock(2) and holding the pid of the
// run that holds it. The kernel drops the lock when the process ends,
// however it ends.
type lockFile struct {
	f    *os.File
	path string
	dest *Dest
}

// lockPath returns the path of the lock file of d.
func (d *Dest) lockPath() string {
	return filepath.Join(d.dir, "."+nameKey(d.base, nameMax(d.dir))+lockSuffix)
}

// lock takes the lock beside d, or returns a *LockedError naming the run
// that holds it.
func (d *Dest) lock() (*lockFile, error) {
	path := d.lockPath()
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|oNoFollow, 0o600)
		if err != nil {
			return nil, renamePathError(err, d.path)
		}
		switch err := tryLock(f); {
		case errors.Is(err, errBusy):
			pid := readPID(f)
			f.Close()
			return nil, &LockedError{Path: d.path, PID: pid}
		case errors.Is(err, errNoLocks):
			f.Close()
			return nil, nil // this file system has no locks: go on unlocked
		case err != nil:
			f.Close()
			return nil, &fs.PathError{Op: "lock", Path: d.path, Err: err}
		}
		// The run we waited for removes its lock file as it ends: the lock
		// is the one on the file at path now.
		if fi, err := os.Lstat(path); err != nil || !sameFile(f, fi) {
			f.Close()
			continue
		}
		if err := writePID(f); err != nil {
			os.Remove(path)
			f.Close()
			return nil, renamePathError(err, d.path)
		}
		return &lockFile{f: f, path: path, dest: d}, nil
	}
	return nil, &fs.PathError{Op: "lock", Path: d.path, Err: errors.New("the lock file keeps changing")}
}

// release removes the lock file and then drops the lock: a run waiting
// for it finds the file gone and takes a new one.
func (l *lockFile) release() {
	if l == nil {
		return
	}
	os.Remove(l.path)
	l.f.Close()
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID reads the pid in a lock file another run holds. That run writes
// it just after taking the lock: a moment's wait covers the gap.
func readPID(f *os.File) int {
	buf := make([]byte, 32)
	for range 20 {
		n, _ := f.ReadAt(buf, 0)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n]))); err == nil && pid > 0 {
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0
}

func sameFile(f *os.File, fi fs.FileInfo) bool {
	ffi, err := f.Stat()
	return err == nil && os.SameFile(ffi, fi)
}

// lockAll takes the locks of dests that are replaced, in the order of
// their lock files' paths (two runs that both wait never hold one lock
// each), or none of them.
func lockAll(dests []*Dest) ([]*lockFile, error) {
	var replaced []*Dest
	for _, d := range dests {
		if !d.direct {
			replaced = append(replaced, d)
		}
	}
	slices.SortFunc(replaced, func(a, b *Dest) int { return strings.Compare(a.lockPath(), b.lockPath()) })
	var locks []*lockFile
	for _, d := range replaced {
		l, err := d.lock()
		if err != nil {
			for _, l := range locks {
				l.release()
			}
			return nil, err
		}
		if l != nil { // nil: no locks on this file system
			locks = append(locks, l)
		}
	}
	return locks, nil
}

// Leftover is a temporary file of an earlier run that Open removed: that
// run ended without finishing, killed or with its machine.
type Leftover struct {
	Path string // the temporary file
	PID  int    // the process that wrote it
}

// sweep removes the temporary files of d that no live process writes.
// The caller holds d's lock, so no run is creating one now; a temporary
// file's writer holds a lock on it for as long as it has its name, so one
// whose lock can be taken belongs to a process that is gone.
func (d *Dest) sweep() []Leftover {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil
	}
	prefix := "." + nameKey(d.base, nameMax(d.dir)) + "."
	var gone []Leftover
	for _, e := range ents {
		pid, ok := tempPID(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(d.dir, e.Name())
		f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow, 0)
		if err != nil {
			continue
		}
		if tryLock(f) == nil {
			if fi, err := os.Lstat(path); err == nil && sameFile(f, fi) && os.Remove(path) == nil {
				gone = append(gone, Leftover{Path: path, PID: pid})
			}
		}
		f.Close()
	}
	return gone
}
