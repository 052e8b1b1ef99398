//go:build (!amd64 && !arm64) || purego

package sha256block

// asmBuild: no assembly in this build (another architecture, or purego).
const asmBuild = false

func block(h *[8]uint32, p []byte) { blockGeneric(h, p) }

func block2(h0, h1 *[8]uint32, p0, p1 []byte) {
	blockGeneric(h0, p0)
	blockGeneric(h1, p1)
}
