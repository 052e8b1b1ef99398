//go:build linux

package outfile

import "golang.org/x/sys/unix"

// isProcDir reports whether dir is on procfs (/proc/self/fd, the target
// of /dev/stdout and /dev/fd): its entries are links to open files.
func isProcDir(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == unix.PROC_SUPER_MAGIC
}

// nameMax returns the longest file name, in bytes, that dir's file system
// takes.
func nameMax(dir string) int {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil || st.Namelen <= 0 {
		return defaultNameMax
	}
	return int(st.Namelen)
}
