package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/sha256block"
)

// bodyOf writes size bytes that differ with seed and returns the path.
func bodyOf(t *testing.T, dir string, size, seed int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + seed*131 + i>>9)
	}
	path := filepath.Join(dir, "body-"+strconv.Itoa(seed))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// TestHashFilePairMatchesSHA256: two files hashed together (one two-lane
// pass over their common blocks as both are read, then each one's
// rest) give each file's own SHA-256, whatever their sizes: equal, one
// block apart, one under the single path's mapping threshold, tails longer
// than a chunk, around the halves of the buffer.
func TestHashFilePairMatchesSHA256(t *testing.T) {
	dir := t.TempDir()
	sizes := [][2]int{
		{0, 0}, {1, 64}, {mmapMin - 1, mmapMin - 1}, {0, mmapMin}, {mmapMin, 1},
		{mmapMin, mmapMin}, {mmapMin + 1, mmapMin + 63}, {mmapMin + 64, mmapMin},
		{hashChunk, hashChunk}, {hashChunk + 65, mmapMin + 17}, {mmapMin + 5, 2*hashChunk + 100},
		// around the halves of buf that hashReadPair reads each file into
		{hashBufSize / 2, hashBufSize / 2}, {hashBufSize/2 - 1, hashBufSize/2 + 1}, {hashBufSize/2 + 64, hashBufSize/2 - 64},
		{hashBufSize, 0}, {hashBufSize + 1, hashBufSize / 2}, {3*hashBufSize/2 + 63, 3*hashBufSize/2 + 64},
	}
	buf := make([]byte, hashBufSize)
	for i, sz := range sizes {
		p0, d0 := bodyOf(t, dir, sz[0], 2*i)
		p1, d1 := bodyOf(t, dir, sz[1], 2*i+1)
		s0, s1, err0, err1 := hashFilePair(context.Background(), p0, p1, buf)
		if err0 != nil || err1 != nil || s0 != sha256.Sum256(d0) || s1 != sha256.Sum256(d1) {
			t.Errorf("sizes %v: errors %v, %v; sums match %v, %v", sz, err0, err1, s0 == sha256.Sum256(d0), s1 == sha256.Sum256(d1))
		}
	}
	good, data := bodyOf(t, dir, mmapMin+3, 99)
	for _, bad := range []string{filepath.Join(dir, "missing"), dir} {
		if _, s1, err0, err1 := hashFilePair(context.Background(), bad, good, buf); err0 == nil || err1 != nil || s1 != sha256.Sum256(data) {
			t.Errorf("%s with a good file: errors %v, %v", bad, err0, err1)
		}
		if s0, _, err0, err1 := hashFilePair(context.Background(), good, bad, buf); err0 != nil || err1 == nil || s0 != sha256.Sum256(data) {
			t.Errorf("a good file with %s: errors %v, %v", bad, err0, err1)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p0, _ := bodyOf(t, dir, mmapMin, 1000)
	if _, _, err0, err1 := hashFilePair(ctx, p0, good, buf); err0 == nil || err1 == nil {
		t.Errorf("cancelled: errors %v, %v", err0, err1)
	}
}

// TestHashReadPairEverySplit: with a 256-byte buffer (128 bytes a file a
// read), every pair of sizes from 0 to 700 in steps that cross the reads
// and the blocks gives each file's own SHA-256.
func TestHashReadPairEverySplit(t *testing.T) {
	dir := t.TempDir()
	var files []*os.File
	var sizes []int64
	var sums [][32]byte
	for size := 0; size <= 700; size += 29 {
		p, d := bodyOf(t, dir, size, size)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files, sizes, sums = append(files, f), append(sizes, int64(size)), append(sums, sha256.Sum256(d))
	}
	buf := make([]byte, 256)
	for i := range files {
		for j := range files {
			s0, s1, err0, err1, ok := hashReadPair(context.Background(), files[i], files[j], sizes[i], sizes[j], buf)
			if !ok || err0 != nil || err1 != nil || s0 != sums[i] || s1 != sums[j] {
				t.Fatalf("files %d, %d: ok %v, errors %v, %v; sums match %v, %v", i, j, ok, err0, err1, s0 == sums[i], s1 == sums[j])
			}
		}
	}
}

// TestHashReadPairLeavesTroubleToEachFile: a file that shrank or cannot be
// read while both are read together sends the pair back to the one-at-a-time
// path (ok false), which names it; one that shrank after the other ended is
// its own errFileChanged, the other file hashed as it is; a file that grew
// is hashed to its size when opened, as a mapping is.
func TestHashReadPairLeavesTroubleToEachFile(t *testing.T) {
	dir := t.TempDir()
	open := func(size, seed int) (*os.File, []byte) {
		p, d := bodyOf(t, dir, size, seed)
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f, d
	}
	buf := make([]byte, 1024)
	ctx := context.Background()

	small, smallData := open(700, 1)
	shrunk, _ := open(5000, 2)
	if err := shrunk.Truncate(300); err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, ok := hashReadPair(ctx, small, shrunk, 700, 5000, buf); ok {
		t.Error("shrank under the common part: the pair was not given up")
	}
	late, _ := open(5000, 3)
	if err := late.Truncate(3000); err != nil {
		t.Fatal(err)
	}
	s0, _, err0, err1, ok := hashReadPair(ctx, small, late, 700, 5000, buf)
	if !ok || err0 != nil || s0 != sha256.Sum256(smallData) || !errors.Is(err1, errFileChanged) {
		t.Errorf("shrank past the other's end: ok %v, errors %v, %v; first sum matches %v", ok, err0, err1, s0 == sha256.Sum256(smallData))
	}
	grown, grownData := open(2000, 4)
	if _, err := grown.WriteAt([]byte("appended"), 2000); err != nil {
		t.Fatal(err)
	}
	_, s1, err0, err1, ok := hashReadPair(ctx, small, grown, 700, 2000, buf)
	if !ok || err0 != nil || err1 != nil || s1 != sha256.Sum256(grownData) {
		t.Errorf("grew: ok %v, errors %v, %v; sum of its size when opened %v", ok, err0, err1, s1 == sha256.Sum256(grownData))
	}
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, _, _, _, ok := hashReadPair(ctx, small, d, 700, 4096, buf); ok {
		t.Error("an unreadable file: the pair was not given up")
	}
	if _, _, _, _, ok := hashReadPair(ctx, small, small, 700, 700, make([]byte, 127)); ok {
		t.Error("a buffer too small to halve: the pair was not given up")
	}
}

// TestBodyFilesHashedInPairsKeepEachRowsOwn: a batch's body files are
// hashed two at a time, yet every signed row carries its own file's hash
// and every reject its own reason: rows rejected before their body is
// needed, missing files and directories paired with good files, an odd one
// out, and the same file twice.
func TestBodyFilesHashedInPairsKeepEachRowsOwn(t *testing.T) {
	dir := t.TempDir()
	var m strings.Builder
	want := map[string]string{} // id → x-amz-content-sha256, or "reject:field"
	row := func(id, method, path string) {
		q, _ := json.Marshal(path)
		m.WriteString(`{"id":"` + id + `","url":"https://examplebucket.s3.amazonaws.com/` + id + `","method":"` + method + `","body_file":` + string(q) + "}\n")
	}
	sizes := []int{mmapMin, 5, mmapMin + 100, hashChunk + 1, 0, mmapMin + 64, 3 * mmapMin, mmapMin}
	for i, size := range sizes {
		p, data := bodyOf(t, dir, size, i)
		id := "r" + strconv.Itoa(i)
		sum := sha256.Sum256(data)
		switch i {
		case 2:
			row(id, "NOT A METHOD", p)
			want[id] = "reject:" + FieldMethod
			continue
		case 4:
			row(id+"missing", "PUT", filepath.Join(dir, "missing"))
			want[id+"missing"] = "reject:" + FieldBodyFile
		case 6:
			row(id+"dir", "PUT", dir)
			want[id+"dir"] = "reject:" + FieldBodyFile
			row(id+"again", "PUT", p)
			want[id+"again"] = hex.EncodeToString(sum[:])
		}
		row(id, "PUT", p)
		want[id] = hex.EncodeToString(sum[:])
	}
	for _, batch := range []int{1, 3, 4, 64} {
		cfg := docConfig(Sign)
		cfg.BatchSize = batch
		res := runManifest(t, cfg, m.String(), FormatNDJSON, Shard{})
		if res.err != nil {
			t.Fatal(res.err)
		}
		got := map[string]string{}
		for l := range strings.SplitSeq(strings.TrimSpace(res.out), "\n") {
			var rec struct {
				ID      string
				Headers map[string]string
			}
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Fatal(err)
			}
			got[rec.ID] = rec.Headers["x-amz-content-sha256"]
		}
		for l := range strings.SplitSeq(strings.TrimSpace(res.rejects), "\n") {
			var rj Reject
			if err := json.Unmarshal([]byte(l), &rj); err != nil {
				t.Fatal(err)
			}
			got[rj.ID] = "reject:" + rj.Field
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("batches of %d: row %s: got %q, want %q", batch, id, got[id], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("batches of %d: %d rows out, want %d", batch, len(got), len(want))
		}
	}
}

// TestBodyPairsFollowTheSHA256Choice: body files are hashed in pairs only
// under sha256block's backend; under stdlib or simd (FIPS 140 mode,
// BATCHSIGN_SHA256) each streams through the chosen one, and every choice
// gives each file its own SHA-256.
func TestBodyPairsFollowTheSHA256Choice(t *testing.T) {
	dir := t.TempDir()
	p0, d0 := bodyOf(t, dir, mmapMin+65, 0)
	p1, d1 := bodyOf(t, dir, 2*mmapMin, 1)
	sha256block.ForEachBackend(func(name string) {
		if want := sha256block.BlockHMAC(); pairBodies() != want || (name == "stdlib" || name == "simd") && pairBodies() {
			t.Errorf("%s: pairBodies %v, BlockHMAC %v", name, pairBodies(), want)
		}
		s0, s1, err0, err1 := hashFilePair(context.Background(), p0, p1, make([]byte, hashBufSize))
		if err0 != nil || err1 != nil || s0 != sha256.Sum256(d0) || s1 != sha256.Sum256(d1) {
			t.Errorf("%s: errors %v, %v; sums match %v, %v", name, err0, err1, s0 == sha256.Sum256(d0), s1 == sha256.Sum256(d1))
		}
	})
}
