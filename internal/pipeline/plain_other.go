//go:build !amd64 || purego

package pipeline

// plainBlocks is plain_amd64.s's test of whole blocks; elsewhere
// plainPrefix's word-at-a-time loop does all of it.
func plainBlocks(s string) int { return 0 }
