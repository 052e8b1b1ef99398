package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/batchsign/batchsign/internal/s3store"
)

// writeInChunks writes data to u in uneven chunks.
func writeInChunks(t *testing.T, u *s3store.Upload, data []byte) {
	t.Helper()
	for i, k := 0, 1; i < len(data); k = k*7%65521 + 1 {
		n := min(k*13, len(data)-i)
		if _, err := u.Write(data[i : i+n]); err != nil {
			t.Fatalf("Write at %d: %v", i, err)
		}
		i += n
	}
}

func TestUploadAppearsOnlyOnCommit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		size int
	}{
		{"empty", 0}, {"small", 1000}, {"one-part", s3store.PartSize}, {"multipart", 2*s3store.PartSize + 12345},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "out/" + tc.name + ".ndjson"
			data := randomBytes(tc.size, uint64(tc.size))
			u, err := e.store.Create(ctx, e.name(key))
			if err != nil {
				t.Fatal(err)
			}
			writeInChunks(t, u, data)
			if err := u.Prepare(); err != nil {
				t.Fatal(err)
			}
			if _, err := e.get(t, key); err == nil {
				t.Fatal("the object is visible before Commit")
			}
			if err := u.Commit(); err != nil {
				t.Fatal(err)
			}
			got, err := e.get(t, key)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("after Commit: %d bytes, %v; want %d bytes", len(got), err, len(data))
			}
			if p := e.pendingUploads(t); len(p) != 0 {
				t.Errorf("pending multipart uploads after Commit: %q", p)
			}
			if err := u.Abort(); err != nil {
				t.Errorf("Abort after Commit: %v", err)
			}
			if _, err := e.get(t, key); err != nil {
				t.Errorf("Abort after Commit removed the object: %v", err)
			}
		})
	}
}

func TestUploadAbortLeavesNothing(t *testing.T) {
	e := newEnv(t)
	data := randomBytes(3*s3store.PartSize+1, 9)
	t.Run("abort", func(t *testing.T) {
		u, err := e.store.Create(context.Background(), e.name("abort.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		writeInChunks(t, u, data)
		if p := e.pendingUploads(t); len(p) != 1 {
			t.Fatalf("pending uploads while writing: %q, want one (parts go up while writing)", p)
		}
		if err := u.Abort(); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Write([]byte("x")); !errors.Is(err, s3store.ErrAborted) {
			t.Errorf("Write after Abort: %v", err)
		}
		if err := u.Commit(); !errors.Is(err, s3store.ErrAborted) {
			t.Errorf("Commit after Abort: %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		// A signal cancels the run's context while parts are uploading:
		// the abort still reaches S3.
		ctx, cancel := context.WithCancel(context.Background())
		u, err := e.store.Create(ctx, e.name("cancelled.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		writeInChunks(t, u, data)
		cancel()
		if err := u.Commit(); err == nil {
			t.Fatal("Commit with a cancelled context succeeded")
		}
		if err := u.Abort(); err != nil {
			t.Fatal(err)
		}
	})
	for _, key := range []string{"abort.ndjson", "cancelled.ndjson"} {
		if _, err := e.get(t, key); err == nil {
			t.Errorf("%s exists after Abort", key)
		}
	}
	if p := e.pendingUploads(t); len(p) != 0 {
		t.Errorf("pending multipart uploads after Abort: %q", p)
	}
}
