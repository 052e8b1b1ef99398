//go:build unix

package outfile

import "golang.org/x/sys/unix"

// writable reports why path (a directory to create files in, or a file
// to write in place) cannot be written, or nil.
func writable(path string, dir bool) error {
	mode := uint32(unix.W_OK)
	if dir {
		mode |= unix.X_OK
	}
	return unix.Access(path, mode)
}
