//go:build arm64 && !purego

package sha256block

import "github.com/klauspost/cpuid/v2"

// useARMSHA2 is whether the CPU has the ARMv8 SHA2 instructions
// (SHA256H/H2/SU0/SU1), as HWCAP_SHA2 reports them.
var useARMSHA2 = cpuid.CPU.Supports(cpuid.SHA2)

var implementation = func() string {
	if useARMSHA2 {
		return "arm-sha2"
	}
	return "generic"
}()

// blockARM absorbs the whole blocks of p into h with the ARMv8 SHA2
// instructions (block_arm64.s).
//
//go:noescape
func blockARM(h *[8]uint32, p []byte)

// block branches on a variable rather than calling through a func value, so
// that p does not escape and callers can hash stack buffers.
func block(h *[8]uint32, p []byte) {
	if useARMSHA2 {
		blockARM(h, p)
		return
	}
	blockGeneric(h, p)
}
