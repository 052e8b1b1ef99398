//go:build arm64 && !purego

package sha256block

import "github.com/klauspost/cpuid/v2"

// sha256CPUClass reports whether the CPU has the ARMv8 SHA2 instructions,
// which both crypto/sha256 (Go 1.26) and sha256-simd use when present.
func sha256CPUClass() cpuClass {
	if cpuid.CPU.Supports(cpuid.SHA2) {
		return classARMSHA2
	}
	return classNone
}

// sha256Table is the automatic choice on arm64, by analogy with SHA-NI and
// not measured on arm64 hardware: with the SHA2 instructions, sha256block
// for one-shot hashes and HMACs, crypto/sha256 for streams. bench/README.md
// ("SHA-256 backends") says why and how to measure it.
var sha256Table = [numCPUClasses]sha256Choice{
	classARMSHA2: {small: backendBlock, resumable: backendBlock, stream: backendStdlib},
	// Without SHA2, sha256-simd's Sum256 is pure Go and its New returns
	// crypto/sha256's digest, which is pure Go too: nothing to gain, and
	// sha256block would be pure Go as well.
	classNone: allBackend(backendStdlib),
}
