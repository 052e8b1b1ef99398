package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/batchsign/batchsign/internal/store"

	"github.com/parquet-go/parquet-go"
)

// memStore is a Store of in-memory objects whose reads come one byte at a
// time when oneByte is set, to find readers that assume full reads.
type memStore struct {
	objs    map[string][]byte
	oneByte bool
	opened  int64 // bytes handed out by OpenRange ranges, for the bound tests
}

func (m *memStore) Stat(_ context.Context, name string) (store.Object, error) {
	d, ok := m.objs[name]
	if !ok {
		return store.Object{}, fs.ErrNotExist
	}
	return store.Object{Name: name, Size: int64(len(d))}, nil
}

func (m *memStore) List(ctx context.Context, arg string) ([]store.Object, error) {
	var out []store.Object
	for name := range m.objs {
		if name == arg || strings.HasPrefix(name, arg+"/") {
			o, _ := m.Stat(ctx, name)
			out = append(out, o)
		}
	}
	if out == nil {
		return nil, fs.ErrNotExist
	}
	slices.SortFunc(out, func(a, b store.Object) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *memStore) OpenRange(_ context.Context, obj store.Object, off, end int64) (io.ReadCloser, error) {
	d := m.objs[obj.Name]
	if end < 0 || end > int64(len(d)) {
		end = int64(len(d))
	}
	m.opened += end - off
	var r io.Reader = bytes.NewReader(d[off:end])
	if m.oneByte {
		r = iotest.OneByteReader(r)
	}
	return io.NopCloser(r), nil
}

type memReaderAt struct {
	*bytes.Reader
}

func (memReaderAt) Close() error { return nil }

func (m *memStore) OpenReaderAt(_ context.Context, obj store.Object) (store.ReaderAt, error) {
	return memReaderAt{bytes.NewReader(m.objs[obj.Name])}, nil
}

// readRange returns what a lineRange over [start, end) of data gives.
func readRange(t testing.TB, data []byte, start, end int64, oneByte bool) []byte {
	t.Helper()
	st := &memStore{objs: map[string][]byte{"f": data}, oneByte: oneByte}
	lr := newLineRange(context.Background(), st, store.Object{Name: "f", Size: int64(len(data))}, start, end)
	got, err := io.ReadAll(lr)
	if err != nil {
		t.Fatal(err)
	}
	lr.Close()
	return got
}

// checkSplit asserts that the line ranges between consecutive cut points
// (0 and len(data) included) give data back, byte for byte, and that each
// range but the first starts at a line start.
func checkSplit(t testing.TB, data []byte, cuts []int64, oneByte bool) {
	t.Helper()
	var all []byte
	for i := 0; i+1 < len(cuts); i++ {
		part := readRange(t, data, cuts[i], cuts[i+1], oneByte)
		if len(part) > 0 {
			at := len(all)
			if at > 0 && data[at-1] != '\n' {
				t.Fatalf("%q cut at %v: range %d starts at byte %d, not a line start", data, cuts, i, at)
			}
		}
		all = append(all, part...)
	}
	if !bytes.Equal(all, data) {
		t.Fatalf("%q cut at %v: ranges give %q", data, cuts, all)
	}
}

// TestLineRangeEverySplitPoint: for lines of every shape (CRLF, blank, no
// final newline, a line longer than the ranges, one byte), each line is read
// by exactly one of two or three ranges, whatever the cut points.
func TestLineRangeEverySplitPoint(t *testing.T) {
	for _, s := range []string{
		"", "\n", "a", "a\n", "\n\n\n", "ab\ncd\n", "ab\ncd", "a\r\nbb\r\n\r\nccc\r\n", "x\r\ny",
		"{\"id\":\"1\"}\n\n{\"id\":\"2\"}\n" + strings.Repeat("z", 40) + "\nlast",
	} {
		data := []byte(s)
		n := int64(len(data))
		for a := int64(0); a <= n; a++ {
			checkSplit(t, data, []int64{0, a, n}, false)
			for b := a; b <= n; b++ {
				checkSplit(t, data, []int64{0, a, b, n}, true)
			}
		}
	}
}

// TestLineRangeReadsOnlyItsShare: a range opens [start-1, end) and the
// rest of the one line that crosses end, never the rest of the file.
func TestLineRangeReadsOnlyItsShare(t *testing.T) {
	data := []byte(strings.Repeat("0123456789\n", 1000)) // 11,000 bytes
	st := &memStore{objs: map[string][]byte{"f": data}}
	lr := newLineRange(context.Background(), st, store.Object{Name: "f", Size: int64(len(data))}, 5000, 6000)
	got, err := io.ReadAll(lr)
	if err != nil {
		t.Fatal(err)
	}
	// Lines start at multiples of 11: 5005 … 5995, the last ends at 6005.
	if want := data[5005:6006]; !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want %d", len(got), len(want))
	}
	if st.opened > 1001+tailChunk {
		t.Errorf("opened %d bytes", st.opened)
	}
	// A line longer than the tail's chunks, crossing the end.
	long := []byte("a\n" + strings.Repeat("x", 3*tailChunk+5) + "\r\nb\n")
	checkSplit(t, long, []int64{0, 5, int64(len(long))}, false)
	checkSplit(t, long, []int64{0, 2, tailChunk, 2 * tailChunk, int64(len(long)) - 1, int64(len(long))}, false)
}

