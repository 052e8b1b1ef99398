//go:build arm64 && !purego

package sha256block

// Until the ARMv8 SHA2 block function lands, arm64 runs the pure-Go one;
// Accelerated reports false, so callers keep to crypto/sha256 there.
const implementation = "generic"

func block(h *[8]uint32, p []byte) { blockGeneric(h, p) }
