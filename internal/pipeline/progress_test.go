package pipeline

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	cases := []struct {
		terminal bool
		total    int64
		rows     int64
		elapsed  time.Duration
		want     string
	}{
		{false, -1, 1500000, 2 * time.Second, "batchsign: 1,500,000 rows, 750,000 rows/s\n"},
		{false, 3000000, 1500000, 2 * time.Second, "batchsign: 1,500,000/3,000,000 rows, 750,000 rows/s, ETA 2s\n"},
		{true, 100, 0, 0, "\r\033[Kbatchsign: 0/100 rows, 0 rows/s"},
	}
	for _, tc := range cases {
		p := NewProgress(nil, tc.terminal, tc.total)
		if got := p.line(tc.rows, tc.elapsed); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

// TestProgressReportsWhileRunning: a started Progress reports by itself,
// before Stop. The test waits for the first report instead of sleeping a
// fixed time: a reporter goroutine that a loaded machine (CI, -race, test
// binaries in parallel) does not schedule within a few ticks is slow, not
// wrong; Stop writes nothing on a non-terminal, so the report can only come
// from the running reporter.
func TestProgressReportsWhileRunning(t *testing.T) {
	var buf lockedBuffer
	p := NewProgress(&buf, false, -1)
	p.SetInterval(5 * time.Millisecond)
	p.Start()
	p.Add(42)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), "batchsign: 42 rows") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.Stop()
	if !strings.Contains(buf.String(), "batchsign: 42 rows") {
		t.Errorf("progress output %q after 10 s", buf.String())
	}
}

// lockedBuffer is a bytes.Buffer the test may read while a reporter writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestStatsString(t *testing.T) {
	s := Stats{Read: 1234567, Signed: 1234560, Rejected: 7, Clamped: 2, Elapsed: 2 * time.Second}
	want := "1,234,567 rows read, 1,234,560 signed, 7 rejected, 2 clamped to the credentials' expiry in 2s (617,284 rows/s)"
	if s.String() != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
}
