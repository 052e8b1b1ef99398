//go:build !unix

package outfile

// writable is nil where there is no access(2): creating the temporary
// file is the check.
func writable(string, bool) error { return nil }
