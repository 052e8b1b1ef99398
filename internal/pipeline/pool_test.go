package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/store"
	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/sigv4"
)

var s3DocVectors = vectors.Path("s3-doc-vectors.md")

var (
	docCreds = sigv4.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	docTime  = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
)

func docConfig(m Mode) Config {
	return Config{Mode: m, Credentials: docCreds, Time: docTime, Region: "us-east-1", Workers: 2, BatchSize: 4}
}

type runResult struct {
	out, rejects string
	stats        Stats
	err          error
}

// runManifest runs an NDJSON manifest through the pipeline to format f.
func runManifest(t testing.TB, cfg Config, manifest string, f Format, shard Shard) runResult {
	t.Helper()
	var out, rej bytes.Buffer
	w, err := NewWriter(&out, f, cfg.Mode, cfg.Scheme)
	if err != nil {
		t.Fatal(err)
	}
	var src Source = NewNDJSONReader(strings.NewReader(manifest))
	if shard.Count > 1 {
		path := filepath.Join(t.TempDir(), "m.ndjson")
		if err := os.WriteFile(path, []byte(manifest), 0o600); err != nil {
			t.Fatal(err)
		}
		if src, err = OpenManifest(context.Background(), store.NewRouter(store.Local{}), []string{path}, FormatNDJSON, shard, nil); err != nil {
			t.Fatal(err)
		}
		defer src.Close()
	}
	st, err := Run(context.Background(), cfg, src, w, NewRejectWriter(&rej), nil)
	if err == nil {
		err = w.Close()
	}
	return runResult{out.String(), rej.String(), st, err}
}

// docPresignedURL returns the presigned URL printed in the S3 documentation.
func docPresignedURL(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s3DocVectors)
	if err != nil {
		t.Fatalf("S3 doc vectors: %v", err)
	}
	m := regexp.MustCompile(`(?m)^https://examplebucket\.s3\.amazonaws\.com/test\.txt\?\S+$`).Find(b)
	if m == nil {
		t.Fatal("presigned URL not found in the S3 doc vectors")
	}
	return string(m)
}

func TestPresignMatchesS3Documentation(t *testing.T) {
	want := docPresignedURL(t)
	cfg := docConfig(Presign)
	for _, row := range []string{
		`{"id":"doc","url":"https://examplebucket.s3.amazonaws.com/test.txt","expires":86400}`,
		// Lower-case method and an explicit service change nothing.
		`{"id":"doc","method":"get","service":"s3","url":"https://examplebucket.s3.amazonaws.com/test.txt","expires":86400}`,
	} {
		res := runManifest(t, cfg, row+"\n", FormatNDJSON, Shard{})
		if res.err != nil || res.rejects != "" {
			t.Fatalf("err %v, rejects %s", res.err, res.rejects)
		}
		wantLine := `{"id":"doc","method":"GET","url":"` + want + `","expires_at":"2013-05-25T00:00:00Z"}` + "\n"
		if res.out != wantLine {
			t.Errorf("got  %s\nwant %s", res.out, wantLine)
		}
	}
}

func TestPresignBucketKeyAddressing(t *testing.T) {
	cfg := docConfig(Presign)
	manifest := `{"id":"v","bucket":"examplebucket","key":"a b/c+d.txt"}
{"id":"p","bucket":"my.bucket","key":"/lead//x","region":"eu-west-1","query":{"versionId":"3","response-content-disposition":"attachment; filename=\"x.txt\""}}
`
	res := runManifest(t, cfg, manifest, FormatCSV, Shard{})
	if res.err != nil || res.rejects != "" {
		t.Fatalf("err %v, rejects %s", res.err, res.rejects)
	}
	lines := strings.Split(strings.TrimSpace(res.out), "\r\n")
	if len(lines) != 3 || lines[0] != "id,method,url,expires_at,content-type,content-md5,x-amz-checksum-sha256,x-amz-sdk-checksum-algorithm" {
		t.Fatalf("csv = %q", res.out)
	}
	for i, prefix := range []string{
		"v,GET,https://examplebucket.s3.us-east-1.amazonaws.com/a%20b/c%2Bd.txt?X-Amz-Algorithm=",
		"p,GET,https://s3.eu-west-1.amazonaws.com/my.bucket//lead//x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Feu-west-1%2Fs3%2Faws4_request&",
	} {
		if !strings.HasPrefix(lines[i+1], prefix) {
			t.Errorf("row %d: %s\nwant prefix %s", i, lines[i+1], prefix)
		}
	}
	if !strings.Contains(lines[2], "&response-content-disposition=attachment%3B%20filename%3D%22x.txt%22&versionId=3&") {
		t.Errorf("query not signed into the URL: %s", lines[2])
	}
	if !strings.HasSuffix(lines[1], ",2013-05-24T01:00:00Z,,,,") {
		t.Errorf("default expiry is not one hour: %s", lines[1])
	}
}

