package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func names(objs []Object, dir string) []string {
	var out []string
	for _, o := range objs {
		rel, _ := filepath.Rel(dir, o.Name)
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

// TestLocalListOrderAndMarkers: a directory lists its files at any depth in
// lexical order of the full name, without _ and . markers; a glob lists its
// matches the same way; a file lists itself, whatever its name.
func TestLocalListOrderAndMarkers(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b/2.ndjson", "b/10.ndjson", "a.ndjson", "_SUCCESS", ".a.ndjson.crc", "c/_tmp/x.ndjson", ".hidden/y.ndjson", "b/1.parquet"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	cases := []struct {
		arg  string
		want []string
	}{
		{dir, []string{"a.ndjson", "b/1.parquet", "b/10.ndjson", "b/2.ndjson"}},
		{filepath.Join(dir, "b", "*.ndjson"), []string{"b/10.ndjson", "b/2.ndjson"}},
		{filepath.Join(dir, "*"), []string{"a.ndjson", "b/1.parquet", "b/10.ndjson", "b/2.ndjson"}},
		{filepath.Join(dir, "_SUCCESS"), []string{"_SUCCESS"}},
	}
	for _, tc := range cases {
		objs, err := Local{}.List(ctx, tc.arg)
		if err != nil {
			t.Fatalf("%s: %v", tc.arg, err)
		}
		if got := names(objs, dir); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.arg, got, tc.want)
		}
		for _, o := range objs {
			if o.Size != int64(len(names([]Object{o}, dir)[0])) {
				t.Errorf("%s: size %d", o.Name, o.Size)
			}
		}
	}
	for _, arg := range []string{filepath.Join(dir, "*.csv"), filepath.Join(dir, "missing"), filepath.Join(dir, "c")} {
		if _, err := (Local{}).List(ctx, arg); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: err %v, want fs.ErrNotExist", arg, err)
		}
	}
}

func TestLocalOpenRange(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	obj, err := Local{}.Stat(context.Background(), p)
	if err != nil || obj.Size != 10 {
		t.Fatal(obj, err)
	}
	for _, tc := range []struct {
		off, end int64
		want     string
	}{{0, -1, "0123456789"}, {3, 7, "3456"}, {9, -1, "9"}, {4, 4, ""}} {
		r, err := Local{}.OpenRange(context.Background(), obj, tc.off, tc.end)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if string(got) != tc.want {
			t.Errorf("[%d, %d) = %q, want %q", tc.off, tc.end, got, tc.want)
		}
	}
	ra, err := Local{}.OpenReaderAt(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	b := make([]byte, 3)
	if _, err := ra.ReadAt(b, 5); err != nil || string(b) != "567" || ra.Size() != 10 {
		t.Errorf("ReadAt: %q %v", b, err)
	}
}
