//go:build amd64 && !purego

package sha256block

import "github.com/klauspost/cpuid/v2"

// useSHANI is whether the CPU has the SHA extensions and the SSSE3/SSE4.1
// shuffles and blends blockSHANI uses alongside them.
var useSHANI = cpuid.CPU.Supports(cpuid.SHA, cpuid.SSSE3, cpuid.SSE4)

var implementation = func() string {
	if useSHANI {
		return "sha-ni"
	}
	return "generic"
}()

// blockSHANI absorbs the whole blocks of p into h with SHA256RNDS2 and
// SHA256MSG1/2 (block_amd64.s).
//
//go:noescape
func blockSHANI(h *[8]uint32, p []byte)

// block branches on a variable rather than calling through a func value, so
// that p does not escape and callers can hash stack buffers.
func block(h *[8]uint32, p []byte) {
	if useSHANI {
		blockSHANI(h, p)
		return
	}
	blockGeneric(h, p)
}
