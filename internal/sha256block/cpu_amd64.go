package sha256block

import "github.com/klauspost/cpuid/v2"

// readCPU reads the x86-64 features the three implementations test for:
// blockSHANI (block_amd64.s) and sha256-simd need SHA, SSSE3 and SSE4.1;
// crypto/sha256 (Go 1.26) needs those and AVX for its SHA-NI path, and AVX,
// AVX2 and BMI2 for its AVX2 path.
func readCPU() cpuFeatures {
	c := &cpuid.CPU
	return cpuFeatures{
		asm:   asmBuild,
		shaNI: c.Supports(cpuid.SHA, cpuid.SSSE3, cpuid.SSE4),
		avx:   c.Supports(cpuid.AVX),
		avx2:  c.Supports(cpuid.AVX2),
		bmi2:  c.Supports(cpuid.BMI2),
	}
}
