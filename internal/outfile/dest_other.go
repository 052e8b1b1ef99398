//go:build !linux

package outfile

import "strings"

// isProcDir reports whether dir holds links to open files: /dev/fd, or
// /proc/.../fd where there is a /proc.
func isProcDir(dir string) bool {
	return dir == "/dev/fd" || strings.HasPrefix(dir, "/proc/")
}
