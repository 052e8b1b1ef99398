package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// cpuProfileEnv names a file to write a CPU profile of the whole run to.
// profiles/generate.sh uses it to record the representative runs that
// profile-guided optimisation builds from; it is an environment variable
// rather than a flag so that the command-line contract stays as designed.
const cpuProfileEnv = "BATCHSIGN_CPUPROFILE"

// startCPUProfile starts profiling into path (nothing when path is empty)
// and returns the function that stops it. A profile that cannot be written
// is reported and otherwise ignored: it must never change a run's outcome.
func startCPUProfile(path string, stderr io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign: %s: %v\n", cpuProfileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "batchsign: %s: %v\n", cpuProfileEnv, err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
