package pipeline

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestBatchEndsEarlyForBodyFiles: rows that stream a body file end a batch
// after maxBodiesPerBatch of them, so bodies spread over the workers; rows
// without one fill the batch to its row limit.
func TestBatchEndsEarlyForBodyFiles(t *testing.T) {
	b := newBatch(64)
	n := 0
	for !b.Full() {
		r := b.Append()
		if n%2 == 1 {
			r.BodyFile = "/tmp/body"
		}
		n++
	}
	if b.Len() != 2*maxBodiesPerBatch {
		t.Fatalf("batch with bodies holds %d rows, want %d", b.Len(), 2*maxBodiesPerBatch)
	}
	b.reset(1)
	for !b.Full() {
		b.Append()
	}
	if b.Len() != 64 {
		t.Fatalf("batch without bodies holds %d rows, want 64", b.Len())
	}
}

func TestNDJSONBatchEndsEarlyForBodyFiles(t *testing.T) {
	var m strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&m, `{"id":"r%d","method":"PUT","bucket":"b","key":"k%d","body_file":"/tmp/f%d"}`+"\n", i, i, i)
	}
	r := NewNDJSONReader(strings.NewReader(m.String()))
	b := newBatch(1024)
	if err := r.ReadBatch(b); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if b.Len() != maxBodiesPerBatch {
		t.Fatalf("first batch holds %d body rows, want %d", b.Len(), maxBodiesPerBatch)
	}
}
