package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedTestdataDir is where the vectors we did not write live, relative to
// this package's directory: CI and every developer have shared/ beside the
// repository root, and `go test` runs in <root>/engine.
const sharedTestdataDir = "../../shared/testdata"

// sharedTestdata returns the contents of ../shared/testdata/<name> (seen from
// the repository root). It fails the test, never skips it: a vector file that
// is missing must not turn into a green run.
func sharedTestdata(t testing.TB, name string) []byte {
	t.Helper()
	p := filepath.Join(sharedTestdataDir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		abs, _ := filepath.Abs(p)
		t.Fatalf("shared test vectors missing: %v\n(expected %s: clone the repository with shared/ beside its root, see shared/README.md)", err, abs)
	}
	return b
}
