package main

import (
	"os"
	"runtime/debug"
)

// memoryLimit is the soft limit on the Go heap that a run sets when
// GOMEMLIMIT is not set. A run's memory is mostly buffers of fixed size:
// batches in flight (8 MiB of manifest text), S3 read blocks (32 MiB) and
// upload parts (25 MiB). Left to GOGC alone, the collector lets the heap
// grow to twice what is live before it collects, which doubles them; with
// the limit it collects sooner as the heap nears 150 MiB, so a run stays
// under 200 MB of RSS (TestS3ParquetManifest1GBPeakRSS). The limit is soft:
// a run that needs more live memory (keys of megabytes, many workers
// hashing bodies) gets it, the collector running more often; GOMEMLIMIT
// (e.g. GOMEMLIMIT=1GiB, or off) replaces it.
const memoryLimit = 150 << 20

// setMemoryLimit applies memoryLimit unless GOMEMLIMIT is set.
func setMemoryLimit() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(memoryLimit)
	}
}
