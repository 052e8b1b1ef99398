//go:build !linux

package cputime

import "time"

// start is where the wall-time fallbacks count from.
var start = time.Now()