// TestPresignWithHeadersSignsThem: a row with headers takes the general
// path and lists the headers in X-Amz-SignedHeaders.
func TestPresignWithHeadersSignsThem(t *testing.T) {
	res := runManifest(t, docConfig(Presign), `{"bucket":"examplebucket","key":"k","method":"PUT","headers":{"Content-Type":"text/plain"}}`+"\n", FormatNDJSON, Shard{})
	if res.err != nil || res.rejects != "" {
		t.Fatalf("err %v, rejects %s", res.err, res.rejects)
	}
	if !strings.Contains(res.out, "X-Amz-SignedHeaders=content-type%3Bhost&") || !strings.Contains(res.out, `"method":"PUT"`) {
		t.Errorf("headers not signed: %s", res.out)
	}
}

func TestSignMatchesS3Documentation(t *testing.T) {
	dir := t.TempDir()
	body := filepath.Join(dir, "body.txt")
	if err := os.WriteFile(body, []byte("Welcome to Amazon S3."), 0o600); err != nil {
		t.Fatal(err)
	}
	const docHash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
	const wantSig = "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd" // s3-doc-vectors.md §2
	headers := `"headers":{"Date":"Fri, 24 May 2013 00:00:00 GMT","x-amz-storage-class":"REDUCED_REDUNDANCY"}`
	cases := []struct {
		name, row, field string
	}{
		{"body_file", `{"id":"1","method":"PUT","url":"https://examplebucket.s3.amazonaws.com/test$file.text","body_file":` + quote(body) + `,` + headers + `}`, ""},
		{"content_sha256", `{"id":"2","method":"PUT","url":"https://examplebucket.s3.amazonaws.com/test$file.text","content_sha256":"` + strings.ToUpper(docHash) + `",` + headers + `}`, ""},
		{"both, agreeing", `{"id":"3","method":"PUT","url":"https://examplebucket.s3.amazonaws.com/test$file.text","content_sha256":"` + docHash + `","body_file":` + quote(body) + `,` + headers + `}`, ""},
		{"both, disagreeing", `{"id":"4","method":"PUT","url":"https://examplebucket.s3.amazonaws.com/x","content_sha256":"` + strings.Repeat("0", 64) + `","body_file":` + quote(body) + `}`, "content_sha256"},
		{"missing body file", `{"id":"5","method":"PUT","url":"https://examplebucket.s3.amazonaws.com/x","body_file":"` + dir + `/nope"}`, "body_file"},
		{"bad hash", `{"id":"6","method":"PUT","url":"https://examplebucket.s3.amazonaws.com/x","content_sha256":"xyz"}`, "content_sha256"},
		{"unsigned with a hash", `{"id":"7","method":"PUT","url":"https://examplebucket.s3.amazonaws.com/x","payload":"unsigned","content_sha256":"` + docHash + `"}`, "payload"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runManifest(t, docConfig(Sign), tc.row+"\n", FormatNDJSON, Shard{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			if tc.field != "" {
				if res.out != "" || !strings.Contains(res.rejects, `"field":"`+tc.field+`"`) {
					t.Fatalf("out %q rejects %q; want a %s reject", res.out, res.rejects, tc.field)
				}
				return
			}
			if res.rejects != "" {
				t.Fatalf("rejects: %s", res.rejects)
			}
			for _, want := range []string{
				`"url":"https://examplebucket.s3.amazonaws.com/test$file.text"`,
				`"X-Amz-Date":"20130524T000000Z"`,
				`"x-amz-content-sha256":"` + docHash + `"`,
				`"Authorization":"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=` + wantSig + `"`,
			} {
				if !strings.Contains(res.out, want) {
					t.Errorf("output lacks %s:\n%s", want, res.out)
				}
			}
		})
	}
}

func quote(s string) string { return string(appendJSONString(nil, s)) }

func TestSignEmitsTokenAndUnsignedPayload(t *testing.T) {
	cfg := docConfig(Sign)
	cfg.Credentials.SessionToken = "FQoGZXIvYXdzEXAMPLETOKEN"
	res := runManifest(t, cfg, `{"bucket":"examplebucket","key":"k","payload":"unsigned"}`+"\n", FormatNDJSON, Shard{})
	if res.err != nil || res.rejects != "" {
		t.Fatalf("err %v rejects %s", res.err, res.rejects)
	}
	want := `"headers":{"X-Amz-Security-Token":"FQoGZXIvYXdzEXAMPLETOKEN","X-Amz-Date":"20130524T000000Z","x-amz-content-sha256":"UNSIGNED-PAYLOAD","Authorization":"AWS4-HMAC-SHA256 Credential=`
	if !strings.Contains(res.out, want) || !strings.Contains(res.out, `"url":"https://examplebucket.s3.us-east-1.amazonaws.com/k"`) {
		t.Errorf("got %s", res.out)
	}
}

func TestRejectsNameRowAndField(t *testing.T) {
	manifest := strings.Join([]string{
		`{"id":"ok","bucket":"b-1","key":"k"}`,
		`{"id":"m","bucket":"b-1","key":"k","method":"PATCH"}`,
		`not json`,
		`{"id":"e","bucket":"b-1","key":"k","expires":604801}`,
		`{"id":"u","bucket":"b-1","key":"a` + "\xff" + `b"}`,
		``,
		`{"id":"both","bucket":"b-1","key":"k","url":"https://h/x"}`,
		`{"id":"none"}`,
		`{"id":"r","bucket":"b-1","key":"k","region":"EU WEST"}`,
		`{"id":"p","bucket":"b-1","key":"k","payload":"signed"}`,
		`{"id":"q","bucket":"b-1","key":"k","query":{"X-Amz-Signature":"x"}}`,
		`{"id":"s","bucket":"b-1","key":"k","service":"sqs"}`,
		`{"id":"t","key":5}`,
		`{"id":"ok2","url":"https://sqs.us-east-1.amazonaws.com/1234/q?Action=SendMessage","service":"sqs"}`,
	}, "\n")
	res := runManifest(t, docConfig(Presign), manifest, FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := []struct {
		row         int64
		id, field   string
		errContains string
	}{
		{2, "m", "method", "unsupported method"},
		{3, "", "", "malformed JSON"},
		{4, "e", "expires", "604801"},
		{5, "u", "key", "invalid UTF-8 at byte 1"},
		{7, "both", "url", "either url or bucket"},
		{8, "none", "url", "missing"},
		{9, "r", "region", "a-z"},
		{10, "p", "payload", "UNSIGNED-PAYLOAD"},
		{11, "q", "query", "reserved"},
		{12, "s", "service", "give a url"},
		{13, "t", "key", "want string, got number"},
	}
	lines := strings.Split(strings.TrimSpace(res.rejects), "\n")
	if len(lines) != len(want) {
		t.Fatalf("%d rejects, want %d:\n%s", len(lines), len(want), res.rejects)
	}
	for i, w := range want {
		prefix := fmt.Sprintf(`{"row":%d,"id":%s,"field":%s,"error":`, w.row, quote(w.id), quote(w.field))
		if !strings.HasPrefix(lines[i], prefix) || !strings.Contains(lines[i], w.errContains) {
			t.Errorf("reject %d: %s\nwant %s…%s", i, lines[i], prefix, w.errContains)
		}
	}
	if res.stats != (Stats{Read: 13, Signed: 2, Rejected: 11, Elapsed: res.stats.Elapsed}) {
		t.Errorf("stats = %+v", res.stats)
	}
	if strings.Count(res.out, "\n") != 2 || !strings.Contains(res.out, `"id":"ok2"`) || !strings.Contains(res.out, "Action=SendMessage&X-Amz-Algorithm") {
		t.Errorf("out = %s", res.out)
	}
}

// generatedManifest returns n rows, some of them bad, with varied shapes.
func generatedManifest(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		switch i % 11 {
		case 3:
			fmt.Fprintf(&b, `{"id":"r%d","bucket":"examplebucket","key":"k%d","expires":0}`+"\n", i, i)
		case 5:
			fmt.Fprintf(&b, "{\"id\":\"r%d\",broken\n", i)
		case 7:
			fmt.Fprintf(&b, `{"id":"r%d","url":"https://examplebucket.s3.eu-west-1.amazonaws.com/dir/f%%20%d.bin?versionId=%d"}`+"\n", i, i, i)
		case 9:
			fmt.Fprintf(&b, `{"id":"r%d","bucket":"Legacy_Bucket","key":"d/%d ü","region":"us-west-2","headers":{"x-amz-meta-n":"%d"}}`+"\n", i, i, i)
		default:
			fmt.Fprintf(&b, `{"id":"r%d","bucket":"examplebucket","key":"exports/part-%05d.parquet","expires":%d}`+"\n", i, i, 60+i%600)
		}
	}
	return b.String()
}

func TestRunIsIdenticalAcrossWorkerCounts(t *testing.T) {
	manifest := generatedManifest(3000)
	for _, mode := range []Mode{Presign, Sign} {
		for _, f := range []Format{FormatNDJSON, FormatCSV, FormatParquet} {
			var first runResult
			for i, workers := range []int{1, 2, 7} {
				cfg := docConfig(mode)
				cfg.Workers, cfg.BatchSize = workers, 37
				res := runManifest(t, cfg, manifest, f, Shard{})
				if res.err != nil {
					t.Fatal(res.err)
				}
				if i == 0 {
					first = res
					if res.stats.Signed == 0 || res.stats.Rejected == 0 {
						t.Fatalf("%v %v: stats %+v", mode, f, res.stats)
					}
					continue
				}
				if res.out != first.out || res.rejects != first.rejects {
					t.Errorf("%v %v: output with %d workers differs from 1 worker", mode, f, workers)
				}
			}
		}
	}
}

func TestRunKeepsManifestOrder(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.Workers, cfg.BatchSize = 7, 3
	res := runManifest(t, cfg, generatedManifest(500), FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	var last int
	for _, line := range strings.Split(strings.TrimSpace(res.out), "\n") {
		var n int
		if _, err := fmt.Sscanf(line, `{"id":"r%d"`, &n); err != nil || n <= last {
			t.Fatalf("out of order at %s (after r%d)", line, last)
		}
		last = n
	}
}

// TestShardsConcatenateToTheWholeRun: the outputs and the rejects of
// shards 0…N-1, concatenated in shard order, are the unsharded run's.
func TestShardsConcatenateToTheWholeRun(t *testing.T) {
	manifest := generatedManifest(1000)
	whole := runManifest(t, docConfig(Presign), manifest, FormatNDJSON, Shard{})
	for _, count := range []int64{2, 3, 7} {
		var out, rej strings.Builder
		for idx := range count {
			res := runManifest(t, docConfig(Presign), manifest, FormatNDJSON, Shard{idx, count})
			if res.err != nil {
				t.Fatal(res.err)
			}
			out.WriteString(res.out)
			rej.WriteString(res.rejects)
		}
		if out.String() != whole.out || rej.String() != whole.rejects {
			t.Errorf("count %d: shards concatenated (%d bytes, %d of rejects) != unsharded (%d, %d)", count, out.Len(), rej.Len(), len(whole.out), len(whole.rejects))
		}
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func TestPresignOutlivingCredentials(t *testing.T) {
	manifest := `{"id":"short","bucket":"examplebucket","key":"k","expires":600}
{"id":"long","bucket":"examplebucket","key":"k","expires":7200}
`
	cfg := docConfig(Presign)
	cfg.Credentials.SessionToken = "token"
	cfg.Credentials.Expires = docTime.Add(30 * time.Minute)

	res := runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !strings.Contains(res.rejects, `"id":"long","field":"expires"`) || !strings.Contains(res.rejects, "outlive the temporary credentials") ||
		!strings.Contains(res.rejects, "--clamp-expiry") || strings.Count(res.out, "\n") != 1 {
		t.Errorf("without clamping: out %s rejects %s", res.out, res.rejects)
	}

	cfg.ClampExpiry = true
	res = runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
	if res.err != nil || res.rejects != "" || res.stats.Clamped != 1 || res.stats.Signed != 2 {
		t.Fatalf("with clamping: err %v rejects %s stats %+v", res.err, res.rejects, res.stats)
	}
	if !strings.Contains(res.out, "X-Amz-Expires=1800&") || !strings.Contains(res.out, `"expires_at":"2013-05-24T00:30:00Z"`) {
		t.Errorf("clamped row: %s", res.out)
	}

	cfg.Credentials.Expires = docTime
	if _, err := Run(context.Background(), cfg, NewNDJSONReader(strings.NewReader(manifest)), nil, nil, nil); err == nil ||
		!strings.Contains(err.Error(), "expired") {
		t.Errorf("expired credentials: err = %v", err)
	}
}

// TestPresignHotPathAllocatesNothing: once a worker is warm, presigning
// decoded S3 rows (in a pair, and the odd one alone) (bucket and key, or a URL without escapes) and encoding
// its record allocate nothing.
func TestPresignHotPathAllocatesNothing(t *testing.T) {
	cfg := docConfig(Presign)
	w, err := NewWriter(io.Discard, FormatNDJSON, Presign, "")
	if err != nil {
		t.Fatal(err)
	}
	wk := newWorker(&cfg, sigv4.NewKeyCache(0), w)
	for _, line := range []string{
		`{"id":"a","bucket":"examplebucket","key":"exports/2026/part-00042.parquet","expires":900,"query":{"versionId":"7"}}`,
		`{"id":"b","bucket":"Legacy_Bucket","key":"x y","region":"eu-west-1"}`,
		`{"id":"c","url":"https://examplebucket.s3.eu-west-1.amazonaws.com/dir/file.bin?versionId=3"}`,
	} {
		// Three rows: a pair signed two-lane, then one flushed alone.
		b := newBatch(3)
		for range 3 {
			decodeRow(line, b.Append(), &b.arena)
		}
		sign := func() {
			b.out, b.signed = b.out[:0], 0
			wk.process(b)
			if b.signed != 3 || len(b.rejects) != 0 {
				t.Fatalf("%s: signed %d, rejects %v", line, b.signed, b.rejects)
			}
		}
		sign() // warm up: signer, address, buffers
		allocs := testing.AllocsPerRun(200, sign)
		if allocs != 0 {
			t.Errorf("%s: %v allocations per row, want 0", line, allocs)
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := &endlessSource{}
	w, _ := NewWriter(io.Discard, FormatNDJSON, Presign, "")
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, docConfig(Presign), src, w, NewRejectWriter(io.Discard), nil)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
}

type endlessSource struct{ n int64 }

func (e *endlessSource) ReadBatch(b *Batch) error {
	for !b.Full() {
		e.n++
		r := b.Append()
		r.Num, r.Bucket, r.Key = e.n, "examplebucket", "k"
	}
	return nil
}
func (e *endlessSource) Total() int64 { return -1 }
func (e *endlessSource) Close() error { return nil }

func TestRunReportsWriteErrors(t *testing.T) {
	boom := errors.New("disk full")
	w, _ := NewWriter(failWriter{boom}, FormatNDJSON, Presign, "")
	_, err := Run(context.Background(), docConfig(Presign), NewNDJSONReader(strings.NewReader(generatedManifest(100))), w, NewRejectWriter(io.Discard), nil)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// TestRunMemoryIsBounded: the number of batches never exceeds the in-flight
// bound, however long the manifest.
func TestRunMemoryIsBounded(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.InFlight, cfg.BatchSize = 3, 16
	src := &countingSource{limit: 5000, seen: map[*Batch]bool{}}
	w, _ := NewWriter(io.Discard, FormatNDJSON, Presign, "")
	st, err := Run(context.Background(), cfg, src, w, NewRejectWriter(io.Discard), nil)
	if err != nil || st.Signed != 5000 {
		t.Fatalf("err %v stats %+v", err, st)
	}
	if len(src.seen) > 3 {
		t.Errorf("%d distinct batches, bound is 3", len(src.seen))
	}
}

type countingSource struct {
	n, limit int64
	seen     map[*Batch]bool
}

func (c *countingSource) ReadBatch(b *Batch) error {
	c.seen[b] = true
	for !b.Full() && c.n < c.limit {
		c.n++
		r := b.Append()
		r.Num, r.Bucket, r.Key = c.n, "examplebucket", "k"
	}
	if c.n == c.limit {
		return io.EOF
	}
	return nil
}
func (c *countingSource) Total() int64 { return c.limit }
func (c *countingSource) Close() error { return nil }

// TestManyWorkersAllocateLazily: a run with MaxWorkers workers over a
// handful of rows allocates what the rows need, not batches and buffers
// for every worker that never gets a row (issue 14 item 10: --workers
// 1000000 held over 1 GB before signing anything).
func TestManyWorkersAllocateLazily(t *testing.T) {
	cfg := docConfig(Presign)
	cfg.Workers, cfg.BatchSize = MaxWorkers, 0
	manifest := `{"id":"1","bucket":"examplebucket","key":"k"}` + "\n"
	runManifest(t, cfg, manifest, FormatNDJSON, Shard{}) // warm up: one-time tables
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := runManifest(t, cfg, manifest, FormatNDJSON, Shard{})
	runtime.ReadMemStats(&after)
	if res.err != nil || res.stats.Signed != 1 {
		t.Fatalf("%v %+v", res.err, res.stats)
	}
	// 681 MiB before the fix; a few MiB now (about 18 under -race, whose
	// goroutine bookkeeping allocates too).
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("a 1-row run with %d workers allocated %d MiB", MaxWorkers, got>>20)
	}
	cfg.Workers = MaxWorkers + 1
	if err := cfg.Validate(); err == nil {
		t.Errorf("Validate accepts %d workers", cfg.Workers)
	}
}
