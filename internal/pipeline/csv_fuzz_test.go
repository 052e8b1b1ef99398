package pipeline

import (
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeCSVRow: a CSV manifest line never panics the reader; a line our
// splitter accepts is split into the cells encoding/csv (RFC 4180, strict
// quotes) reads from it, and one it reads as a single record of one line is
// accepted; every row is numbered by its line.
func FuzzDecodeCSVRow(f *testing.F) {
	for _, seed := range [][2]string{
		{"id,key,bucket", `a,b,c`},
		{"id,key,expires,header:x-amz-meta-a,query:versionId", `1,"a, ""b""",60,v,q`},
		{"id,key", `"open,x`},
		{"id,key", `a"b,c`},
		{"id,key", `"a"b,c`},
		{"id,key", "a\rb,c"},
		{"id,key", `a,b,c`},
		{"id,key", `,`},
		{"\xef\xbb\xbfid,key", `"",""`},
		{"id,expires", `x,1e400`},
		{"id,body_file,key_id", `x,/dev/null,k`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, header, line string) {
		if strings.ContainsAny(header, "\n") {
			return
		}
		h, err := ParseCSVHeader([]byte(header))
		if err != nil {
			return
		}
		// The reader, on the header and the line (which may hold more lines).
		cr, err := OpenCSV(strings.NewReader(header + "\n" + line))
		if err != nil {
			t.Fatalf("header %q parsed alone but not by OpenCSV: %v", header, err)
		}
		last := int64(1)
		for seq := int64(0); ; seq++ {
			b := newBatch(3)
			b.reset(seq)
			err := cr.ReadBatch(b)
			for _, r := range b.Rows() {
				if r.Num <= last {
					t.Fatalf("row %d after row %d", r.Num, last)
				}
				last = r.Num
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if strings.ContainsAny(line, "\r\n") || line == "" {
			return
		}
		// The splitter against encoding/csv, on one line.
		var ours []string
		c := csvLine{s: line, more: true}
		var scratch []byte
		var oursErr error
		for c.more {
			v, err := c.next(&scratch)
			if err != nil {
				oursErr = err
				break
			}
			ours = append(ours, v)
		}
		std := csv.NewReader(strings.NewReader(line))
		std.FieldsPerRecord = -1
		rec, stdErr := std.Read()
		if stdErr == nil {
			if _, err := std.Read(); err != io.EOF {
				stdErr = errors.New("more than one record")
			}
		}
		switch {
		case oursErr == nil && stdErr == nil:
			if !reflect.DeepEqual(ours, rec) {
				t.Fatalf("line %q: cells %q, encoding/csv %q", line, ours, rec)
			}
		case (oursErr == nil) != (stdErr == nil):
			t.Fatalf("line %q: our error %v, encoding/csv's %v", line, oursErr, stdErr)
		}
		// A row decoded with the header has the header's width or says not.
		var r Row
		var a rowArena
		h.decodeRow(line, &r, &a)
		if oursErr == nil && len(ours) != len(h.cols) && r.Err == nil {
			t.Fatalf("line %q: %d cells, %d columns, no error", line, len(ours), len(h.cols))
		}
	})
}
