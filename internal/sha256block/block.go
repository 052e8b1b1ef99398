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
// padding included) and nothing else.
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
	if prefixLen%BlockSize != 0 {
		panic("sha256block: Sum needs a prefix of whole blocks")
	}
	// Whole blocks are hashed in place, except that a message of up to two
	// blocks is hashed with its padding in one call: per call the block
	// function pays a fixed cost comparable to a block.
	var pad [2 * BlockSize]byte
	head := 0
	if len(msg) > len(pad)-9 {
		head = len(msg) &^ (BlockSize - 1)
		block(&h, msg[:head])
	}
	r := copy(pad[:], msg[head:])
	pad[r] = 0x80
	n := (r + 9 + BlockSize - 1) &^ (BlockSize - 1)
	binary.BigEndian.PutUint64(pad[n-8:], (prefixLen+uint64(len(msg)))<<3)
	block(&h, pad[:n])
	return h
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
