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

// sha256Table is the automatic choice on arm64: with the SHA2 instructions,
// batchsign's own block-level SHA-256 (internal/sha256block, SHA256H/H2 and
// SHA256SU0/SU1) for one-shot hashes and HMACs, and crypto/sha256 for streams.
//
// This is NOT measured on arm64: no arm64 machine was available, and emulated
// timings (qemu) mean nothing. It rests on the measurement on x86-64 with
// SHA-NI (sha256_amd64.go), where the same design made a presign 21% faster
// than through crypto/sha256's hash.Hash (594 -> 467 ns): crypto/sha256 runs the same
// instructions as sha256block, so the difference is the hash.Hash machinery
// around the blocks (state (un)marshalling, buffering, Sum copies), which is
// architecture-independent. Streams stay with crypto/sha256: there the block
// function is all that counts and the standard library is FIPS-aware. To
// revisit, run on real hardware (Graviton, Ampere, Apple M):
//
//	go test -run '^$' -bench 'SHA256|PresignS3' -benchtime=200ms -count 5 ./engine
//
// with BATCHSIGN_SHA256=block and =stdlib, and encode what it shows here.
var sha256Table = [numCPUClasses]sha256Choice{
	classARMSHA2: {small: backendBlock, resumable: backendBlock, stream: backendStdlib},
	// Without SHA2, sha256-simd's Sum256 is pure Go and its New returns
	// crypto/sha256's digest, which is pure Go too: nothing to gain, and
	// sha256block would be pure Go as well.
	classNone: allBackend(backendStdlib),
}
