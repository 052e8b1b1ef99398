//go:build linux

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/batchsign/batchsign/internal/s3store"
)

// envBigS3 runs TestS3ParquetManifest1GBPeakRSS (.ci/run sets it): it
// builds batchsign and moves gigabytes through versitygw, a minute or two.
const envBigS3 = "BATCHSIGN_BIG_S3"

// bigManifestRows rows of bigManifestKey-byte keys make a Parquet manifest
// of about 1 GB (uncompressed, plain-encoded), in row groups of
// bigManifestGroup rows (about 128 MB, as Spark and Athena write them).
const bigManifestRows, bigManifestKey, bigManifestGroup = 2_000_000, 500, 250_000 // the summary line below says 2,000,000

// TestS3ParquetManifest1GBPeakRSS: the built batchsign (not this test
// binary, which may carry the race detector's shadow memory) presigns a
// 1 GB Parquet manifest read from s3:// into an s3:// output, and its peak
// RSS (the kernel's VmHWM) stays under 200 MiB: the manifest is read
// through ranged GETs of a few cached blocks, never whole, and the output
// goes up in parts.
func TestS3ParquetManifest1GBPeakRSS(t *testing.T) {
	if os.Getenv(envBigS3) != "1" {
		t.Skip("set " + envBigS3 + "=1 (CI does): builds batchsign and reads a 1 GB Parquet manifest from versitygw")
	}
	e := newS3Env(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "batchsign")
	start := time.Now()
	if out, err := exec.Command("go", "build", "-o", dir+"/", ".", "./testdata/bigparquet").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	built := time.Since(start)

	start = time.Now()
	size := putBigParquet(t, e, dir, "in/m.parquet")
	written := time.Since(start)

	start = time.Now()
	cmd := exec.Command(bin, "presign", e.url("in/m.parquet"), "-o", e.url("out/urls.ndjson"), "--time", pinned)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	peakRSS := watchPeakRSS(cmd.Process.Pid, done)
	err := cmd.Wait()
	close(done)
	peak := peakRSS()
	ran := time.Since(start)
	if err != nil {
		t.Fatalf("batchsign presign: %v\n%s", err, stderr.String())
	}
	t.Logf("%d rows, %d MiB of Parquet: peak RSS %d MiB, run %v (build %v, write and upload %v)",
		bigManifestRows, size>>20, peak>>20, ran.Round(time.Millisecond), built.Round(time.Millisecond), written.Round(time.Millisecond))
	if !strings.Contains(stderr.String(), "2,000,000 rows read, 2,000,000 signed, 0 rejected") {
		t.Errorf("the run did not sign every row:\n%s", stderr.String())
	}
	if _, ok := e.head(t, "out/urls.ndjson"); !ok {
		t.Error("no output object")
	}
	if peak == 0 || peak >= 200<<20 {
		t.Errorf("peak RSS %d MiB, want under 200 MiB (0: never read)", peak>>20)
	}
}

// watchPeakRSS reads the process's VmHWM (its peak RSS) from
// /proc/PID/status every 20 ms until the process is gone or done is
// closed (after Wait: the pid may be reused), and returns a function that
// waits for that and returns the largest value read, in bytes. (Not wait4's ru_maxrss: Linux carries it
// across exec from the forking process's memory, this test's, which holds
// a row group of the manifest it wrote.) VmHWM only grows, so only the
// last 20 ms of the run can escape it: its exit.
func watchPeakRSS(pid int, done <-chan struct{}) func() int64 {
	var peak int64
	stopped := make(chan struct{})
	hwm := regexp.MustCompile(`VmHWM:\s*(\d+) kB`)
	go func() {
		defer close(stopped)
		for {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
			m := hwm.FindSubmatch(b)
			if err != nil || m == nil { // gone, or a zombie
				return
			}
			kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
			select {
			case <-done: // reaped: b may be another process's
				return
			default:
			}
			peak = max(peak, kb<<10)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() int64 { <-stopped; return peak }
}

// putBigParquet runs bigparquet (built in dir) to write the big manifest
// into dir, uploads it to key and deletes it; it returns its size.
func putBigParquet(t *testing.T, e *s3env, dir, key string) int64 {
	t.Helper()
	name := filepath.Join(dir, "m.parquet")
	defer os.Remove(name)
	gen := exec.Command(filepath.Join(dir, "bigparquet"), "-o", name, "-rows", strconv.Itoa(bigManifestRows),
		"-key", strconv.Itoa(bigManifestKey), "-group", strconv.Itoa(bigManifestGroup))
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("bigparquet: %v\n%s", err, out)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	up, err := s3store.New(e.api).Create(context.Background(), e.url(key))
	if err != nil {
		t.Fatal(err)
	}
	defer up.Abort()
	n, err := io.Copy(up, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
	return n
}

// head returns the object's size, or false when there is none.
func (e *s3env) head(t *testing.T, key string) (int64, bool) {
	t.Helper()
	out, err := e.api.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &e.srv.Bucket, Key: &key})
	if err != nil {
		return 0, false
	}
	return aws.ToInt64(out.ContentLength), true
}
