//go:build amd64 && !purego

package sha256block

// asmBuild: block_amd64.s is built in.
const asmBuild = true

// blockSHANI absorbs the whole blocks of p into h with SHA256RNDS2 and
// SHA256MSG1/2 (block_amd64.s).
//
//go:noescape
func blockSHANI(h *[8]uint32, p []byte)

// block branches on a variable rather than calling through a func value, so
// that p does not escape and callers can hash stack buffers.
func block(h *[8]uint32, p []byte) {
	if useAsm {
		blockSHANI(h, p)
		return
	}
	blockGeneric(h, p)
}
