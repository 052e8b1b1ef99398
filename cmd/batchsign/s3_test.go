package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/batchsign/batchsign/internal/s3store"
	"github.com/batchsign/batchsign/internal/testservers"
)

// s3env is versitygw with the environment of a job that reads and writes
// it: its keys, and its endpoint in AWS_ENDPOINT_URL_S3 (the SDK's own
// endpoint resolution, no --endpoint-url).
type s3env struct {
	srv *testservers.Server
	api *s3.Client
	dir string
}

func newS3Env(t *testing.T) *s3env {
	t.Helper()
	if testing.Short() {
		t.Skip("starts versitygw")
	}
	srv := testservers.StartVersity(t)
	dir := cleanEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_REGION", srv.Region)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.Endpoint)
	api := s3store.NewClient(aws.Config{
		Region:      srv.Region,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	}, s3store.ClientOptions{EndpointURL: srv.Endpoint, PathStyle: true})
	return &s3env{srv: srv, api: api, dir: dir}
}

func (e *s3env) url(key string) string { return "s3://" + e.srv.Bucket + "/" + key }

func (e *s3env) put(t *testing.T, key string, data []byte) {
	t.Helper()
	if _, err := e.api.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &e.srv.Bucket, Key: &key, Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// get returns the object's bytes, or nil and false when there is none.
func (e *s3env) get(t *testing.T, key string) ([]byte, bool) {
	t.Helper()
	out, err := e.api.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &e.srv.Bucket, Key: &key})
	if err != nil {
		return nil, false
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b, true
}

// leftovers lists the objects under out/ and the pending multipart uploads.
func (e *s3env) leftovers(t *testing.T) []string {
	t.Helper()
	var left []string
	objs, err := e.api.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: &e.srv.Bucket, Prefix: aws.String("out/")})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs.Contents {
		left = append(left, "object "+aws.ToString(o.Key))
	}
	ups, err := e.api.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &e.srv.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range ups.Uploads {
		left = append(left, "pending upload "+aws.ToString(u.Key))
	}
	return left
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestS3ManifestsAndOutputsMatchLocalRuns: the bundled NDJSON and Parquet
// manifests read from s3:// give byte for byte the output and rejects of
// the same run on local files, written to s3:// (all three outputs, or the
// output alone beside local rejects and summary), with the same exit status.
func TestS3ManifestsAndOutputsMatchLocalRuns(t *testing.T) {
	e := newS3Env(t)
	for _, m := range []string{"manifest.ndjson", "manifest.parquet"} {
		e.put(t, "in/"+m, readFile(t, filepath.Join("..", "..", "examples", m)))
	}
	for _, m := range []string{"manifest.ndjson", "manifest.parquet"} {
		t.Run(m, func(t *testing.T) {
			local := filepath.Join(e.dir, m+".urls.ndjson")
			code, _, stderr := runIn(t, "", "presign", filepath.Join("..", "..", "examples", m), "--time", pinned, "-o", local)
			if code != exitRejected {
				t.Fatalf("local run: exit %d: %s", code, stderr)
			}
			want, wantRej := readFile(t, local), readFile(t, strings.TrimSuffix(local, ".ndjson")+".rejects.ndjson")

			out := "out/" + m + ".urls.ndjson"
			code, _, stderr = runIn(t, "", "presign", e.url("in/"+m), "--time", pinned, "-o", e.url(out), "--summary", e.url(out+".summary.json"))
			if code != exitRejected {
				t.Fatalf("s3 run: exit %d: %s", code, stderr)
			}
			got, ok := e.get(t, out)
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("s3:// output differs from the local run's (%d bytes, want %d)", len(got), len(want))
			}
			if rej, _ := e.get(t, "out/"+m+".urls.rejects.ndjson"); !bytes.Equal(rej, wantRej) {
				t.Errorf("s3:// rejects %q, want %q", rej, wantRej)
			}
			var summary struct{ Output, Rejects string }
			if sum, _ := e.get(t, out+".summary.json"); json.Unmarshal(sum, &summary) != nil || summary.Output != e.url(out) || summary.Rejects != e.url("out/"+m+".urls.rejects.ndjson") {
				t.Errorf("summary does not name the s3:// outputs: %s", sum)
			}

			// Mixed: the output to S3, the rejects and the summary local.
			rej, sum := filepath.Join(e.dir, m+".rej.ndjson"), filepath.Join(e.dir, m+".sum.json")
			code, _, stderr = runIn(t, "", "presign", e.url("in/"+m), "--time", pinned, "-o", e.url(out+".mixed"), "--rejects", rej, "--summary", sum, "--format", "ndjson")
			if code != exitRejected {
				t.Fatalf("mixed run: exit %d: %s", code, stderr)
			}
			if got, _ := e.get(t, out+".mixed"); !bytes.Equal(got, want) || !bytes.Equal(readFile(t, rej), wantRej) {
				t.Error("mixed run: output or rejects differ from the local run's")
			}
			readFile(t, sum)
		})
	}
	if code, _, stderr := runIn(t, "", "presign", e.url("in/missing.ndjson"), "--time", pinned); code != exitUsage || !strings.Contains(stderr, e.url("in/missing.ndjson")) {
		t.Errorf("missing s3:// manifest: exit %d, %q; want 2 naming it", code, stderr)
	}
	for _, bad := range [][]string{
		{"-o", e.url("out/")}, {"-o", "s3://"}, {"-o", e.url("in/manifest.ndjson")},
		{"-o", e.url("out/a.ndjson"), "--summary", e.url("out/a.ndjson")},
	} {
		args := append([]string{"presign", e.url("in/manifest.ndjson"), "--time", pinned}, bad...)
		if code, _, stderr := runIn(t, "", args...); code != exitUsage {
			t.Errorf("%q: exit %d (%s), want 2", bad, code, stderr)
		}
	}
}

