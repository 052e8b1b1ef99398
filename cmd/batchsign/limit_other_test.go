//go:build !unix

package main

// limitFileSize is a no-op where there is no RLIMIT_FSIZE.
func limitFileSize(string) {}
