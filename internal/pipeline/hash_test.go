package pipeline

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHashFileStreamsWithTheCallersBuffer(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, mmapMin - 1, mmapMin, hashBufSize - 1, hashBufSize, 2*hashBufSize + 7} {
		data := []byte(strings.Repeat("batchsign", size/9+1)[:size])
		path := filepath.Join(dir, "body")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sum, n, err := hashFile(context.Background(), path, make([]byte, hashBufSize))
		if err != nil || n != int64(size) || sum != sha256.Sum256(data) {
			t.Errorf("size %d: n %d err %v, sum mismatch %v", size, n, err, sum != sha256.Sum256(data))
		}
	}
	if _, _, err := hashFile(context.Background(), filepath.Join(dir, "missing"), nil); err == nil {
		t.Error("missing file hashed")
	}
}
