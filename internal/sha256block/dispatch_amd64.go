//go:build amd64 && !purego

package sha256block

import "github.com/klauspost/cpuid/v2"

// sha256CPUClass classifies the CPU the way the two implementations decide
// for themselves: crypto/sha256 (Go 1.26) takes its SHA-NI path with
// SHA+SSE4.1+SSSE3+AVX and its AVX2 path with AVX+AVX2+BMI2; sha256-simd
// takes SHA-NI with SHA+SSE4.1+SSSE3 and is pure Go otherwise.
func sha256CPUClass() cpuClass {
	switch {
	case cpuid.CPU.Supports(cpuid.SHA, cpuid.SSSE3, cpuid.SSE4, cpuid.AVX):
		return classSHANI
	case cpuid.CPU.Supports(cpuid.AVX, cpuid.AVX2, cpuid.BMI2):
		return classAVX2
	}
	return classNone
}

// sha256Table is the automatic choice on amd64. With SHA-NI, sha256block
// takes the small and resumable uses: the instructions are the same in all
// three backends, and holding the chaining words skips hash.Hash's state
// copies. Streams stay with crypto/sha256 (a tie, and it is FIPS-aware).
// Without SHA-NI, sha256-simd is pure Go, so crypto/sha256 does everything.
// bench/README.md ("SHA-256 backends") has the numbers and the command.
var sha256Table = [numCPUClasses]sha256Choice{
	classSHANI: {small: backendBlock, resumable: backendBlock, stream: backendStdlib},
	classAVX2:  allBackend(backendStdlib),
	classNone:  allBackend(backendStdlib),
}
