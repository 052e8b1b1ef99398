//go:build !unix

package sigv4

import "time"

var benchStart = time.Now()

// processCPU falls back to wall time where no process CPU clock is used.
func processCPU() time.Duration { return time.Since(benchStart) }
