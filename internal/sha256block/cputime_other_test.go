//go:build !unix

package sha256block

import "time"

var benchStart = time.Now()

// processCPU falls back to wall time where no process CPU clock is used.
func processCPU() time.Duration { return time.Since(benchStart) }
