package sha256block

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// prefixState is a chaining state after a prefix of whole blocks, with the
// prefix itself, for checking a resumed hash against crypto/sha256.
type prefixState struct {
	prefix []byte
	h      [8]uint32
}

// testPrefixes returns the prefix states the two-lane tests resume from: none
// (IV), an HMAC-like pad block and three blocks of random bytes.
func testPrefixes(t testing.TB) []prefixState {
	rnd := make([]byte, 3*BlockSize)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range rnd {
		rnd[i] = byte(rng.Uint32())
	}
	var ps []prefixState
	for _, p := range [][]byte{nil, bytes.Repeat([]byte{0x36}, BlockSize), rnd} {
		ps = append(ps, prefixState{p, stateOf(t, p)})
	}
	return ps
}

// TestSum2MatchesCryptoSHA256 checks both lanes of Sum2 against crypto/sha256
// for every message length 0-1,100 in each lane, each paired with lengths of
// the same, fewer and more blocks in the other lane, from several prefix
// states; and every pair of lengths up to 200 (the padding boundaries of the
// first three blocks, in both lanes at once).
func TestSum2MatchesCryptoSHA256(t *testing.T) {
	t.Logf("two-lane implementation: %s", block2Impl())
	const maxLen = 1100
	rng := rand.New(rand.NewPCG(5, 6))
	msg0 := make([]byte, maxLen)
	msg1 := make([]byte, maxLen)
	for i := range msg0 {
		msg0[i], msg1[i] = byte(rng.Uint32()), byte(rng.Uint32())
	}
	ps := testPrefixes(t)
	// want[lane][prefix][n]: SHA-256 of prefix || msg_lane[:n].
	var want [2][][maxLen + 1][Size]byte
	for lane, msg := range [][]byte{msg0, msg1} {
		want[lane] = make([][maxLen + 1][Size]byte, len(ps))
		for pi, p := range ps {
			for n := 0; n <= maxLen; n++ {
				want[lane][pi][n] = sha256.Sum256(append(append([]byte{}, p.prefix...), msg[:n]...))
			}
		}
	}
	check := func(p0, p1, n0, n1 int) {
		t.Helper()
		s0, s1 := Sum2(ps[p0].h, ps[p1].h, uint64(len(ps[p0].prefix)), uint64(len(ps[p1].prefix)), msg0[:n0], msg1[:n1])
		if s0 != want[0][p0][n0] || s1 != want[1][p1][n1] {
			t.Fatalf("Sum2(prefix %d, %d bytes; prefix %d, %d bytes) = %x, %x; want %x, %x",
				len(ps[p0].prefix), n0, len(ps[p1].prefix), n1, s0, s1, want[0][p0][n0], want[1][p1][n1])
		}
	}
	for n := 0; n <= maxLen; n++ {
		for _, m := range []int{n, maxLen - n, (n*7 + 13) % (maxLen + 1), rng.IntN(maxLen + 1), max(n-64, 0), min(n+64, maxLen)} {
			p0, p1 := n%len(ps), (n/len(ps)+m)%len(ps)
			check(p0, p1, n, m)
			check(p1, p0, m, n)
		}
	}
	for n0 := 0; n0 <= 200; n0++ {
		for n1 := 0; n1 <= 200; n1++ {
			check((n0+n1)%len(ps), n1%len(ps), n0, n1)
		}
	}
}

// TestBlock2MatchesBlock checks Block2 against two Block calls and the pure-Go
// block function, from random states and from IV (then against
// crypto/sha256's state too), for one block and for many in one call.
func TestBlock2MatchesBlock(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, blocks := range []int{0, 1, 2, 3, 4, 8, 64} {
		for trial := range 20 {
			p0 := make([]byte, blocks*BlockSize)
			p1 := make([]byte, blocks*BlockSize)
			for i := range p0 {
				p0[i], p1[i] = byte(rng.Uint32()), byte(rng.Uint32())
			}
			if trial == 1 {
				copy(p1, p0) // equal lanes must stay equal
			}
			var s0, s1 [8]uint32
			for i := range s0 {
				s0[i], s1[i] = rng.Uint32(), rng.Uint32()
			}
			if trial == 0 {
				s0, s1 = IV, IV
			}
			a0, a1, g0, g1 := s0, s1, s0, s1
			Block2(&a0, &a1, p0, p1)
			blockGeneric(&g0, p0)
			blockGeneric(&g1, p1)
			if a0 != g0 || a1 != g1 {
				t.Fatalf("%d blocks, trial %d: Block2 = %08x, %08x; generic %08x, %08x", blocks, trial, a0, a1, g0, g1)
			}
			b0, b1 := s0, s1
			Block(&b0, p0)
			Block(&b1, p1)
			if a0 != b0 || a1 != b1 {
				t.Fatalf("%d blocks, trial %d: Block2 = %08x, %08x; Block %08x, %08x", blocks, trial, a0, a1, b0, b1)
			}
			if trial == 0 {
				if w0, w1 := stateOf(t, p0), stateOf(t, p1); a0 != w0 || a1 != w1 {
					t.Fatalf("%d blocks from IV: %08x, %08x; crypto/sha256 %08x, %08x", blocks, a0, a1, w0, w1)
				}
			}
		}
	}
}

