package pipeline

// DefaultBatchSize is the number of rows a batch carries: large enough that
// the per-batch costs (channel hand-offs, one write call, one string for an
// NDJSON batch's text) vanish per row, small enough that a batch stays in
// cache-friendly tens of kilobytes.
const DefaultBatchSize = 1024

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
	return &Batch{max: size}
}

// reset empties the batch for reuse as sequence number seq.
func (b *Batch) reset(seq int64) {
	b.seq = seq
	for i := range b.rows {
		b.rows[i].reset()
	}
	b.rows = b.rows[:0]
	b.bodies, b.counted = 0, 0
	b.arena.reset()
	b.text = b.text[:0]
	b.out = b.out[:0]
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
// limit, or maxBodiesPerBatch rows that stream a body file.
func (b *Batch) Full() bool {
	for ; b.counted < len(b.rows); b.counted++ {
		if b.rows[b.counted].BodyFile != "" {
			b.bodies++
		}
	}
	return len(b.rows) >= b.max || b.bodies >= maxBodiesPerBatch
}

// Rows returns the batch's rows; they stay valid until the batch is
// recycled.
func (b *Batch) Rows() []Row { return b.rows }
