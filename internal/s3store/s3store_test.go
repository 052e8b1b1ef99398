package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/batchsign/batchsign/internal/s3store"
	"github.com/batchsign/batchsign/internal/store"
	"github.com/batchsign/batchsign/internal/testservers"
)

// countingClient counts the bytes of every response body and the GETs with
// a Range header.
type countingClient struct {
	c             *http.Client
	bytes, ranged atomic.Int64
}

func (c *countingClient) Do(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && req.Header.Get("Range") != "" {
		c.ranged.Add(1)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.bytes}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// env is a versitygw server with a client and a Store on it.
type env struct {
	srv    *testservers.Server
	api    *s3.Client
	store  *s3store.Store
	count  *countingClient
	bucket string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("starts versitygw")
	}
	srv := testservers.StartVersity(t)
	cfg := aws.Config{
		Region:      srv.Region,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
		// As config.LoadDefaultConfig sets it for a run.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	}
	count := &countingClient{c: &http.Client{}}
	api := s3store.NewClient(cfg, s3store.ClientOptions{EndpointURL: srv.Endpoint, PathStyle: true, HTTPClient: count})
	return &env{srv: srv, api: api, store: s3store.New(api), count: count, bucket: srv.Bucket}
}

func (e *env) name(key string) string { return "s3://" + e.bucket + "/" + key }

func (e *env) put(t *testing.T, key string, data []byte) {
	t.Helper()
	if _, err := e.api.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &e.bucket, Key: &key, Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func (e *env) get(t *testing.T, key string) ([]byte, error) {
	t.Helper()
	out, err := e.api.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &e.bucket, Key: &key})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// pendingUploads lists the bucket's multipart uploads not completed or
// aborted.
func (e *env) pendingUploads(t *testing.T) []string {
	t.Helper()
	out, err := e.api.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &e.bucket})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key))
	}
	return keys
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestStatListAndRanges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	data := randomBytes(100_000, 1)
	for _, k := range []string{"m/b.ndjson", "m/a.ndjson", "m/_SUCCESS", "m/.a.ndjson.crc", "m/sub/c.ndjson", "other.ndjson"} {
		e.put(t, k, data)
	}
	e.put(t, "m/dir/", nil) // a folder marker (versitygw takes only empty ones)

	t.Run("List", func(t *testing.T) {
		objs, err := e.store.List(ctx, e.name("m/"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range objs {
			names = append(names, o.Name)
			if o.Size != int64(len(data)) {
				t.Errorf("%s: size %d, want %d", o.Name, o.Size, len(data))
			}
		}
		want := []string{e.name("m/a.ndjson"), e.name("m/b.ndjson"), e.name("m/sub/c.ndjson")}
		if strings.Join(names, " ") != strings.Join(want, " ") {
			t.Errorf("List = %q, want %q", names, want)
		}
		one, err := e.store.List(ctx, e.name("other.ndjson"))
		if err != nil || len(one) != 1 || one[0].Name != e.name("other.ndjson") {
			t.Errorf("List of one object = %v, %v", one, err)
		}
		if _, err := e.store.List(ctx, e.name("none/")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("List of an empty prefix: %v, want fs.ErrNotExist", err)
		}
	})

	t.Run("Stat", func(t *testing.T) {
		if _, err := e.store.Stat(ctx, e.name("missing.ndjson")); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), e.name("missing.ndjson")) {
			t.Errorf("Stat of a missing object: %v, want fs.ErrNotExist naming it", err)
		}
		if _, err := e.store.Stat(ctx, "s3://no-such-bucket-here/k"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat in a missing bucket: %v, want fs.ErrNotExist", err)
		}
		for _, bad := range []string{"s3://", "s3:///k", e.name(""), e.name("m/"), "/tmp/x"} {
			if _, err := e.store.Stat(ctx, bad); !errors.Is(err, s3store.ErrName) {
				t.Errorf("Stat(%q): %v, want ErrName", bad, err)
			}
		}
	})

	t.Run("OpenRange", func(t *testing.T) {
		obj, err := e.store.Stat(ctx, e.name("m/a.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		n := int64(len(data))
		for _, r := range [][2]int64{{0, -1}, {0, n}, {10, 20}, {0, 1}, {n - 1, -1}, {n, -1}, {n + 5, -1}, {5, n + 100}, {99_999, 100_000}, {7, 7}} {
			rc, err := e.store.OpenRange(ctx, obj, r[0], r[1])
			if err != nil {
				t.Fatalf("OpenRange(%d, %d): %v", r[0], r[1], err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			end := r[1]
			if end < 0 || end > n {
				end = n
			}
			want := data[min(r[0], n):max(min(r[0], n), end)]
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("OpenRange(%d, %d): %d bytes, %v; want %d bytes", r[0], r[1], len(got), err, len(want))
			}
		}
	})
}

func TestReaderAtReadsBlocksOnDemand(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bs = 4096
	data := randomBytes(10*bs+123, 2)
	e.put(t, "r.bin", data)
	obj, err := e.store.Stat(ctx, e.name("r.bin"))
	if err != nil {
		t.Fatal(err)
	}
	ra, err := s3store.OpenReaderAtBlocks(e.store, ctx, obj, bs, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	if ra.Size() != int64(len(data)) {
		t.Fatalf("Size = %d", ra.Size())
	}
	n := int64(len(data))
	cases := [][2]int64{ // off, len
		{n - 8, 8}, {n - 100, 100}, {0, 10}, {bs - 5, 10}, {3 * bs, 2 * bs}, {0, n}, {n - 1, 1}, {5 * bs, bs},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		off := r.Int64N(n)
		cases = append(cases, [2]int64{off, r.Int64N(3 * bs)})
	}
	for _, c := range cases {
		p := make([]byte, c[1])
		got, err := ra.ReadAt(p, c[0])
		want := min(c[1], n-c[0])
		if int64(got) != want || !bytes.Equal(p[:got], data[c[0]:c[0]+want]) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v: wrong bytes", c[1], c[0], got, err)
		}
		if (want < c[1]) != (err == io.EOF) || (err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(%d bytes at %d): err %v", c[1], c[0], err)
		}
	}
	if got, err := ra.ReadAt(make([]byte, 1), n); got != 0 || err != io.EOF {
		t.Errorf("ReadAt at the end = %d, %v; want 0, EOF", got, err)
	}
	if _, err := ra.ReadAt(make([]byte, 1), -1); err == nil {
		t.Error("ReadAt at -1: no error")
	}
}

func TestReaderAtFetchesEachBlockOnceWhenSequential(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bs = 4096
	data := randomBytes(32*bs, 5)
	e.put(t, "seq.bin", data)
	obj, err := e.store.Stat(ctx, e.name("seq.bin"))
	if err != nil {
		t.Fatal(err)
	}
	ra, err := s3store.OpenReaderAtBlocks(e.store, ctx, obj, bs, 4)
	if err != nil {
		t.Fatal(err)
	}
	before := e.count.bytes.Load()
	got, err := io.ReadAll(io.NewSectionReader(ra, 0, obj.Size))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("sequential read: %d bytes, %v", len(got), err)
	}
	ra.Close()
	if fetched := e.count.bytes.Load() - before; fetched != int64(len(data)) {
		t.Errorf("fetched %d bytes for a sequential read of %d: blocks fetched twice or prefetched past the end", fetched, len(data))
	}
}

func TestReaderAtRefusesAChangedObject(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const bs = 4096
	data := randomBytes(4*bs, 6)
	e.put(t, "c.bin", data)
	obj, _ := e.store.Stat(ctx, e.name("c.bin"))
	ra, err := s3store.OpenReaderAtBlocks(e.store, ctx, obj, bs, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	if _, err := ra.ReadAt(make([]byte, 10), 3*bs); err != nil {
		t.Fatal(err)
	}
	e.put(t, "c.bin", randomBytes(4*bs, 7))
	if _, err := ra.ReadAt(make([]byte, 10), 0); !errors.Is(err, s3store.ErrChanged) {
		t.Errorf("read after the object was replaced: %v, want ErrChanged", err)
	}
}

var _ store.Store = (*s3store.Store)(nil)
