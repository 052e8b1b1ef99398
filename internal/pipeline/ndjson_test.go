package pipeline

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll drains src with batches of size n and returns the rows, copied.
func readAll(t *testing.T, src Source, n int) []Row {
	t.Helper()
	var out []Row
	for seq := int64(0); ; seq++ {
		b := newBatch(n)
		b.reset(seq)
		err := src.ReadBatch(b)
		if b.Len() > n {
			t.Fatalf("batch of %d rows, limit %d", b.Len(), n)
		}
		out = append(out, b.Rows()...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestNDJSONReaderNumbersRowsByLine(t *testing.T) {
	in := "\xef\xbb\xbf{\"id\":\"a\"}\n\n   \n{\"id\":\"b\"}\r\n{broken\n{\"id\":\"d\",\"key\":5}\n{\"id\":\"e\"}"
	for _, name := range []string{"whole", "one byte at a time"} {
		t.Run(name, func(t *testing.T) {
			var r io.Reader = strings.NewReader(in)
			if name != "whole" {
				r = iotest.OneByteReader(r)
			}
			rows := readAll(t, NewNDJSONReader(r), 2)
			type got struct {
				num   int64
				id    string
				field string
				bad   bool
			}
			want := []got{{1, "a", "", false}, {4, "b", "", false}, {5, "", "", true}, {6, "d", "key", true}, {7, "e", "", false}}
			if len(rows) != len(want) {
				t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
			}
			for i, r := range rows {
				g := got{r.Num, r.ID, "", r.Err != nil}
				if r.Err != nil {
					g.field = r.Err.Field
				}
				if g != want[i] {
					t.Errorf("row %d: got %+v, want %+v", i, g, want[i])
				}
			}
		})
	}
}

func TestNDJSONReaderRejectsOverlongLineAndGoesOn(t *testing.T) {
	long := `{"key":"` + strings.Repeat("x", 5000) + `"}`
	in := `{"id":"1"}` + "\n" + long + "\n" + `{"id":"3"}` + "\n" + long
	r := NewNDJSONReader(strings.NewReader(in))
	r.SetMaxLine(1000)
	r.buf = make([]byte, 256) // force refills and growth
	rows := readAll(t, r, 10)
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rows))
	}
	for i, wantErr := range []bool{false, true, false, true} {
		if (rows[i].Err != nil) != wantErr || rows[i].Num != int64(i+1) {
			t.Errorf("row %d: num %d err %v", i, rows[i].Num, rows[i].Err)
		}
		if wantErr && !errors.Is(rows[i].Err, ErrLineTooLong) {
			t.Errorf("row %d: %v is not ErrLineTooLong", i, rows[i].Err)
		}
	}
}

func TestNDJSONReaderLongLinesGrowTheBuffer(t *testing.T) {
	long := `{"key":"` + strings.Repeat("y", 3000) + `"}`
	r := NewNDJSONReader(iotest.HalfReader(strings.NewReader(long + "\n" + long)))
	r.buf = make([]byte, 100)
	rows := readAll(t, r, 1)
	if len(rows) != 2 || rows[0].Err != nil || rows[1].Err != nil || len(rows[1].Key) != 3000 {
		t.Fatalf("rows = %d, errs %v", len(rows), rows)
	}
}

func TestNDJSONReaderReportsReadErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	r := NewNDJSONReader(io.MultiReader(strings.NewReader("{\"id\":\"1\"}\n"), iotest.ErrReader(boom)))
	b := newBatch(10)
	err := r.ReadBatch(b)
	if !errors.Is(err, boom) || b.Len() != 1 {
		t.Fatalf("err %v, rows %d; want the read error after the buffered row", err, b.Len())
	}
}

// TestBatchClosesOnBytes: a batch closes at its text limit before its row
// limit, the row that crosses the limit included, and a row larger than
// the limit travels alone (issue 14 item 9).
func TestBatchClosesOnBytes(t *testing.T) {
	row := `{"id":"1","bucket":"b","key":"` + strings.Repeat("k", 260) + `"}` + "\n"
	big := `{"id":"2","bucket":"b","key":"` + strings.Repeat("k", 5000) + `"}` + "\n"
	r := NewNDJSONReader(strings.NewReader(strings.Repeat(row, 8) + big + row))
	var got []int
	for {
		b := newBatch(1024)
		b.maxBytes = 1000
		err := r.ReadBatch(b)
		if b.Len() > 0 {
			got = append(got, b.Len())
			if err == nil && !b.Full() {
				t.Errorf("batch of %d rows, %d bytes: not Full", b.Len(), b.textLen())
			}
		}
		if err != nil {
			break
		}
	}
	if want := []int{4, 4, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("batches of %v rows, want %v", got, want)
	}
	if b := newBatch(1024); b.maxBytes != DefaultBatchBytes || batchBytes(6) != DefaultBatchBytes || batchBytes(MaxWorkers*2+2) != minBatchBytes {
		t.Errorf("batch bytes %d, %d, %d", b.maxBytes, batchBytes(6), batchBytes(MaxWorkers*2+2))
	}
}
