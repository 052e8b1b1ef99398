package pipeline

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchsign/batchsign/sigerr"
)

// Stats are the counts of a run.
type Stats struct {
	Read     int64 // rows of this shard read (rejected ones included)
	Signed   int64 // rows signed and written (Verify: rows judged, valid or not)
	Rejected int64 // rows written to the rejects stream
	Clamped  int64 // presigns shortened to the credentials' lifetime
	// Refreshes counts the times the run took new credentials from
	// Config.Refresh.
	Refreshes int64
	Elapsed   time.Duration
	// Verify holds the verdicts of a Verify run; nil for other modes.
	Verify *VerifyStats
}

// VerifyStats are the verdicts of a Verify run: rows judged valid and
// invalid, and the invalid ones by reason code (sigerr.VerifyReason.Code()).
type VerifyStats struct {
	Valid, Invalid int64
	ByReason       map[string]int64
	code           func(sigerr.VerifyReason) string // the mode's modeDef.reasonCode
}

// reasonCode is the summary's name of an invalid verdict: the reason's
// code, unless the mode names it otherwise.
func (v *VerifyStats) reasonCode(r sigerr.VerifyReason) string {
	if v.code != nil {
		return v.code(r)
	}
	return r.Code()
}

// addVerdicts adds a written batch's verify counts.
func (s *Stats) addVerdicts(b *Batch) {
	if s.Verify == nil {
		return
	}
	s.Verify.Valid += b.valid
	for r, n := range b.invalid {
		if n == 0 {
			continue
		}
		s.Verify.ByReason[s.Verify.reasonCode(sigerr.VerifyReason(r))] += n
		s.Verify.Invalid += n
	}
}

// reasonList is "expired 2, signature_mismatch 1", sorted by code.
func (v *VerifyStats) reasonList() string {
	codes := make([]string, 0, len(v.ByReason))
	for c := range v.ByReason {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var b strings.Builder
	for i, c := range codes {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " " + groupDigits(v.ByReason[c]))
	}
	return b.String()
}

// RowsPerSecond returns the read rate over the whole run.
func (s Stats) RowsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Read) / s.Elapsed.Seconds()
}

// String is the one-line summary printed on stderr at the end of a run.
func (s Stats) String() string {
	rows := "rows"
	if s.Read == 1 {
		rows = "row"
	}
	line := fmt.Sprintf("%s %s read, %s signed, %s rejected", groupDigits(s.Read), rows, groupDigits(s.Signed), groupDigits(s.Rejected))
	if v := s.Verify; v != nil {
		line = fmt.Sprintf("%s %s read, %s valid, %s invalid", groupDigits(s.Read), rows, groupDigits(v.Valid), groupDigits(v.Invalid))
		if v.Invalid > 0 {
			line += " (" + v.reasonList() + ")"
		}
		line += ", " + groupDigits(s.Rejected) + " rejected"
	}
	if s.Clamped > 0 {
		line += ", " + groupDigits(s.Clamped) + " clamped to the credentials' expiry"
	}
	return line + fmt.Sprintf(" in %s (%s rows/s)", s.Elapsed.Round(time.Millisecond), groupDigits(int64(s.RowsPerSecond()+0.5)))
}

