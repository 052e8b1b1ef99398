//go:build amd64 && !purego

package sha256block

// asmBuild: block_amd64.s is built in.
const asmBuild = true

// blockSHANI absorbs the whole blocks of p into h with SHA256RNDS2 and
// SHA256MSG1/2 (block_amd64.s).
//
//go:noescape
func blockSHANI(h *[8]uint32, p []byte)

// blockSHANI2 is blockSHANI on two streams at once, their rounds
// interleaved (block_amd64.s); len(p0) == len(p1).
//
//go:noescape
func blockSHANI2(h0, h1 *[8]uint32, p0, p1 []byte)

// block branches on a variable rather than calling through a func value, so
// that p does not escape and callers can hash stack buffers.
func block(h *[8]uint32, p []byte) {
	if useAsm {
		blockSHANI(h, p)
		return
	}
	blockGeneric(h, p)
}

// block2 absorbs p0 into h0 and p1 into h1 (len(p0) == len(p1)), two-lane
// where the CPU allows it.
func block2(h0, h1 *[8]uint32, p0, p1 []byte) {
	if useAsm2 {
		blockSHANI2(h0, h1, p0, p1)
		return
	}
	block(h0, p0)
	block(h1, p1)
}
