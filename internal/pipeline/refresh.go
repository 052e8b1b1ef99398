package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// Refresher gives a run that outlasts its credentials fresh ones
// (awsconfig.Provider does, through the AWS SDK's credentials cache).
//
// Retrieve returns credentials that have not expired by the wall clock,
// new ones from the source once the current ones are near their expiry, or
// an error when it has none (the run then stops: no row is signed with
// expired credentials).
type Refresher interface {
	Retrieve(ctx context.Context) (sigv4.Credentials, error)
}

// runCreds are the credentials a run signs with, shared by its workers.
//
// The workers pay nothing per row for it: before each batch (and after
// each body_file hash, the one slow step of a row) a worker loads two
// atomics and, only when the credentials can expire, reads the clock. Once
// the clock reaches due, the first worker there asks the Refresher; the
// others adopt what it got when they see gen change.
type runCreds struct {
	refresh Refresher
	before  time.Duration
	clock   func() time.Time

	due atomic.Int64  // Unix nanoseconds from which to ask refresh; 0: never (no expiry)
	gen atomic.Uint64 // bumped whenever cur changes

	mu        sync.Mutex
	cur       sigv4.Credentials
	refreshes int64
}

// newRunCreds returns the shared credentials of a run configured by cfg,
// or nil when cfg has no Refresher (the credentials never change).
func newRunCreds(cfg *Config) *runCreds {
	if cfg.Refresh == nil {
		return nil
	}
	rc := &runCreds{refresh: cfg.Refresh, before: cfg.RefreshBefore, clock: cfg.Clock, cur: cfg.Credentials}
	if rc.clock == nil {
		rc.clock = time.Now
	}
	rc.setDue()
	return rc
}

// setDue arms due for cur; rc.mu is held (or rc not yet shared).
func (rc *runCreds) setDue() {
	if rc.cur.Expires.IsZero() {
		rc.due.Store(0)
		return
	}
	rc.due.Store(rc.cur.Expires.Add(-rc.before).UnixNano())
}

// errRefresh wraps what stopped a run that needed fresh credentials.
var errRefresh = errors.New("refreshing the AWS credentials")

// renew asks the Refresher for credentials if they are still due, and
// makes them the run's when they differ from the current ones.
func (rc *runCreds) renew(ctx context.Context) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	now := rc.clock()
	if d := rc.due.Load(); d == 0 || now.UnixNano() < d {
		return nil // another worker renewed them meanwhile
	}
	c, err := rc.refresh.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errRefresh, err)
	}
	if !c.Expires.IsZero() && !now.Before(c.Expires) {
		return fmt.Errorf("%w: %w at %s", errRefresh, ErrCredentialsExpired, c.Expires.UTC().Format(time.RFC3339))
	}
	if c.AccessKeyID == rc.cur.AccessKeyID && c.SecretAccessKey == rc.cur.SecretAccessKey && c.SessionToken == rc.cur.SessionToken {
		// The source has nothing newer yet; the Refresher spaces its
		// attempts, and these are still valid. Their expiry may have been
		// corrected (never extended: the Refresher's contract).
		if c.Expires.Before(rc.cur.Expires) {
			rc.cur.Expires = c.Expires
			rc.gen.Add(1)
		}
		return nil
	}
	rc.cur = c
	rc.refreshes++
	rc.setDue()
	rc.gen.Add(1)
	return nil
}

// checkCredentials makes sure the worker signs with credentials that have
// not expired, renewing them when they are due and adopting those another
// worker renewed. A non-nil error stops the run.
func (w *worker) checkCredentials() error {
	rc := w.rc
	if rc == nil {
		return nil
	}
	if d := rc.due.Load(); d != 0 && rc.clock().UnixNano() >= d {
		if err := rc.renew(w.context()); err != nil {
			return err
		}
	}
	if g := rc.gen.Load(); g != w.credGen {
		rc.mu.Lock()
		w.creds, w.credGen = rc.cur, rc.gen.Load()
		rc.mu.Unlock()
		clear(w.signers) // they hold the old keys; remade from the key cache
	}
	return nil
}

// checkCredentialsAt is checkCredentials for a row, after a step that may
// have taken long (hashing a body_file): an error stops the run, so the
// row is not signed.
func (w *worker) checkCredentialsAt(r *Row) error {
	if err := w.checkCredentials(); err != nil {
		w.fatal = &rowFatal{row: r.Num, err: err}
		return w.fatal
	}
	return nil
}
