//go:build unix

package sigv4

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the process has used,
// so that a benchmark on a shared machine counts its own work, not the time
// other processes held the cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
