package pipeline

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// Run reads src to the end, signs every row on a pool of cfg.Workers
// goroutines, writes the records to out and the rejects to rejects, both in
// manifest order, and returns the counts.
//
// Rows flow in batches: one goroutine fills batches from src, the workers
// sign whole batches, and the calling goroutine's writer stage puts them
// back in order and writes them. At most cfg.InFlight batches exist, and
// together they hold at most 8 MiB of manifest text (DefaultBatchBytes); a
// written batch is recycled for reading, so memory does not grow with the
// manifest or with its rows' sizes. A worker owns its Signers and buffers, so signing takes no
// locks.
//
// A row that cannot be signed is a reject, not an error. Run returns an
// error for what stops the whole run: reading the manifest fails, writing
// fails, or ctx is cancelled (then the error is ctx's). The caller discards
// the output in that case; Run does not Close out. progress may be nil.
//
// On cancellation Run returns without waiting for a ReadBatch call that is
// blocked in its input (a quiet stdin); that call's batch is abandoned.
func Run(ctx context.Context, cfg Config, src Source, out Writer, rejects *RejectWriter, progress *Progress) (Stats, error) {
	start := time.Now()
	var st Stats
	if d, _ := cfg.modeDef(); d != nil && d.verdicts {
		st.Verify = &VerifyStats{ByReason: map[string]int64{}, code: d.reasonCode}
	}
	if err := cfg.Validate(); err != nil {
		return st, err
	}
	keys := cfg.Keys
	if keys == nil {
		keys = sigv4.NewKeyCache(0)
	}
	if cfg.SigV4aKeys == nil {
		cfg.SigV4aKeys = sigv4a.NewKeyCache(0)
	}
	workers := cfg.workers()
	inflight := cfg.InFlight
	if inflight <= 0 {
		inflight = 2*workers + 2
	}

	g, ctx := errgroup.WithContext(ctx)
	free := make(chan *Batch, inflight)
	fields := newFieldSet() // read-only: the batches share it
	rows, bytes := batchRows(cfg.BatchSize, inflight), batchBytes(inflight)
	budget := semaphore.NewWeighted(maxBytesInFlight)
	for range inflight {
		b := newBatch(rows)
		b.maxBytes = bytes
		b.arena.fields = fields
		free <- b
	}
	work := make(chan *Batch, inflight)
	done := make(chan *Batch, inflight)

	// Reader: fill free batches in order. It is not part of the group: a
	// Source blocked in a read (a quiet stdin) must not keep Run from
	// returning when ctx is cancelled. readErr is set before work is
	// closed, so it is visible to whoever sees work closed.
	var readErr error
	go func() {
		defer close(work)
		for seq := int64(0); ; seq++ {
			var b *Batch
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.seq = seq // the writer emptied it (Batch.reset)
			err := src.ReadBatch(b)
			if b.Len() > 0 {
				// Hold the batch's bytes of the budget until it is
				// written; one batch over the whole budget travels alone.
				b.cost = min(int64(b.textLen()), maxBytesInFlight)
				if budget.Acquire(ctx, b.cost) != nil {
					return
				}
				select {
				case work <- b:
				case <-ctx.Done():
					return
				}
			} else {
				seq-- // nothing sent: the number is reused
				free <- b
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				readErr = err
				return
			}
		}
	}()

	// Workers: sign batches in any order.
	rc := newRunCreds(&cfg)
	var wg sync.WaitGroup
	for range workers {
		w := newWorker(&cfg, keys, out)
		w.ctx, w.rc = ctx, rc
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			for {
				var b *Batch
				var ok bool
				select {
				case b, ok = <-work:
					if !ok {
						return nil
					}
				case <-ctx.Done():
					return ctx.Err()
				}
				w.process(b)
				if w.fatal != nil {
					return w.fatal // the batch is not written
				}
				select {
				case done <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		})
	}
	go func() { wg.Wait(); close(done) }()

	// Writer: restore manifest order and write.
	g.Go(func() error {
		pending := make([]*Batch, inflight)
		next := int64(0)
		for b := range done {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			pending[b.seq%int64(inflight)] = b
			for {
				slot := next % int64(inflight)
				b := pending[slot]
				if b == nil || b.seq != next {
					break
				}
				pending[slot] = nil
				if err := writeBatch(b, out, rejects, &st); err != nil {
					return err
				}
				budget.Release(b.cost)
				// Emptied here, not when it is next filled, so a batch
				// waiting to be reused holds no rows' text.
				b.reset(0)
				if progress != nil {
					progress.Add(int64(b.Len()))
				}
				next++
				free <- b
			}
		}
		return ctx.Err()
	})

	err := g.Wait()
	if err == nil {
		// Every worker saw work closed, so the reader has finished.
		err = readErr
	}
	st.Elapsed = time.Since(start)
	if rc != nil {
		rc.mu.Lock()
		st.Refreshes = rc.refreshes
		rc.mu.Unlock()
	}
	return st, err
}

// writeBatch writes b's records and rejects and counts them.
func writeBatch(b *Batch, out Writer, rejects *RejectWriter, st *Stats) error {
	if len(b.out) > 0 {
		if err := out.Write(b.out); err != nil {
			return err
		}
	}
	for i := range b.rejects {
		if err := rejects.Write(&b.rejects[i]); err != nil {
			return err
		}
	}
	st.Read += int64(b.Len())
	st.Signed += b.signed
	st.Rejected += int64(len(b.rejects))
	st.Clamped += b.clamped
	st.addVerdicts(b)
	return nil
}
