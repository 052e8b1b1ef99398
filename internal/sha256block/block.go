// Package sha256block is SHA-256 at the level of compression blocks: the
// chaining state is a plain [8]uint32 the caller owns, and Block absorbs whole
// 64-byte blocks into it with the fastest instructions the CPU has (SHA-NI on
// x86-64, the ARMv8 SHA2 extension on arm64) or pure Go.
//
// It exists for the signing hot path. A presigned URL is about eight SHA-256
// blocks (the canonical request, then an HMAC resumed from prepared key
// states); hashing them through hash.Hash costs as much again in state
// copies, buffering, interface calls and state (un)marshalling. With the
// state in the caller's hands, a presign is three block calls (one per hash,
// padding included) and nothing else. Block2 and Sum2 hash two independent
// messages in one pass (two rows of a batch), which costs less than two
// passes where the SHA instructions wait on their own results.
//
// crypto/sha256 and github.com/minio/sha256-simd both have such block
// functions but export neither, hence this package. It is checked against
// crypto/sha256 on every path: by its tests, natively and under emulated CPUs
// (scripts/test-emulated.sh), by fuzzing, and through sigv4, whose signing
// suites run under every SHA-256 backend.
//
// It is also batchsign's one place for SHA-256 dispatch: Sum256, NewSHA256,
// NewResumable and HashReader hash with crypto/sha256, minio/sha256-simd or
// this package's block functions, chosen once per use from one table of CPU
// features (cpu.go) and the BATCHSIGN_SHA256 override; Backend reports the
// choice.
package sha256block

import (
	"encoding/binary"
	"slices"
)

// Size is the length of a SHA-256 digest in bytes.
const Size = 32

// BlockSize is the length of a SHA-256 block in bytes.
const BlockSize = 64

// IV is the SHA-256 initial chaining state (FIPS 180-4, 5.3.3).
var IV = [8]uint32{
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
}

// Block absorbs the whole 64-byte blocks of p into the chaining state h.
// len(p) must be a multiple of BlockSize; Block panics otherwise, since a
// silently dropped tail would be a wrong signature. It does not allocate and
// does not retain p.
func Block(h *[8]uint32, p []byte) {
	if len(p)%BlockSize != 0 {
		panic("sha256block: Block needs whole 64-byte blocks")
	}
	if len(p) == 0 {
		return
	}
	block(h, p)
}

// Sum finishes a hash: it absorbs msg into h, which has already absorbed
// prefixLen bytes (a multiple of BlockSize), applies SHA-256 padding and
// returns the digest. h is taken by value, so a prepared state can be
// finished any number of times. With h = IV and prefixLen = 0 it is
// SHA-256(msg).
func Sum(h [8]uint32, prefixLen uint64, msg []byte) [Size]byte {
	h = SumWords(h, prefixLen, msg)
	var out [Size]byte
	for i, w := range h {
		binary.BigEndian.PutUint32(out[4*i:], w)
	}
	return out
}

// SumWords is Sum returning the final chaining words rather than their
// big-endian bytes (the digest is the words in order, most significant byte
// first), for callers that format the digest themselves.
func SumWords(h [8]uint32, prefixLen uint64, msg []byte) [8]uint32 {
	var pad [2 * BlockSize]byte
	head, n := finalBlocks(&pad, prefixLen, msg)
	if head > 0 {
		block(&h, msg[:head])
	}
	block(&h, pad[:n])
	return h
}

// finalBlocks splits msg, which follows prefixLen bytes already absorbed,
// into msg[:head], whole blocks to hash in place, and pad[:n], the rest of
// msg with SHA-256's padding (one or two blocks). A message of up to two
// blocks with its padding is left whole to the padded part, so that it is
// hashed in one call: per call the block function pays a fixed cost
// comparable to a block.
func finalBlocks(pad *[2 * BlockSize]byte, prefixLen uint64, msg []byte) (head, n int) {
	if prefixLen%BlockSize != 0 {
		panic("sha256block: Sum needs a prefix of whole blocks")
	}
	if len(msg) > len(pad)-9 {
		head = len(msg) &^ (BlockSize - 1)
	}
	r := copy(pad[:], msg[head:])
	pad[r] = 0x80
	n = (r + 9 + BlockSize - 1) &^ (BlockSize - 1)
	binary.BigEndian.PutUint64(pad[n-8:], (prefixLen+uint64(len(msg)))<<3)
	return head, n
}

