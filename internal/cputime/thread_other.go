//go:build !linux

package cputime

import "time"

// Thread falls back to wall time where no per-thread CPU clock is used.
func Thread() time.Duration { return time.Since(start) }
