//go:build unix

package keyring

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadPrivateFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"secret":"s3cr3t"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "open.json")
	if err := os.WriteFile(open, []byte(`{"secret":"s3cr3t"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadPrivateFile(good, "--key", 1<<10); err != nil || string(b) != `{"secret":"s3cr3t"}` {
		t.Errorf("good: %q %v", b, err)
	}
	for _, tc := range []struct {
		path  string
		limit int64
		want  string
	}{
		{open, 1 << 10, "--key " + open + ": permissions 0644 are too open"},
		{dir, 1 << 10, "not a regular file"},
		{filepath.Join(dir, "missing"), 1 << 10, "no such file"},
		{good, 4, "larger than 4 bytes"},
	} {
		_, err := ReadPrivateFile(tc.path, "--key", tc.limit)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
	if _, err := ReadPrivateFile(open, "--key", 1<<10); !errors.Is(err, ErrInsecurePermissions) {
		t.Errorf("0644: %v is not ErrInsecurePermissions", err)
	}
}
