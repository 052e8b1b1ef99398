//go:build arm64 && !purego

package sha256block

// asmBuild: block_arm64.s is built in.
const asmBuild = true

// blockARM absorbs the whole blocks of p into h with the ARMv8 SHA2
// instructions (block_arm64.s).
//
//go:noescape
func blockARM(h *[8]uint32, p []byte)

// block branches on a variable rather than calling through a func value, so
// that p does not escape and callers can hash stack buffers.
func block(h *[8]uint32, p []byte) {
	if useAsm {
		blockARM(h, p)
		return
	}
	blockGeneric(h, p)
}