// Summary is the --summary JSON document.
type Summary struct {
	Command  string `json:"command"`
	RowsRead int64  `json:"rows_read"`
	Signed   int64  `json:"signed"`
	Rejected int64  `json:"rejected"`
	Clamped  int64  `json:"clamped"`
	// Verify only: rows valid, invalid, and invalid by reason code.
	Valid          *int64           `json:"valid,omitempty"`
	Invalid        *int64           `json:"invalid,omitempty"`
	InvalidReasons map[string]int64 `json:"invalid_reasons,omitempty"`
	ElapsedSeconds float64          `json:"elapsed_seconds"`
	RowsPerSecond  float64          `json:"rows_per_second"`
	SigningTime    string           `json:"signing_time"`
	ShardIndex     int64            `json:"shard_index"`
	ShardCount     int64            `json:"shard_count"`
	// Range is the shard's share of the manifest (nil on stdin): `batchsign
	// plan --check` tells from the summaries whether the shards covered it.
	Range *ShardRange `json:"range,omitempty"`
	// Inventory reports only: the records that became no row (delete
	// markers; versions not the latest, without --include-noncurrent).
	SkippedDeleteMarkers int64  `json:"skipped_delete_markers,omitempty"`
	SkippedNoncurrent    int64  `json:"skipped_noncurrent,omitempty"`
	Output               string `json:"output"`
	Rejects              string `json:"rejects"`
	ExitStatus           int    `json:"exit_status"`
	// Credentials describes the credentials the run signed with, as JSON
	// (the command gives its source, the access key ID's last four
	// characters and their time left); nil when the scheme uses none. It
	// must hold no secret.
	Credentials any `json:"credentials,omitempty"`
}

// NewSummary fills the counts of a Summary from s.
func NewSummary(command string, s Stats) Summary {
	sum := Summary{
		Command: command, RowsRead: s.Read, Signed: s.Signed, Rejected: s.Rejected, Clamped: s.Clamped,
		ElapsedSeconds: s.Elapsed.Seconds(), RowsPerSecond: s.RowsPerSecond(),
	}
	if v := s.Verify; v != nil {
		valid, invalid := v.Valid, v.Invalid
		sum.Valid, sum.Invalid = &valid, &invalid
		sum.InvalidReasons = v.ByReason
	}
	return sum
}

// WriteJSON writes the summary as one indented JSON object.
func (s Summary) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Progress reports a run's advance on stderr: rows done, the rate, and an
// ETA when the total is known (Parquet). On a terminal it redraws one line
// every second; elsewhere (a log, with --progress always) it prints a line
// every ten seconds.
type Progress struct {
	w        io.Writer
	terminal bool
	interval time.Duration
	total    int64
	rows     atomic.Int64
	start    time.Time

	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex // serialises writes to w
}

// NewProgress returns a Progress writing to w; total is the number of rows
// expected, or -1. Call Start, Add as rows complete, and Stop.
func NewProgress(w io.Writer, terminal bool, total int64) *Progress {
	p := &Progress{w: w, terminal: terminal, total: total, interval: 10 * time.Second}
	if terminal {
		p.interval = time.Second
	}
	return p
}

// SetInterval changes the time between reports (for tests).
func (p *Progress) SetInterval(d time.Duration) { p.interval = d }

// Add records n more rows done.
func (p *Progress) Add(n int64) { p.rows.Add(n) }

// Start begins reporting in the background.
func (p *Progress) Start() {
	p.start = time.Now()
	p.stop = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.report()
			}
		}
	}()
}

// Stop ends reporting and, on a terminal, clears the progress line.
func (p *Progress) Stop() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
	p.stop = nil
	if p.terminal {
		p.mu.Lock()
		io.WriteString(p.w, "\r\033[K")
		p.mu.Unlock()
	}
}

func (p *Progress) report() {
	p.mu.Lock()
	defer p.mu.Unlock()
	io.WriteString(p.w, p.line(p.rows.Load(), time.Since(p.start)))
}

// line formats one report.
func (p *Progress) line(rows int64, elapsed time.Duration) string {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(rows) / elapsed.Seconds()
	}
	s := "batchsign: " + groupDigits(rows)
	if p.total >= 0 {
		s += "/" + groupDigits(p.total)
	}
	s += " rows, " + groupDigits(int64(rate+0.5)) + " rows/s"
	if p.total >= 0 && rate > 0 && rows <= p.total {
		eta := time.Duration(float64(p.total-rows) / rate * float64(time.Second)).Round(time.Second)
		s += ", ETA " + eta.String()
	}
	if p.terminal {
		return "\r\033[K" + s
	}
	return s + "\n"
}

// groupDigits formats n with thousands separators: 1234567 → 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
