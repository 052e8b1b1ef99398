//go:build unix

package keyring

import "io/fs"

// checkPermissions refuses a keyring that group or others may access, as
// ssh refuses such a private key. It judges the mode of the open file, not
// whether a read would succeed, so it gives the same answer to root.
func checkPermissions(path string, mode fs.FileMode) error {
	perm := mode.Perm()
	if perm&0o077 == 0 {
		return nil
	}
	return &PermissionError{Path: path, Mode: perm}
}
