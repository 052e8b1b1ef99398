//go:build amd64 && !purego

package pipeline

// plainBlocks returns the length of the longest prefix of s made of whole
// 32-byte blocks that go into a JSON string as is (see plainPrefix): SSE2,
// part of every amd64 CPU, tests 16 bytes in five instructions, where the
// word-at-a-time test takes some fifteen per 8 bytes.
//
//go:noescape
func plainBlocks(s string) int
