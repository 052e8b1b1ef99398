// Package cputime reads CPU clocks for benchmarks on shared machines: a
// rate per CPU second counts a benchmark's own work, not the time other
// processes held the cores. Where a clock is missing, the functions fall
// back to wall time since the package was loaded.
package cputime
