package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestCorruptParquetManifestNeverCrashes flips bytes of a Parquet
// manifest's footer and runs presign and verify on each copy: a decoder that
// panics (parquet-go does on some corrupt footers) must end the run with an
// error naming the file, exit 3 (the manifest could not be read), never a Go
// stack trace.
func TestCorruptParquetManifestNeverCrashes(t *testing.T) {
	dir := cleanEnv(t)
	type rec struct {
		ID     string `parquet:"id"`
		Bucket string `parquet:"bucket"`
		Key    string `parquet:"key"`
		URL    string `parquet:"url,optional"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[rec](&buf, parquet.MaxRowsPerRowGroup(16))
	for i := 0; i < 100; i++ {
		if _, err := w.Write([]rec{{ID: fmt.Sprint(i), Bucket: "b", Key: fmt.Sprintf("k%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	footer := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	path := filepath.Join(dir, "corrupt.parquet")
	corrupt := 0
	codes := map[int]int{}
	// Every fifth byte, presign and verify in turn: about 400 runs (every
	// byte with both commands takes 15 s; the pipeline's FuzzParquetFooter
	// and TestCorruptParquetFooterIsAnErrorNotAPanic cover the decoder).
	for i := len(data) - 8 - footer; i < len(data)-8; i += 5 {
		mut := bytes.Clone(data)
		mut[i] ^= 0xff
		if err := os.WriteFile(path, mut, 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := []string{"presign", "verify"}[i%2]
		code, _, stderr := runIn(t, "", cmd, path, "--time", pinned, "-o", filepath.Join(dir, "out.ndjson"))
		if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
			t.Fatalf("%s, byte %d: %s", cmd, i, stderr)
		}
		if strings.Contains(stderr, "corrupt manifest") {
			corrupt++
			codes[code]++
			if code != exitFailed || !strings.Contains(stderr, path) {
				t.Errorf("%s, byte %d: exit %d, stderr %q: want exit 3 naming the file", cmd, i, code, stderr)
			}
		}
	}
	if corrupt == 0 {
		t.Fatalf("no byte of a %d-byte footer made the decoder fail: the test proves nothing", footer)
	}
	t.Logf("%d-byte footer: %d runs ended on a contained decoder panic (exit status: count %v)", footer, corrupt, codes)
}
