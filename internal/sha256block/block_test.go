package sha256block

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"testing"
)

// stateOf returns crypto/sha256's chaining state after it has absorbed p
// (whole blocks), read from its "sha\x03" serialisation.
func stateOf(t testing.TB, p []byte) [8]uint32 {
	t.Helper()
	h := sha256.New()
	h.Write(p)
	b, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var st [8]uint32
	for i := range st {
		st[i] = binary.BigEndian.Uint32(b[4+4*i:])
	}
	return st
}

func TestSumMatchesCryptoSHA256(t *testing.T) {
	t.Logf("implementation: %s", blockImpl())
	rng := rand.New(rand.NewPCG(1, 2))
	msg := make([]byte, 1100)
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	// Every length across the padding boundaries (55/56/63/64 and beyond).
	for n := 0; n <= len(msg); n++ {
		if got, want := Sum(IV, 0, msg[:n]), sha256.Sum256(msg[:n]); got != want {
			t.Fatalf("Sum of %d bytes = %x, want %x", n, got, want)
		}
	}
}

func TestSumResumesFromAPrefix(t *testing.T) {
	prefix := bytes.Repeat([]byte{0x36}, 3*BlockSize)
	h := stateOf(t, prefix)
	for _, n := range []int{0, 1, 55, 56, 63, 64, 65, 119, 120, 200} {
		msg := bytes.Repeat([]byte{'m'}, n)
		want := sha256.Sum256(append(append([]byte{}, prefix...), msg...))
		if got := Sum(h, uint64(len(prefix)), msg); got != want {
			t.Errorf("resumed Sum of %d bytes = %x, want %x", n, got, want)
		}
	}
}

// TestBlockMatchesGeneric checks the dispatched block function (SHA-NI or
// ARMv8 SHA2 where the CPU has it) against the pure-Go one and against
// crypto/sha256's state, for one block and for many in one call.
func TestBlockMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, blocks := range []int{1, 2, 3, 7, 64} {
		for trial := range 50 {
			p := make([]byte, blocks*BlockSize)
			for i := range p {
				p[i] = byte(rng.Uint32())
			}
			var start [8]uint32
			for i := range start {
				start[i] = rng.Uint32()
			}
			if trial == 0 {
				start = IV
			}
			a, g := start, start
			Block(&a, p)
			blockGeneric(&g, p)
			if a != g {
				t.Fatalf("%d blocks, trial %d: Block = %08x, generic = %08x", blocks, trial, a, g)
			}
			if trial == 0 {
				if want := stateOf(t, p); a != want {
					t.Fatalf("%d blocks from IV: %08x, crypto/sha256 %08x", blocks, a, want)
				}
			}
		}
	}
}

func TestBlockRejectsPartialBlocks(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Block accepted 65 bytes")
		}
	}()
	h := IV
	Block(&h, make([]byte, 65))
}

func TestSumAllocatesNothing(t *testing.T) {
	msg := make([]byte, 300)
	if n := testing.AllocsPerRun(100, func() { _ = Sum(IV, 0, msg) }); n != 0 {
		t.Errorf("Sum allocates %v times", n)
	}
}

func FuzzSum(f *testing.F) {
	f.Add([]byte(""), uint8(0))
	f.Add(bytes.Repeat([]byte("a"), 56), uint8(1))
	f.Fuzz(func(t *testing.T, msg []byte, prefixBlocks uint8) {
		prefix := bytes.Repeat([]byte{0x5c}, int(prefixBlocks%4)*BlockSize)
		h := stateOf(t, prefix)
		want := sha256.Sum256(append(append([]byte{}, prefix...), msg...))
		if got := Sum(h, uint64(len(prefix)), msg); got != want {
			t.Fatalf("Sum = %x, want %x", got, want)
		}
		g := h
		full := len(msg) &^ (BlockSize - 1)
		Block(&h, msg[:full])
		blockGeneric(&g, msg[:full])
		if h != g {
			t.Fatalf("Block = %08x, generic %08x", h, g)
		}
	})
}

func BenchmarkBlock(b *testing.B) {
	for _, impl := range []struct {
		name string
		f    func(*[8]uint32, []byte)
	}{{blockImpl(), Block}, {"generic", blockGeneric}} {
		b.Run(impl.name, func(b *testing.B) {
			p := make([]byte, BlockSize)
			h := IV
			b.SetBytes(BlockSize)
			for b.Loop() {
				impl.f(&h, p)
			}
		})
	}
}

func BenchmarkSum(b *testing.B) {
	for _, n := range []int{32, 250} {
		msg := make([]byte, n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				_ = Sum(IV, 0, msg)
			}
		})
	}
}

func TestAppendPaddingMatchesSum(t *testing.T) {
	for n := 0; n <= 200; n++ {
		msg := bytes.Repeat([]byte{'p'}, n)
		b := AppendPadding(append([]byte{}, msg...), uint64(n))
		if len(b)%BlockSize != 0 || len(b)-n < 9 || len(b)-n > BlockSize+8 {
			t.Fatalf("%d bytes: padded to %d", n, len(b))
		}
		h := IV
		Block(&h, b)
		if got, want := SumWords(IV, 0, msg), h; got != want {
			t.Fatalf("%d bytes: in-place %08x, Sum %08x", n, want, got)
		}
	}
}
