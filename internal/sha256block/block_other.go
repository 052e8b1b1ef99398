//go:build (!amd64 && !arm64) || purego

package sha256block

// asmBuild: no assembly in this build (another architecture, or purego).
const asmBuild = false

func block(h *[8]uint32, p []byte) { blockGeneric(h, p) }
