//go:build !unix

package cputime

import "time"

// Process falls back to wall time where no process CPU clock is used.
func Process() time.Duration { return time.Since(start) }
