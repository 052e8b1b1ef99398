package pipeline

import (
	"errors"

	"github.com/batchsign/batchsign/sigv4"
)

// errDeferred is what a row function returns for a row whose URL waits for
// the next row, to be signed with it in one two-lane SHA-256 pass
// (sigv4.AppendPresignS3PairOf), or in verify mode judged with it
// (sigv4.Verifier.PresignedURLPair, verifier.verifyPaired). The row is not
// finished: it is counted, written or rejected when its pair is signed or
// the pending row is flushed (worker.flushPending), always before any later
// row's output, so records and rejects stay in row order.
var errDeferred = errors.New("pipeline: row deferred to be signed in a pair")

// pendingS3 is a presign row waiting for a partner: what
// AppendPresignS3 needs, and what its record says.
type pendingS3 struct {
	ok      bool
	r       *Row
	s       *sigv4.Signer
	p       sigv4.S3Presign
	query   []sigv4.QueryParam // owns p.Query (the row's may be the worker's scratch)
	method  string
	expires int64
	clamped bool
	url     []byte
}

// presignS3 signs an S3 presign on the engine's zero-allocation path, two
// rows at a time: the first of a pair waits (errDeferred); the second is
// signed with it in one pass, whichever of the worker's Signers (regions)
// each needs.
func (w *worker) presignS3(r *Row, b *Batch, s *sigv4.Signer, p *sigv4.S3Presign, method string, expires int64, clamped bool) error {
	q := &w.pend
	alone := pairCost(p) > maxPairBytes
	if q.ok && alone {
		w.flushPending(b)
	}
	if alone {
		// Alone: pairing a huge row gains nothing and holds a second
		// canonical request and URL of its size per worker.
		var err error
		if w.url, err = s.AppendPresignS3(w.url[:0], p); err != nil {
			return err
		}
		w.appendPresignRecord(b, r, method, plainURLValue(w.url), expires, clamped, nil)
		return nil
	}
	if !q.ok {
		q.ok, q.r, q.s, q.method, q.expires, q.clamped = true, r, s, method, expires, clamped
		q.p = *p
		if len(p.Query) > 0 {
			q.query = append(q.query[:0], p.Query...)
			q.p.Query = q.query
		}
		return errDeferred
	}
	q.ok = false
	var err0, err1 error
	q.url, w.url, err0, err1 = sigv4.AppendPresignS3PairOf(q.s, s, q.url[:0], w.url[:0], &q.p, p)
	w.finishPending(b, err0)
	if err1 != nil {
		return err1
	}
	w.appendPresignRecord(b, r, method, plainURLValue(w.url), expires, clamped, nil)
	return nil
}

// maxPairBytes bounds the text of a row signed in a pair (pairCost); a
// bigger row is signed alone.
const maxPairBytes = 4 << 10

// pairCost is the text of p that its canonical request and URL hold.
func pairCost(p *sigv4.S3Presign) int {
	n := len(p.Host) + len(p.Bucket) + len(p.Key)
	for _, kv := range p.Query {
		n += len(kv.Key) + len(kv.Value)
	}
	return n
}

// flushPending signs the row waiting for a partner alone, if there is one
// (in verify mode, judges it: verifier.flush). Whatever writes a record or
// a reject in presign or verify mode calls it first.
func (w *worker) flushPending(b *Batch) {
	if w.verifying != nil {
		w.verifying.flush(b)
	}
	q := &w.pend
	if !q.ok {
		return
	}
	q.ok = false
	var err error
	q.url, err = q.s.AppendPresignS3(q.url[:0], &q.p)
	w.finishPending(b, err)
}

// finishPending writes the signed pending row's record, or its reject.
func (w *worker) finishPending(b *Batch, err error) {
	q := &w.pend
	if err != nil {
		b.rejects = append(b.rejects, rejectOf(q.r, err))
		return
	}
	w.appendPresignRecord(b, q.r, q.method, plainURLValue(q.url), q.expires, q.clamped, nil)
	b.signed++
}