// TestBlock2IgnoresATail calls the two-lane block function directly, as
// block2 does, with lengths that are not whole blocks: it must absorb only
// the whole blocks (Block2 never passes a tail, but the assembly should not
// read past one if it did).
func TestBlock2IgnoresATail(t *testing.T) {
	p0 := make([]byte, 3*BlockSize)
	p1 := make([]byte, 3*BlockSize)
	for i := range p0 {
		p0[i], p1[i] = byte(i*7), byte(i*13+1)
	}
	for _, n := range []int{0, 1, 63, 64, 65, 127, 128, 191} {
		a0, a1, g0, g1 := IV, IV, IV, IV
		block2(&a0, &a1, p0[:n], p1[:n])
		blockGeneric(&g0, p0[:n&^(BlockSize-1)])
		blockGeneric(&g1, p1[:n&^(BlockSize-1)])
		if a0 != g0 || a1 != g1 {
			t.Errorf("block2 of %d bytes = %08x, %08x; want %08x, %08x", n, a0, a1, g0, g1)
		}
	}
}

func TestBlock2RejectsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n0, n1 int
		same   bool
	}{
		{"partial blocks", 65, 65, false},
		{"unequal lengths", 64, 128, false},
		{"one state twice", 64, 64, true},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Block2 did not panic", tc.name)
				}
			}()
			h0, h1 := IV, IV
			p1 := &h1
			if tc.same {
				p1 = &h0
			}
			Block2(&h0, p1, make([]byte, tc.n0), make([]byte, tc.n1))
		}()
	}
}

func TestSum2AllocatesNothing(t *testing.T) {
	msg0, msg1 := make([]byte, 300), make([]byte, 500)
	if n := testing.AllocsPerRun(100, func() { _, _ = Sum2(IV, IV, 0, 0, msg0, msg1) }); n != 0 {
		t.Errorf("Sum2 allocates %v times", n)
	}
	h0, h1 := IV, IV
	if n := testing.AllocsPerRun(100, func() { Block2(&h0, &h1, msg0[:256], msg1[:256]) }); n != 0 {
		t.Errorf("Block2 allocates %v times", n)
	}
}

// TestBlock2FollowsTheClass: the two-lane assembly runs exactly where the
// one-lane assembly does.
func TestBlock2FollowsTheClass(t *testing.T) {
	if useAsm2 != useAsm {
		t.Errorf("Block2 runs %s but Block runs %s", block2Impl(), blockImpl())
	}
}

func FuzzSum2(f *testing.F) {
	f.Add([]byte(""), []byte("abc"), uint8(0), uint8(1))
	f.Add(bytes.Repeat([]byte("a"), 56), bytes.Repeat([]byte("b"), 300), uint8(1), uint8(0))
	f.Add(bytes.Repeat([]byte("c"), 128), bytes.Repeat([]byte("d"), 119), uint8(2), uint8(3))
	f.Fuzz(func(t *testing.T, msg0, msg1 []byte, prefix0, prefix1 uint8) {
		pre0 := bytes.Repeat([]byte{0x5c}, int(prefix0%4)*BlockSize)
		pre1 := bytes.Repeat([]byte{0x36}, int(prefix1%4)*BlockSize)
		h0, h1 := stateOf(t, pre0), stateOf(t, pre1)
		want0 := sha256.Sum256(append(append([]byte{}, pre0...), msg0...))
		want1 := sha256.Sum256(append(append([]byte{}, pre1...), msg1...))
		got0, got1 := Sum2(h0, h1, uint64(len(pre0)), uint64(len(pre1)), msg0, msg1)
		if got0 != want0 || got1 != want1 {
			t.Fatalf("Sum2 = %x, %x; want %x, %x", got0, got1, want0, want1)
		}
		full := min(len(msg0), len(msg1)) &^ (BlockSize - 1)
		a0, a1, g0, g1 := h0, h1, h0, h1
		Block2(&a0, &a1, msg0[:full], msg1[:full])
		blockGeneric(&g0, msg0[:full])
		blockGeneric(&g1, msg1[:full])
		if a0 != g0 || a1 != g1 {
			t.Fatalf("Block2 = %08x, %08x; generic %08x, %08x", a0, a1, g0, g1)
		}
	})
}