// Block2 absorbs the whole blocks of p0 into h0 and those of p1 into h1, as
// Block(h0, p0) and Block(h1, p1) would, in one pass that interleaves the two
// streams where the CPU has SHA instructions: the rounds of one block depend
// on each other and leave the SHA units idle between them, so a second
// independent stream costs far less than a second call. Elsewhere it is the
// two calls.
//
// len(p0) must equal len(p1) and be a multiple of BlockSize, and h0 and h1
// must be distinct states; Block2 panics otherwise. It does not allocate and
// does not retain p0 or p1.
func Block2(h0, h1 *[8]uint32, p0, p1 []byte) {
	if len(p0) != len(p1) || len(p0)%BlockSize != 0 {
		panic("sha256block: Block2 needs two runs of whole 64-byte blocks of one length")
	}
	if h0 == h1 {
		panic("sha256block: Block2 needs two distinct states")
	}
	if len(p0) == 0 {
		return
	}
	block2(h0, h1, p0, p1)
}

// Sum2 is Sum on two messages at once: it returns Sum(h0, prefixLen0, msg0)
// and Sum(h1, prefixLen1, msg1), hashing the blocks the two have in common
// (by count, padding included) two-lane as Block2 does and the rest of the
// longer one alone. It does not allocate.
func Sum2(h0, h1 [8]uint32, prefixLen0, prefixLen1 uint64, msg0, msg1 []byte) (sum0, sum1 [Size]byte) {
	h0, h1 = SumWords2(h0, h1, prefixLen0, prefixLen1, msg0, msg1)
	for i := range h0 {
		binary.BigEndian.PutUint32(sum0[4*i:], h0[i])
		binary.BigEndian.PutUint32(sum1[4*i:], h1[i])
	}
	return sum0, sum1
}

// SumWords2 is Sum2 returning the final chaining words, as SumWords does.
func SumWords2(h0, h1 [8]uint32, prefixLen0, prefixLen1 uint64, msg0, msg1 []byte) ([8]uint32, [8]uint32) {
	var pad0, pad1 [2 * BlockSize]byte
	head0, n0 := finalBlocks(&pad0, prefixLen0, msg0)
	head1, n1 := finalBlocks(&pad1, prefixLen1, msg1)
	// Each lane's blocks are two runs, its head in place and its padded
	// tail: walk both, two-lane while both have blocks left, at most three
	// calls since each lane changes runs once.
	a0, b0 := msg0[:head0], pad0[:n0]
	a1, b1 := msg1[:head1], pad1[:n1]
	for {
		x, y := &a0, &a1
		if len(a0) == 0 {
			x = &b0
		}
		if len(a1) == 0 {
			y = &b1
		}
		n := min(len(*x), len(*y))
		if n == 0 {
			break
		}
		block2(&h0, &h1, (*x)[:n], (*y)[:n])
		*x, *y = (*x)[n:], (*y)[n:]
	}
	// At most one lane has blocks left.
	for _, p := range [...][]byte{a0, b0} {
		if len(p) > 0 {
			block(&h0, p)
		}
	}
	for _, p := range [...][]byte{a1, b1} {
		if len(p) > 0 {
			block(&h1, p)
		}
	}
	return h0, h1
}

// AppendPadding appends to b the SHA-256 padding of a message of msgLen bytes
// in all (including any prefix already absorbed): 0x80, zeros, and the length
// in bits, so that msgLen plus the padding is a whole number of blocks. A
// caller whose buffer ends with the message can then hash it in one Block
// call without copying it.
func AppendPadding(b []byte, msgLen uint64) []byte {
	r := int(msgLen % BlockSize)
	n := BlockSize - r
	if r >= BlockSize-8 {
		n += BlockSize
	}
	l := len(b)
	b = slices.Grow(b, n)[:l+n]
	b[l] = 0x80
	clear(b[l+1 : l+n-8])
	binary.BigEndian.PutUint64(b[l+n-8:], msgLen<<3)
	return b
}

//go:generate go run gen.go gen_amd64.go gen_arm64.go
