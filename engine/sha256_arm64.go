//go:build arm64 && !purego

package engine

import "github.com/klauspost/cpuid/v2"

// sha256CPUClass reports whether the CPU has the ARMv8 SHA2 instructions,
// which both crypto/sha256 (Go 1.26) and sha256-simd use when present.
func sha256CPUClass() cpuClass {
	if cpuid.CPU.Supports(cpuid.SHA2) {
		return classARMSHA2
	}
	return classNone
}

// sha256Table is the automatic choice on arm64: crypto/sha256 for every use.
//
// This is NOT measured: no arm64 machine was available, and emulated timings
// (qemu) mean nothing. It is the defensible default rather than a guess at a
// win: Go 1.26's crypto/sha256 runs the same SHA256H/SHA256H2 instructions as
// sha256-simd, so any difference is the fixed cost per call, which on x86-64
// with SHA-NI favoured sha256-simd only below about 1 KiB and only by the
// margin in sha256_amd64.go; sha256-simd's arm64 block function also copies
// the state through a slice on every call. Without a measurement, the
// standard library (maintained with the toolchain, FIPS-aware) wins the tie.
// To revisit, run on real hardware (Graviton, Ampere, Apple M):
//
//	go test -run '^$' -bench 'SHA256' -benchtime=200ms -count 5 ./engine
//
// and encode what it shows here, as sha256_amd64.go does.
var sha256Table = [numCPUClasses]sha256Choice{
	classARMSHA2: allBackend(backendStdlib),
	// Without SHA2, sha256-simd's Sum256 is pure Go and its New returns
	// crypto/sha256's digest, which is pure Go too: nothing to gain.
	classNone: allBackend(backendStdlib),
}
