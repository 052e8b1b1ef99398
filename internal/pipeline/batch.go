package pipeline

import "strings"

// DefaultBatchSize is the number of rows a batch carries: large enough that
// the per-batch costs (channel hand-offs, one write call, one string for an
// NDJSON batch's kept text) vanish per row, small enough that a batch stays in
// cache-friendly tens of kilobytes.
const DefaultBatchSize = 1024

// Byte bounds. A batch closes when it holds its row count or, first,
// batchBytes of manifest text; the batches in flight together hold at most
// maxBytesInFlight of text (Run waits for the writer before reading more).
// Every batch's text is kept once (keptText: the string the rows point
// into), its output is about as large again and a few times that
// when keys need escaping, and the garbage collector lets the heap reach
// twice what is live: 8 MiB of text in flight is a peak well under 200 MB
// whatever the rows' sizes. A row is one NDJSON line of at most
// DefaultMaxLine bytes; a batch always takes at least one row, so a single
// row larger than the budget travels alone.
const (
	// DefaultBatchBytes is the text a batch closes at; ordinary rows
	// (a few hundred bytes) fill DefaultBatchSize rows long before it.
	DefaultBatchBytes = 1 << 20
	// minBatchBytes is the least text a batch closes at when many batches
	// share maxBytesInFlight.
	minBatchBytes    = 64 << 10
	maxBytesInFlight = 8 << 20
)

// batchBytes returns the text a batch closes at when inflight batches
// share maxBytesInFlight.
func batchBytes(inflight int) int {
	return max(minBatchBytes, min(DefaultBatchBytes, maxBytesInFlight/max(inflight, 1)))
}

// maxBodiesPerBatch ends a batch early once it holds this many rows with a
// body_file. Such a row costs a whole file through SHA-256 (milliseconds,
// not the microsecond of a presign), so spreading a few hundred of them over
// every worker matters far more than batch overhead: 192 bodies in one
// 1,024-row batch would all be hashed by one worker.
const maxBodiesPerBatch = 4

// Batch is a run of consecutive manifest rows of one shard, and, once a
// worker has signed them, their encoded output and rejects. Batches are
// recycled: a Source fills one, a worker signs it, the writer drains it, and
// it goes back to be filled again, so a run's memory is bounded by the
// number of batches in flight.
type Batch struct {
	seq  int64
	max  int
	rows []Row
	// maxBytes is the text at which the batch is full (batchBytes); cost
	// is what it holds of the run's maxBytesInFlight while in flight.
	maxBytes int
	cost     int64
	// bodies counts rows[:counted] that carry a body_file (see Full).
	bodies, counted int

	// Reader-side storage the rows point into.
	arena rowArena
	text  []byte

	// Worker-side results.
	out     []byte   // encoded output records, in row order
	rejects []Reject // in row order
	signed  int64
	clamped int64
	// Verify mode: rows judged valid, and the invalid ones by reason.
	valid   int64
	invalid [reasonSlots]int64
}

// reasonSlots bounds sigerr.VerifyReason values counted per batch; a
// reason past it is counted in the last slot.
const reasonSlots = 32

// maxRowsInFlight bounds the rows of all batches in flight together: a Row
// is some 300 bytes before its text, so a run holds at most ~40 MB of rows
// however many workers it has. Runs with many workers (up to MaxWorkers)
// get smaller batches instead of fewer busy workers.
const maxRowsInFlight = 1 << 17

// batchRows returns the rows per batch for a run of inflight batches that
// asked for size (0: DefaultBatchSize).
func batchRows(size, inflight int) int {
	if size <= 0 {
		size = DefaultBatchSize
	}
	return max(1, min(size, maxRowsInFlight/max(inflight, 1)))
}

// newBatch returns an empty batch of up to size rows. Its storage is
// allocated as rows arrive, so batches that a short run never fills cost
// next to nothing.
func newBatch(size int) *Batch {
	if size <= 0 {
		size = DefaultBatchSize
	}
	return &Batch{max: size, maxBytes: DefaultBatchBytes}
}

