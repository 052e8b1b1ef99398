//go:build (!amd64 && !arm64) || purego

package sha256block

const implementation = "generic"

func block(h *[8]uint32, p []byte) { blockGeneric(h, p) }