// BenchmarkBlock2 compares one two-lane call with two one-lane calls on the
// same blocks (lanes=2 against lanes=1, for `benchstat -col /lanes`). Both
// process 2×blocks blocks per op; ns/block is per block of either lane.
func BenchmarkBlock2(b *testing.B) {
	for _, blocks := range []int{1, 2, 4, 8} {
		p0 := make([]byte, blocks*BlockSize)
		p1 := make([]byte, blocks*BlockSize)
		for i := range p0 {
			p0[i], p1[i] = byte(i), byte(i*3)
		}
		for _, lanes := range []int{1, 2} {
			b.Run(fmt.Sprintf("blocks=%d/lanes=%d", blocks, lanes), func(b *testing.B) {
				h0, h1 := IV, IV
				b.SetBytes(int64(2 * len(p0)))
				b.ReportAllocs()
				if lanes == 2 {
					for b.Loop() {
						Block2(&h0, &h1, p0, p1)
					}
				} else {
					for b.Loop() {
						Block(&h0, p0)
						Block(&h1, p1)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*2*blocks), "ns/block")
			})
		}
	}
}

// BenchmarkSum2 compares Sum2 with two Sum calls on messages of the sizes a
// presign hashes: a canonical request (250 bytes), a string to sign resumed
// after a pad block (~120) and an outer HMAC message (32).
func BenchmarkSum2(b *testing.B) {
	for _, n := range []int{32, 120, 250} {
		msg0, msg1 := make([]byte, n), bytes.Repeat([]byte{1}, n)
		for _, lanes := range []int{1, 2} {
			b.Run(fmt.Sprintf("%d/lanes=%d", n, lanes), func(b *testing.B) {
				b.SetBytes(int64(2 * n))
				b.ReportAllocs()
				if lanes == 2 {
					for b.Loop() {
						_, _ = Sum2(IV, IV, BlockSize, BlockSize, msg0, msg1)
					}
				} else {
					for b.Loop() {
						_ = Sum(IV, BlockSize, msg0)
						_ = Sum(IV, BlockSize, msg1)
					}
				}
			})
		}
	}
}

// BenchmarkBlock2Paired measures what BenchmarkBlock2 does in a form that
// survives a busy machine: each iteration times a window of 100 two-call
// (lanes=1) operations and then 100 Block2 calls on the same blocks, so both
// see the same load, and the benchmark reports the median and fastest
// windows' ns/block for each and their ratios (x2/x1 < 1: two lanes win).
func BenchmarkBlock2Paired(b *testing.B) {
	for _, blocks := range []int{1, 2, 4, 8} {
		p0 := make([]byte, blocks*BlockSize)
		p1 := make([]byte, blocks*BlockSize)
		b.Run(fmt.Sprintf("blocks=%d", blocks), func(b *testing.B) {
			h0, h1 := IV, IV
			pairedWindows(b, 2*blocks, func() {
				Block(&h0, p0)
				Block(&h1, p1)
			}, func() {
				Block2(&h0, &h1, p0, p1)
			})
		})
	}
}

// pairedWindows runs one and two in alternating windows of 100 calls, once
// per benchmark iteration, and reports per unit (units per call) the median
// and minimum ns of each and the ratios two/one.
func pairedWindows(b *testing.B, units int, one, two func()) {
	const window = 100
	var t1, t2 []float64
	for b.Loop() {
		s := time.Now()
		for range window {
			one()
		}
		m := time.Now()
		for range window {
			two()
		}
		e := time.Now()
		t1 = append(t1, float64(m.Sub(s).Nanoseconds())/float64(window*units))
		t2 = append(t2, float64(e.Sub(m).Nanoseconds())/float64(window*units))
	}
	slices.Sort(t1)
	slices.Sort(t2)
	b.ReportMetric(t1[len(t1)/2], "med-ns/unit-x1")
	b.ReportMetric(t2[len(t2)/2], "med-ns/unit-x2")
	b.ReportMetric(t2[len(t2)/2]/t1[len(t1)/2], "med-x2/x1")
	b.ReportMetric(t2[0]/t1[0], "min-x2/x1")
}
