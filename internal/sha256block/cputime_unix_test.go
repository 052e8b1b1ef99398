//go:build unix

package sha256block

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the process has used,
// so that a benchmark on a shared machine can report its rate per CPU
// second beside its wall-clock rate.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
