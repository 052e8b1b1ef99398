package cputime

import (
	"runtime"
	"testing"
)

// TestClocksAdvanceWithWork: both clocks grow while this goroutine spins.
func TestClocksAdvanceWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, th := Process(), Thread()
	x := 0
	for i := 0; i < 50_000_000; i++ {
		x += i ^ x>>3
	}
	if Process() <= p || Thread() <= th {
		t.Errorf("clocks did not advance (%d)", x)
	}
}
