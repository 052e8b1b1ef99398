//go:build arm64 && !purego

package sha256block

import "testing"

// TestBlockARMIgnoresATail checks that blockARM, called directly, absorbs
// only the whole blocks of p: nothing for fewer than 64 bytes, and no more
// than the whole blocks otherwise (Block never passes it a tail, but the
// assembly should not read past one if it did).
func TestBlockARMIgnoresATail(t *testing.T) {
	if !useAsm {
		t.Skip("no ARMv8 SHA2 instructions on this CPU")
	}
	p := make([]byte, 3*BlockSize)
	for i := range p {
		p[i] = byte(i * 7)
	}
	for _, n := range []int{0, 1, 63, 64, 65, 127, 128, 191} {
		a, g := IV, IV
		blockARM(&a, p[:n])
		blockGeneric(&g, p[:n&^(BlockSize-1)])
		if a != g {
			t.Errorf("blockARM of %d bytes = %08x, want %08x", n, a, g)
		}
	}
}
