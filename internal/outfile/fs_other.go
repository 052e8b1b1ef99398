//go:build !linux

package outfile

import "strings"

// isProcDir reports whether dir holds links to open files: /dev/fd, or
// /proc/.../fd where there is a /proc.
func isProcDir(dir string) bool {
	return dir == "/dev/fd" || strings.HasPrefix(dir, "/proc/")
}

// nameMax returns the longest file name, in bytes, that dir's file system
// takes: the common limit, where there is no statfs to ask.
func nameMax(string) int { return defaultNameMax }
