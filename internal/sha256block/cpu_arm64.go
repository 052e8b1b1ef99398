package sha256block

import "github.com/klauspost/cpuid/v2"

// readCPU reads the arm64 features: the SHA2 instructions (HWCAP_SHA2), which
// blockARM (block_arm64.s), crypto/sha256 and sha256-simd all use, and SHA512,
// which only the report shows.
func readCPU() cpuFeatures {
	c := &cpuid.CPU
	return cpuFeatures{
		asm:       asmBuild,
		armSHA2:   c.Supports(cpuid.SHA2),
		armSHA512: c.Supports(cpuid.SHA512),
	}
}
