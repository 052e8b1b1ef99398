// Package vectors finds the test vectors we did not write: the files under
// the repository's top-level testdata/ folder (the official AWS signing test
// suite, the S3 documentation examples, RFC HMAC vectors, Microsoft's Azure
// HMAC requests, Google's GCS conformance tests), each kept unchanged with its
// licence and a SOURCE note. Tests of every package read them through here,
// so a plain clone of the repository passes its tests with nothing beside it.
package vectors

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the absolute path of the repository's testdata/ folder.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("vectors: no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Path returns the absolute path of testdata/name.
func Path(name string) string { return filepath.Join(Dir(), filepath.FromSlash(name)) }

// Read returns the contents of testdata/name. A missing file fails the test,
// never skips it: a vector that is gone must not turn into a green run.
func Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(name))
	if err != nil {
		t.Fatalf("test vectors: %v", err)
	}
	return b
}
