//go:build !unix

package outfile

import "os"

const oNoFollow = 0

// writable is nil where there is no access(2): creating the temporary
// file is the check.
func writable(string, bool) error { return nil }

// tryLock reports errNoLocks: runs are not kept apart where there is no
// flock(2).
func tryLock(*os.File) error { return errNoLocks }
