//go:build !amd64 && !arm64

package sha256block

// readCPU reports no features: sha256block and sha256-simd have assembly
// only for amd64 and arm64.
func readCPU() cpuFeatures { return cpuFeatures{asm: asmBuild} }
