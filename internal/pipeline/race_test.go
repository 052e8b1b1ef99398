//go:build race

package pipeline

// raceEnabled: the race detector multiplies memory, so peak-RSS bounds do
// not apply.
const raceEnabled = true
