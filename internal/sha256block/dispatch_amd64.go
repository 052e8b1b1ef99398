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

// sha256Table is the automatic choice on amd64, from BenchmarkSHA256,
// BenchmarkSHA256Resume and BenchmarkSHA256Stream, both backends in the same
// binary, runs interleaved so that load hits both alike (AMD EPYC Zen 5 with
// SHA-NI, 2 shared cores, Go 1.26.8, sha256-simd v1.0.1):
//
//	go test -c -o /tmp/engine.test ./engine
//	for i in $(seq 8); do /tmp/engine.test -test.run '^$' -test.bench SHA256 \
//	    -test.benchtime=200ms -test.cpu=1; done > bench.txt
//
// Median MB/s of 8 runs (load average about 4 on 2 cores, so spreads were
// wide; a second run of 10 on the small sizes is in brackets):
//
//	path / size             simd    stdlib
//	Sum256 (one-shot) 64     478     460   [523 vs 461]
//	                  256   1089    1019   [1116 vs 933]
//	                  1K    1498    1437
//	                  1M    1649    1700
//	Resume (HMAC)     32     407     378   [402 vs 393]
//	                  64     544     510   [536 vs 537]
//	                  256   1071    1064   [1087 vs 1102]
//	Stream (New)      1K    1380    1360
//	                  1M    1657    1694
//
// Those numbers chose between the two hash.Hash implementations. Since then
// internal/sha256block (our own SHA-NI block function, the caller holding
// the chaining words) takes the small and resumable uses: it removes the
// hash.Hash machinery that was half of a presign's time. Same binary,
// backends interleaved, 5 runs each (medians, 2 shared cores):
//
//	go test -c -o /tmp/engine.test ./engine && cd engine
//	for i in 1 2 3 4 5; do for b in stdlib simd block; do BATCHSIGN_SHA256=$b \
//	    /tmp/engine.test -test.run '^$' -test.bench 'PresignS3|SignHeadersPUT' -test.benchtime=200ms |
//	    grep Bench | sed "s|Benchmark|Benchmark/be=$b/|"; done; done | benchstat -col /be -
//
//	                     stdlib    simd     block
//	PresignS3/NoToken     594 ns   586 ns   467 ns  (-21%, p=0.008)
//	PresignS3/Token950   1158 ns  1157 ns  1020 ns  (-12%, p=0.008)
//	SignHeadersPUT       1516 ns  1725 ns  1431 ns  (~, p=0.056)
//
// Streams stay with crypto/sha256 (same block function; FIPS-aware).
//
// Before sha256block, with SHA-NI: sha256-simd for one-shot hashes of canonical-request size,
// where it was ahead in every run (4-20%: its Sum256 hashes a digest value on
// the stack, while crypto/sha256's goes through more layers per call); the
// standard library for resumed HMACs and streams, where the two were equal
// within the noise (both pay the same interface calls there, and the block
// function is SHA-NI in both). Ties go to the standard library: it is
// maintained with the toolchain and honours its FIPS 140 mode.
//
// Without SHA-NI, sha256-simd's Sum256 is pure Go (about 215 ns a block
// against about 119 ns for crypto/sha256's AVX2 path) and its New returns
// crypto/sha256's digest, so the standard library is chosen for every use.
var sha256Table = [numCPUClasses]sha256Choice{
	classSHANI: {small: backendBlock, resumable: backendBlock, stream: backendStdlib},
	classAVX2:  allBackend(backendStdlib),
	classNone:  allBackend(backendStdlib),
}
