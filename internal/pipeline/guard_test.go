package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// footerFixture is a small valid manifest in several row groups, written
// with parquet-go's defaults (page indexes included), as users' tools write
// them.
func footerFixture(t testing.TB) []byte {
	rows := make([]ManifestRecord, 300)
	for i := range rows {
		rows[i] = ManifestRecord{ID: fmt.Sprint(i), Bucket: "b", Key: fmt.Sprintf("k/%d", i), Expires: i64(int64(60 + i)),
			Query: map[string]string{"versionId": fmt.Sprint(i % 7)}}
	}
	return writeParquet(t, rows, parquet.MaxRowsPerRowGroup(64))
}

// readEverything opens data as OpenManifest does and reads every batch,
// returning the first error.
func readEverything(data []byte) (n int, err error) {
	src, err := openParquet("fuzz.parquet", bytes.NewReader(data), int64(len(data)), 0, -1, "")
	if err != nil {
		return 0, err
	}
	defer src.Close()
	b := newBatch(50)
	for {
		b.reset(0)
		err := src.ReadBatch(b)
		n += len(b.rows)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// TestCorruptParquetFooterIsAnErrorNotAPanic flips bytes of the footer (the
// Thrift FileMetaData before the 8-byte trailer) of a valid file, one at a
// time, with two patterns, at about 600 offsets spread over the footer (every
// offset takes 20 s; FuzzParquetFooter covers the rest): the hardening issue
// found 61 of 2,598 such changes panicking inside parquet-go. Each must be an
// error (wrapping ErrCorruptManifest when parquet-go panicked) or a read.
func TestCorruptParquetFooterIsAnErrorNotAPanic(t *testing.T) {
	data := footerFixture(t)
	if n, err := readEverything(data); err != nil || n != 300 {
		t.Fatalf("fixture: %d rows, %v", n, err)
	}
	footerLen := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	start := len(data) - 8 - footerLen
	contained := 0
	step := max(1, footerLen/600)
	for i := start; i < len(data)-8; i += step {
		for _, x := range []byte{0x01, 0xff} {
			mut := bytes.Clone(data)
			mut[i] ^= x
			_, err := readEverything(mut)
			if errors.Is(err, ErrCorruptManifest) {
				contained++
			}
		}
	}
	t.Logf("%d footer bytes × 2 patterns: %d decoder panics contained", footerLen, contained)
}

// FuzzParquetFooter changes one byte of a valid manifest's footer or page
// index region. Property: opening and reading never panics.
func FuzzParquetFooter(f *testing.F) {
	data := footerFixture(f)
	footerLen := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	f.Add(uint32(0), byte(1))
	f.Add(uint32(footerLen/2), byte(0x80))
	f.Fuzz(func(t *testing.T, off uint32, x byte) {
		if x == 0 {
			return
		}
		// The footer and what precedes it (page indexes sit just before).
		region := footerLen + 4096
		if region > len(data)-8 {
			region = len(data) - 8
		}
		mut := bytes.Clone(data)
		mut[len(data)-8-region+int(off%uint32(region))] ^= x
		_, _ = readEverything(mut)
	})
}
