//go:build unix

package outfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// oNoFollow keeps a lock file from being a symlink to another file.
const oNoFollow = unix.O_NOFOLLOW

// writable reports why path (a directory to create files in, or a file
// to write in place) cannot be written, or nil.
func writable(path string, dir bool) error {
	mode := uint32(unix.W_OK)
	if dir {
		mode |= unix.X_OK
	}
	return unix.Access(path, mode)
}

// tryLock takes an exclusive flock(2) on f without waiting: nil, errBusy
// when another open file holds it, errNoLocks where the file system has
// no locks.
func tryLock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		lerr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
	}); err != nil {
		return err
	}
	switch lerr {
	case nil:
		return nil
	case unix.EWOULDBLOCK:
		return errBusy
	case unix.ENOLCK, unix.EOPNOTSUPP, unix.ENOSYS:
		return errNoLocks
	}
	return lerr
}