// NewBatch returns an empty batch of up to size rows (DefaultBatchSize when
// size <= 0), for the tests of Sources written outside this package.
func NewBatch(size int) *Batch { return newBatch(size) }

// reset empties the batch for reuse as sequence number seq.
func (b *Batch) reset(seq int64) {
	b.seq = seq
	for i := range b.rows {
		b.rows[i].reset()
	}
	b.rows = b.rows[:0]
	b.bodies, b.counted = 0, 0
	b.cost = 0
	b.arena.reset()
	// A batch that carried a few huge rows gives their storage back rather
	// than keeping it while it is recycled, so what the batches hold
	// between runs of huge rows stays bounded.
	b.text = trim(b.text, 2*b.maxBytes)
	b.out = trim(b.out, 4*b.maxBytes)
	b.arena.scratch = trim(b.arena.scratch, b.maxBytes)
	clear(b.rejects)
	b.rejects = b.rejects[:0]
	b.signed, b.clamped = 0, 0
	b.valid = 0
	clear(b.invalid[:])
}

// Append adds a row to the batch and returns it, zeroed, for the Source to
// fill. It must not be called on a full batch.
func (b *Batch) Append() *Row {
	if b.rows == nil {
		b.rows = make([]Row, 0, b.max)
	}
	b.rows = append(b.rows, Row{})
	return &b.rows[len(b.rows)-1]
}

// Len returns the number of rows in the batch.
func (b *Batch) Len() int { return len(b.rows) }

// Full reports whether the batch holds as many rows as it should: its row
// limit, its text limit, or maxBodiesPerBatch rows that stream a body file.
func (b *Batch) Full() bool {
	for ; b.counted < len(b.rows); b.counted++ {
		if b.rows[b.counted].BodyFile != "" {
			b.bodies++
		}
	}
	return len(b.rows) >= b.max || b.textLen() >= b.maxBytes || b.bodies >= maxBodiesPerBatch
}

// textLen is the manifest text the batch holds, for its byte bounds.
func (b *Batch) textLen() int { return len(b.text) + b.arena.kept.n }

// keptText is append-only storage for a batch's text that rows' strings
// point into in place. Bytes once kept are never written again: a full
// chunk is left to the strings that point into it and a new one started,
// and reset drops the chunk rather than reusing it. So keeping a line costs
// its one copy, with no string conversion after it, and a string taken from
// a batch stays valid and unchanged however long something holds it.
type keptText struct {
	chunk strings.Builder // the current chunk: its String() is never rewritten
	n     int             // bytes kept since reset
	size  int             // the size of a new chunk: the last batch's text
}

// keptChunk is the least size of a new chunk.
const keptChunk = 64 << 10

// keep copies p and returns the copy as a string.
func (t *keptText) keep(p []byte) string {
	if t == nil {
		return string(p)
	}
	if t.chunk.Cap()-t.chunk.Len() < len(p) {
		t.chunk.Reset()
		t.chunk.Grow(max(len(p), t.size-t.n, keptChunk)) // not zeroed
	}
	start := t.chunk.Len()
	t.chunk.Write(p)
	t.n += len(p)
	return t.chunk.String()[start:]
}

// reset starts the next batch's text in a new chunk, sized for as much as
// this batch kept (bounded: a batch of huge rows does not make every later
// chunk huge).
func (t *keptText) reset() {
	t.chunk.Reset()
	t.size = min(t.n+t.n/8, 2*DefaultBatchBytes)
	t.n = 0
}

// trim empties buf, dropping it when its capacity is over limit.
func trim(buf []byte, limit int) []byte {
	if cap(buf) > limit {
		return nil
	}
	return buf[:0]
}

// Rows returns the batch's rows; they stay valid until the batch is
// recycled.
func (b *Batch) Rows() []Row { return b.rows }