// bigRows returns n manifest rows whose URLs make an output of several
// multipart parts.
func bigRows(n int) []pipelineRecord {
	rows := make([]pipelineRecord, n)
	for i := range rows {
		rows[i] = pipelineRecord{ID: fmt.Sprint(i), Bucket: "examplebucket", Key: fmt.Sprintf("exports/2026/11/%08d-%s.bin", i, strings.Repeat("x", 200))}
	}
	return rows
}

type pipelineRecord struct {
	Blob   []byte `parquet:"blob,optional"` // not a manifest field: never read
	ID     string `parquet:"id"`
	Bucket string `parquet:"bucket"`
	Key    string `parquet:"key"`
}

func writeParquet(t *testing.T, rows []pipelineRecord, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pipelineRecord](&buf, opts...)
	for i := 0; i < len(rows); i += 1000 {
		if _, err := w.Write(rows[i:min(i+1000, len(rows))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestS3FailedRunLeavesNoObjectAndNoUpload: a Parquet manifest whose last
// row group is damaged fails after several parts of the output are
// uploaded: exit 3, and neither an object nor a pending multipart upload
// is left.
func TestS3FailedRunLeavesNoObjectAndNoUpload(t *testing.T) {
	e := newS3Env(t)
	const rows, group = 60000, 20000
	data := writeParquet(t, bigRows(rows), parquet.Compression(&zstd.Codec{}), parquet.MaxRowsPerRowGroup(group))
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	rgs := f.Metadata().RowGroups
	last := rgs[len(rgs)-1].Columns[3].MetaData // the key column of the last group
	for i := last.DataPageOffset + 64; i < last.DataPageOffset+last.TotalCompressedSize-8; i += 97 {
		data[i] ^= 0x5a
	}
	e.put(t, "in/damaged.parquet", data)
	code, _, stderr := runIn(t, "", "presign", e.url("in/damaged.parquet"), "--time", pinned, "-o", e.url("out/urls.ndjson"))
	if code != exitFailed {
		t.Fatalf("exit %d, want 3: %s", code, stderr)
	}
	if !strings.Contains(stderr, "nothing written") {
		t.Errorf("stderr: %s", stderr)
	}

	if log := string(readFile(t, e.srv.LogPath)); !strings.Contains(log, "x-id=UploadPart") || !strings.Contains(log, "x-id=AbortMultipartUpload") {
		t.Errorf("the run uploaded no part before it failed, or did not abort: the test proves nothing\n%s", e.srv.LogTail(10))
	}
	if left := e.leftovers(t); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
}

// TestS3InterruptLeavesNoObjectAndNoUpload: SIGTERM while parts of the
// output are uploading ends the run with 143, and the upload is aborted.
func TestS3InterruptLeavesNoObjectAndNoUpload(t *testing.T) {
	e := newS3Env(t)
	cmd := exec.Command(os.Args[0], "presign", "-", "-o", e.url("out/urls.ndjson"), "--time", pinned)
	cmd.Env = append(os.Environ(), "BATCHSIGN_TEST_AS_MAIN=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Rows for three parts, and stdin left open: the run waits for more.
	w := bufio.NewWriter(stdin)
	for i, r := range bigRows(80000) {
		fmt.Fprintf(w, `{"id":"%d","bucket":"%s","key":"%s"}`+"\n", i, r.Bucket, r.Key)
	}
	w.Flush()
	deadline := time.Now().Add(20 * time.Second)
	for len(e.leftovers(t)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if left := e.leftovers(t); len(left) != 1 || !strings.HasPrefix(left[0], "pending upload") {
		t.Errorf("while signing: %q, want one pending upload (parts go up during the run)", left)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	kill := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	err = cmd.Wait()
	kill.Stop()
	stdin.Close()
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Errorf("exit %d (%v), want 143; stderr: %s", code, err, errb.String())
	}
	if left := e.leftovers(t); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
}

// countingHTTP counts the response bytes of the run's S3 client.
type countingHTTP struct{ n atomic.Int64 }

func (c *countingHTTP) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body = &countedBody{resp.Body, &c.n}
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestS3ParquetManifestIsNeverDownloadedWhole: a 100 MB Parquet manifest
// whose bulk is a column the manifest does not use is read through ranged
// GETs of the footer and of the blocks that hold the columns it needs: the
// run fetches well under half of the object, and every row is signed.
func TestS3ParquetManifestIsNeverDownloadedWhole(t *testing.T) {
	e := newS3Env(t)
	const rows, group = 6000, 1500
	recs := bigRows(rows)
	blob := bytes.Repeat([]byte("0123456789abcdef"), 1024) // 16 KiB, stored as is
	for i := range recs {
		recs[i].Blob = blob
	}
	data := writeParquet(t, recs, parquet.MaxRowsPerRowGroup(group))
	e.put(t, "in/big.parquet", data)

	count := &countingHTTP{}
	s3HTTPClient = count
	defer func() { s3HTTPClient = nil }()
	out := filepath.Join(e.dir, "urls.ndjson")
	code, _, stderr := runIn(t, "", "presign", e.url("in/big.parquet"), "--time", pinned, "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := bytes.Count(readFile(t, out), []byte("\n")); n != rows {
		t.Fatalf("%d URLs, want %d", n, rows)
	}
	fetched, size := count.n.Load(), int64(len(data))
	t.Logf("fetched %d of %d bytes (%.0f%%), %d row groups", fetched, size, 100*float64(fetched)/float64(size), rows/group)
	if groups := int64(rows / group); fetched > size/2 || fetched > (1+2*groups)*s3store.DefaultBlockSize {
		t.Errorf("fetched %d bytes of a %d-byte object: want the footer and the needed columns' blocks only", fetched, size)
	}
}

// TestS3EndpointRules: the S3 client finds the server as the AWS CLI
// would: --endpoint-url over everything, else AWS_ENDPOINT_URL_S3, else
// AWS_ENDPOINT_URL, else the profile's endpoint_url (the SDK's own
// resolution); a wrong endpoint in a lower-priority place is never used.
func TestS3EndpointRules(t *testing.T) {
	e := newS3Env(t)
	e.put(t, "in/m.ndjson", []byte(goodManifest))
	dead := "http://127.0.0.1:1"
	for _, c := range []struct {
		name          string
		s3, all, prof string
		args          []string
	}{
		{name: "--endpoint-url", s3: dead, all: dead, prof: dead, args: []string{"--endpoint-url", e.srv.Endpoint}},
		{name: "AWS_ENDPOINT_URL_S3", s3: e.srv.Endpoint, all: dead, prof: dead},
		{name: "AWS_ENDPOINT_URL", all: e.srv.Endpoint, prof: dead},
		{name: "profile endpoint_url", prof: e.srv.Endpoint},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_S3", c.s3)
			t.Setenv("AWS_ENDPOINT_URL", c.all)
			cfg := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(cfg, []byte("[default]\nendpoint_url = "+c.prof+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_CONFIG_FILE", cfg)
			args := append([]string{"presign", e.url("in/m.ndjson"), "--time", pinned}, c.args...)
			code, stdout, stderr := runIn(t, "", args...)
			if code != exitOK || strings.Count(stdout, "\n") != 3 {
				t.Errorf("exit %d, %d lines: %s", code, strings.Count(stdout, "\n"), stderr)
			}
		})
	}
}

// TestS3MultipartOutputMatchesLocal: an output of several parts, uploaded
// during the run with the run's own SDK configuration (checksums
// included), completes to the bytes of the same run written locally.
func TestS3MultipartOutputMatchesLocal(t *testing.T) {
	e := newS3Env(t)
	var m strings.Builder
	for i, r := range bigRows(40000) {
		fmt.Fprintf(&m, `{"id":"%d","bucket":"%s","key":"%s"}`+"\n", i, r.Bucket, r.Key)
	}
	local := filepath.Join(e.dir, "urls.ndjson")
	if code, _, stderr := runIn(t, m.String(), "presign", "-", "--time", pinned, "-o", local); code != exitOK {
		t.Fatalf("local run: exit %d: %s", code, stderr)
	}
	want := readFile(t, local)
	if len(want) < 2*s3store.PartSize {
		t.Fatalf("output of %d bytes: under two parts, the test proves nothing", len(want))
	}
	if code, _, stderr := runIn(t, m.String(), "presign", "-", "--time", pinned, "-o", e.url("out/urls.ndjson")); code != exitOK {
		t.Fatalf("s3 run: exit %d: %s", code, stderr)
	}
	if got, _ := e.get(t, "out/urls.ndjson"); !bytes.Equal(got, want) {
		t.Errorf("s3:// output of %d bytes differs from the local run's %d", len(got), len(want))
	}
	if left := e.leftovers(t); len(left) != 2 { // the output and its rejects, no pending upload
		t.Errorf("after the run: %q", left)
	}
}

// TestS3InventoryReport: an S3 Inventory report read from s3:// (its
// manifest.json, then its data files, through the same store) gives the
// URLs of the same report read from local files.
func TestS3InventoryReport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts versitygw")
	}
	srv := testservers.Start(t, testservers.Versity, testservers.Config{Bucket: "inventory-dest"})
	cleanEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	code, want, stderr := runIn(t, "", "presign", inventoryCSV, "--time", pinned)
	if code != exitOK {
		t.Fatalf("local report: exit %d: %s", code, stderr)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.Endpoint)
	e := &s3env{srv: srv, api: s3store.NewClient(aws.Config{
		Region:      srv.Region,
		Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, ""),
	}, s3store.ClientOptions{EndpointURL: srv.Endpoint, PathStyle: true})}
	err := filepath.WalkDir(inventoryTree, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(inventoryTree, p)
		e.put(t, filepath.ToSlash(rel), readFile(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(inventoryTree, inventoryCSV)
	// The signed URLs stay AWS's: only the reads go to the test server.
	code, got, stderr := runIn(t, "", "presign", e.url(filepath.ToSlash(rel)), "--time", pinned, "--signing-endpoint-url", "aws")
	if code != exitOK || got != want {
		t.Errorf("s3:// report: exit %d, output differs from the local report's: %s\n%s\nwant\n%s", code, stderr, got, want)
	}
}

// TestS3PrefixManifestShardsMatchLocalRun: a manifest that is an
// s3://bucket/prefix/ of NDJSON, CSV and Parquet files, split into three
// shards whose outputs and summaries go to S3, gives in shard order the
// bytes of the unsharded run over the same files on disk; plan --check
// reads the summaries from their prefix.
func TestS3PrefixManifestShardsMatchLocalRun(t *testing.T) {
	e := newS3Env(t)
	local := filepath.Join(e.dir, "parts")
	if err := os.Mkdir(local, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, m := range []string{"manifest.ndjson", "manifest.csv", "manifest.parquet"} {
		data := readFile(t, filepath.Join("..", "..", "examples", m))
		name := fmt.Sprintf("part-%d%s", i, filepath.Ext(m))
		e.put(t, "prefix/"+name, data)
		if err := os.WriteFile(filepath.Join(local, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	whole := filepath.Join(e.dir, "whole.ndjson")
	if code, _, stderr := runIn(t, "", "presign", local, "--time", pinned, "-o", whole); code != exitRejected {
		t.Fatalf("local run: exit %d: %s", code, stderr)
	}
	want := readFile(t, whole)
	var got []byte
	for i := range 3 {
		out := fmt.Sprintf("sharded/urls-%d.ndjson", i)
		code, _, stderr := runIn(t, "", "presign", e.url("prefix/"), "--time", pinned, "--shard-index", strconv.Itoa(i), "--shard-count", "3",
			"-o", e.url(out), "--summary", e.url(fmt.Sprintf("sharded/summaries/%d.json", i)))
		if code != exitOK && code != exitRejected {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		part, _ := e.get(t, out)
		got = append(got, part...)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("shards of s3://…/prefix/ concatenated: %d bytes, the local run %d", len(got), len(want))
	}
	code, stdout, stderr := runIn(t, "", "plan", "--check", e.url("sharded/summaries/"))
	if code != exitOK || !strings.Contains(stdout, `"complete": true`) {
		t.Errorf("plan --check s3://…/summaries/: exit %d\n%s%s", code, stdout, stderr)
	}
}
