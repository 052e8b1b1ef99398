//go:build linux

package pipeline

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// bigRows is a manifest of n rows whose keys are size bytes each, made as
// it is read, so the manifest itself costs the test no memory.
type bigRows struct {
	n, size, row int
	buf, pending []byte
	key          []byte
}

func (g *bigRows) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		if g.row == g.n {
			return 0, io.EOF
		}
		b := append(g.buf[:0], `{"id":"`...)
		b = strconv.AppendInt(b, int64(g.row), 10)
		b = append(b, `","bucket":"examplebucket","key":"`...)
		if len(g.key) != g.size {
			g.key = bytes.Repeat([]byte("k"), g.size)
		}
		b = append(b, g.key...)
		g.buf = append(b, "\"}\n"...)
		g.pending = g.buf
		g.row++
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

// peakRSSRows and peakRSSSize: 300 rows of 4 MiB keys, 1.2 GB of manifest
// (issue 14 item 9: 4.4 GB peak RSS before batches closed on bytes).
const peakRSSRows, peakRSSSize = 300, 4 << 20

// TestRunPeakRSSHelper is the child of TestRunPeakRSSBoundedByBytes: it
// presigns the big manifest and prints its peak RSS.
func TestRunPeakRSSHelper(t *testing.T) {
	if os.Getenv("BATCHSIGN_PEAK_RSS_CHILD") != "1" {
		t.Skip("run by TestRunPeakRSSBoundedByBytes")
	}
	cfg := docConfig(Presign)
	cfg.Workers, cfg.BatchSize = 4, 0
	w, err := NewWriter(io.Discard, FormatNDJSON, Presign, "")
	if err != nil {
		t.Fatal(err)
	}
	var rej bytes.Buffer
	st, err := Run(context.Background(), cfg, NewNDJSONReader(&bigRows{n: peakRSSRows, size: peakRSSSize}), w, NewRejectWriter(&rej), nil)
	if err != nil || st.Signed != peakRSSRows {
		t.Fatalf("%v %+v %s", err, st, rej.String())
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", regexp.MustCompile(`VmHWM:\s*\d+ kB`).Find(status))
}

// TestRunPeakRSSBoundedByBytes: a manifest of multi-MiB rows is presigned
// in a process whose peak resident memory stays under 200 MiB, whatever
// the rows' sizes: batches close on bytes as well as rows, and the bytes
// of all batches in flight are bounded (issue 14 item 9). The run is a
// child process, so its peak (VmHWM) is its own.
func TestRunPeakRSSBoundedByBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("1.2 GB through the pipeline")
	}
	if raceEnabled {
		t.Skip("the race detector's shadow memory is not the pipeline's")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunPeakRSSHelper$", "-test.v")
	// GOMEMLIMIT as the batchsign command sets it for itself
	// (cmd/batchsign/memory.go): without it, a GC that lags behind the
	// allocations on a loaded machine let the peak reach 211 MiB.
	cmd.Env = append(os.Environ(), "BATCHSIGN_PEAK_RSS_CHILD=1", "GOMEMLIMIT=150MiB")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := regexp.MustCompile(`VmHWM:\s*(\d+) kB`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no VmHWM in\n%s", out)
	}
	kb, _ := strconv.Atoi(string(m[1]))
	t.Logf("peak RSS %d MiB for %d rows of %d MiB", kb>>10, peakRSSRows, peakRSSSize>>20)
	if kb > 200<<10 {
		t.Errorf("peak RSS %d MiB, want under 200 MiB", kb>>10)
	}
}