// FuzzLineSplit: random content cut at random points; every line is read
// exactly once, in order (the ranges' bytes concatenate to the content).
func FuzzLineSplit(f *testing.F) {
	f.Add([]byte("a\nb\r\n\nccc"), uint64(1), uint8(3))
	f.Add([]byte("\n\n"), uint64(7), uint8(1))
	f.Add([]byte("no newline at all"), uint64(42), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, n uint8) {
		if len(data) > 1<<16 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		cuts := []int64{0, int64(len(data))}
		for range int(n % 32) {
			cuts = append(cuts, rng.Int64N(int64(len(data))+1))
		}
		slices.Sort(cuts)
		checkSplit(t, data, cuts, seed%2 == 0)
	})
}

// shardRow is what the concatenation tests compare: a row's file, its
// number in the file, and its id.
type shardRow struct {
	file string
	num  int64
	id   string
	err  string
}

// readShard reads shard i of n of the manifest in st.
func readShard(t *testing.T, st store.Store, args []string, i, n int64) []shardRow {
	t.Helper()
	src, err := OpenManifest(t.Context(), store.NewRouter(st), args, FormatAuto, Shard{Index: i, Count: n}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []shardRow
	total := src.Total()
	for _, r := range readAll(t, src, 7) {
		num, err := r.number()
		if err != nil {
			t.Fatal(err)
		}
		sr := shardRow{file: r.File, num: num, id: r.ID}
		if r.Err != nil {
			sr.err = r.Err.Error()
		}
		out = append(out, sr)
	}
	if total >= 0 && total != int64(len(out)) {
		t.Errorf("shard %d of %d: Total %d, read %d", i, n, total, len(out))
	}
	return out
}

// ndjsonLines makes rows ids prefix0…, with a blank line, a broken line,
// CRLF endings or no final newline as asked.
func ndjsonLines(prefix string, rows int, crlf, finalNewline bool) []byte {
	var b strings.Builder
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	for i := range rows {
		if i > 0 {
			b.WriteString(eol)
		}
		switch {
		case i%11 == 5:
			// a blank line, counted but not a row
			b.WriteString(eol)
		case i%13 == 7:
			b.WriteString(`{"id":` + eol) // broken: a reject
			continue
		}
		fmt.Fprintf(&b, `{"id":"%s%d","bucket":"b","key":"k/%s"}`, prefix, i, strings.Repeat("x", i%37))
	}
	if finalNewline && rows > 0 {
		b.WriteString(eol)
	}
	return []byte(b.String())
}

// TestShardsConcatenateToTheManifest: for N in {1, 2, 3, 7, 16}, the rows
// of shards 0…N-1, in shard order, are the manifest's rows, each once, with
// the same file names and line or record numbers, over NDJSON, Parquet and
// mixed manifests of many files (empty files, files with fewer rows than
// shards, CRLF, no final newline).
func TestShardsConcatenateToTheManifest(t *testing.T) {
	pqRecs := func(prefix string, n int) []byte {
		recs := make([]ManifestRecord, n)
		for i := range recs {
			recs[i] = ManifestRecord{ID: fmt.Sprintf("%s%d", prefix, i), Bucket: "b", Key: "k"}
		}
		return writeParquet(t, recs, parquet.MaxRowsPerRowGroup(7))
	}
	manifests := map[string]map[string][]byte{
		"one ndjson":                    {"m/a.ndjson": ndjsonLines("a", 300, false, true)},
		"ndjson crlf, no final newline": {"m/a.ndjson": ndjsonLines("a", 200, true, false)},
		"one parquet":                   {"m/a.parquet": pqRecs("p", 100)},
		"one csv":                       {"m/a.csv": csvLines("a", 300, false)},
		"csv crlf, a bad row":           {"m/a.csv": append(csvLines("a", 150, true), []byte("x,\"open\r\nz,k\r\n")...)},
		"parquet, fewer rows than shards": {
			"m/a.parquet": pqRecs("p", 3),
		},
		"mixed": {
			"m/0.ndjson":  ndjsonLines("a", 50, false, true),
			"m/1.ndjson":  nil, // empty
			"m/2.parquet": pqRecs("p", 40),
			"m/3.jsonl":   ndjsonLines("c", 2, true, false),
			"m/4.parquet": pqRecs("q", 1),
			"m/5.ndjson":  []byte("\n"),
			"m/6.json":    ndjsonLines("d", 120, false, false),
			"m/7.csv":     csvLines("e", 90, false),
			"m/8.csv":     []byte("id,bucket,key\n"), // a header and no rows
		},
	}
	for name, files := range manifests {
		t.Run(name, func(t *testing.T) {
			st := &memStore{objs: files}
			whole := readShard(t, st, []string{"m"}, 0, 1)
			if len(whole) == 0 {
				t.Fatal("no rows")
			}
			for _, n := range []int64{1, 2, 3, 7, 16} {
				var got []shardRow
				for i := range n {
					got = append(got, readShard(t, st, []string{"m"}, i, n)...)
				}
				if !slices.Equal(got, whole) {
					t.Errorf("N=%d: shards give %d rows, the manifest %d\n got %v\nwant %v", n, len(got), len(whole), got, whole)
				}
			}
		})
	}
}

// TestShardRejectNamesFileAndLine: a shard that starts mid-file numbers its
// rows by their line in the file, as the unsharded run does.
func TestShardRejectNamesFileAndLine(t *testing.T) {
	data := ndjsonLines("a", 100, false, true)
	st := &memStore{objs: map[string][]byte{"m/a.ndjson": data, "m/b.ndjson": []byte("{\"id\":\"z\"}\n")}}
	rows := readShard(t, st, []string{"m"}, 1, 2)
	lines := strings.Split(string(data), "\n")
	for _, r := range rows {
		if r.file == "m/a.ndjson" && !strings.Contains(lines[r.num-1], `"id":"`+r.id+`"`) && r.err == "" {
			t.Fatalf("row %+v: line %d is %q", r, r.num, lines[r.num-1])
		}
	}
	if rows[len(rows)-1].file != "m/b.ndjson" || rows[len(rows)-1].num != 1 {
		t.Errorf("last row %+v", rows[len(rows)-1])
	}
}

// TestPlanOf64Files: a manifest of 64 files of mixed sizes (empty ones
// too) splits into shards whose byte shares are within one byte of 1/N of
// the manifest, and whose pieces cover every byte of every file once, in
// order.
func TestPlanOf64Files(t *testing.T) {
	rng := rand.New(rand.NewPCG(64, 64))
	var files []ManifestFile
	var total int64
	for i := range 64 {
		size := rng.Int64N(1 << 20)
		if i%9 == 0 {
			size = 0
		}
		files = append(files, ManifestFile{Object: store.Object{Name: fmt.Sprintf("part-%02d.ndjson", i), Size: size}, Format: FormatNDJSON, Rows: -1})
		total += size
	}
	for _, n := range []int64{1, 2, 3, 7, 16, 100} {
		p := &ShardPlan{Files: files, Count: n}
		next := make([]int64, len(files)) // the next byte of each file a piece must start at
		for i := range n {
			pieces, err := p.bytePieces(i)
			if err != nil {
				t.Fatal(err)
			}
			var share int64
			for _, pc := range pieces {
				if pc.Start != next[pc.File] || pc.End <= pc.Start {
					t.Fatalf("N=%d shard %d: piece %+v, want it to start at %d", n, i, pc, next[pc.File])
				}
				next[pc.File] = pc.End
				share += pc.End - pc.Start
			}
			if share < total/n || share > total/n+1 {
				t.Errorf("N=%d shard %d: %d bytes of %d", n, i, share, total)
			}
		}
		for k, f := range files {
			if next[k] != f.Size {
				t.Errorf("N=%d: %s covered to %d of %d", n, f.Name, next[k], f.Size)
			}
		}
	}
}

// csvLines returns a CSV manifest of n rows after its header line, with
// keys that need quoting; crlf ends its lines with CR LF.
func csvLines(prefix string, n int, crlf bool) []byte {
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	var b strings.Builder
	b.WriteString("id,bucket,key" + eol)
	for i := range n {
		fmt.Fprintf(&b, "%s%d,b,\"k, \"\"%d\"\"\"%s", prefix, i, i, eol)
	}
	return []byte(b.String())
}
