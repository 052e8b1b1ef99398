//go:build arm64 && !purego

package sha256block

// asmBuild: block_arm64.s is built in.
const asmBuild = true

// blockARM absorbs the whole blocks of p into h with the ARMv8 SHA2
// instructions (block_arm64.s).
//
//go:noescape
func blockARM(h *[8]uint32, p []byte)

// blockARM2 is blockARM on two streams at once, their rounds interleaved
// (block_arm64.s); len(p0) == len(p1).
//
//go:noescape
func blockARM2(h0, h1 *[8]uint32, p0, p1 []byte)

// block branches on a variable rather than calling through a func value, so
// that p does not escape and callers can hash stack buffers.
func block(h *[8]uint32, p []byte) {
	if useAsm {
		blockARM(h, p)
		return
	}
	blockGeneric(h, p)
}

// block2 absorbs p0 into h0 and p1 into h1 (len(p0) == len(p1)), two-lane
// where the CPU allows it.
func block2(h0, h1 *[8]uint32, p0, p1 []byte) {
	if useAsm2 {
		blockARM2(h0, h1, p0, p1)
		return
	}
	block(h0, p0)
	block(h1, p1)
}
