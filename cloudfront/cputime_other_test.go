//go:build !linux

package cloudfront

import "time"

var benchStart = time.Now()

// threadCPU falls back to wall time where no per-thread CPU clock is used.
func threadCPU() time.Duration { return time.Since(benchStart) }
