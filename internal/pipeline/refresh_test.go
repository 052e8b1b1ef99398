package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// fakeClock is a wall clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// shortLived is a credential source handing out a new key, valid for ttl
// from the clock's reading, at every call, like an STS session renewed
// from a container endpoint; after limit keys it fails.
type shortLived struct {
	clock *fakeClock
	ttl   time.Duration
	limit int

	mu     sync.Mutex
	issued []sigv4.Credentials
}

func (s *shortLived) next() (sigv4.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.issued) == s.limit {
		return sigv4.Credentials{}, errors.New("fake source: no more keys")
	}
	n := len(s.issued)
	c := sigv4.Credentials{AccessKeyID: fmt.Sprintf("ASIASHORTLIVED%02d", n), SecretAccessKey: fmt.Sprintf("secret-%02d", n),
		SessionToken: fmt.Sprintf("token-%02d", n), Expires: s.clock.Now().Add(s.ttl)}
	s.issued = append(s.issued, c)
	return c, nil
}

// Retrieve is the Refresher: it renews only what is due, as
// awsconfig.Provider does, and never hands out expired keys.
func (s *shortLived) Retrieve(context.Context) (sigv4.Credentials, error) {
	s.mu.Lock()
	cur := s.issued[len(s.issued)-1]
	s.mu.Unlock()
	if s.clock.Now().Before(cur.Expires.Add(-5 * time.Minute)) {
		return cur, nil
	}
	c, err := s.next()
	if err != nil && s.clock.Now().Before(cur.Expires) {
		return cur, nil
	}
	return c, err
}

func (s *shortLived) lookup(ak string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.issued {
		if c.AccessKeyID == ak {
			return c.SecretAccessKey, true
		}
	}
	return "", false
}

// tickingSource moves the clock a minute before each batch it reads: with
// one batch in flight, batch k is signed at minute k.
type tickingSource struct {
	Source
	clock *fakeClock
	reads int
}

func (s *tickingSource) ReadBatch(b *Batch) error {
	if s.reads > 0 {
		s.clock.Add(time.Minute)
	}
	s.reads++
	return s.Source.ReadBatch(b)
}

// refreshRun runs n presign (or sign) rows, ten a batch, one batch a
// minute, with keys living ttl.
func refreshRun(t *testing.T, mode Mode, manifest string, ttl time.Duration, limit, workers int) (*shortLived, runResult, time.Time) {
	t.Helper()
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: start}
	src := &shortLived{clock: clock, ttl: ttl, limit: limit}
	first, _ := src.next()
	cfg := Config{Mode: mode, Credentials: first, Time: start, Region: "us-east-1", Workers: workers, BatchSize: 10, InFlight: 1,
		Refresh: src, RefreshBefore: 5 * time.Minute, Clock: clock.Now}
	if workers > 1 {
		cfg.InFlight = 0 // batches signed out of order, clock readings racing
	}
	var out, rej strings.Builder
	w, err := NewWriter(&out, FormatNDJSON, mode, "")
	if err != nil {
		t.Fatal(err)
	}
	ts := &tickingSource{Source: NewNDJSONReader(strings.NewReader(manifest)), clock: clock}
	st, err := Run(context.Background(), cfg, ts, w, NewRejectWriter(&rej), nil)
	if err == nil {
		err = w.Close()
	}
	return src, runResult{out.String(), rej.String(), st, err}, start
}

// TestRunRefreshesCredentialsBeforeTheyExpire: a run of 30 minutes with
// keys that live 10 takes new keys from the Refresher, five minutes before
// each expires; every row is signed with a key that was live at its
// minute, its URL verifies with that key, carries that key's token, and
// does not outlive it.
func TestRunRefreshesCredentialsBeforeTheyExpire(t *testing.T) {
	var m strings.Builder
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&m, `{"id":"r%d","bucket":"examplebucket","key":"k%d","expires":120}`+"\n", i, i)
	}
	src, res, start := refreshRun(t, Presign, m.String(), 10*time.Minute, 100, 1)
	if res.err != nil || res.rejects != "" || res.stats.Signed != 300 {
		t.Fatalf("err %v stats %+v rejects %s", res.err, res.stats, res.rejects)
	}
	// Keys at minutes 0, 5, 10, …, 25 (each due at its minute 5): six.
	if len(src.issued) != 6 || res.stats.Refreshes != 5 {
		t.Errorf("%d keys issued, %d refreshes; want 6 and 5", len(src.issued), res.stats.Refreshes)
	}
	for i, line := range lines(res.out) {
		at := start.Add(time.Duration(i/10) * time.Minute)
		var key sigv4.Credentials
		for _, c := range src.issued {
			if strings.Contains(line, "X-Amz-Credential="+c.AccessKeyID+"%2F") {
				key = c
			}
		}
		if key.AccessKeyID == "" {
			t.Fatalf("row %d: no issued key: %s", i+1, line)
		}
		issued := key.Expires.Add(-10 * time.Minute)
		if at.Before(issued) || !at.Before(key.Expires) {
			t.Errorf("row %d signed at %s with %s, live from %s to %s", i+1, at, key.AccessKeyID, issued, key.Expires)
		}
		if !strings.Contains(line, "X-Amz-Security-Token="+url.QueryEscape(key.SessionToken)+"&") {
			t.Errorf("row %d: URL lacks the token of %s: %s", i+1, key.AccessKeyID, line)
		}
	}
	// Every URL verifies with its own key.
	var urls strings.Builder
	for _, line := range lines(res.out) {
		urls.WriteString(line + "\n")
	}
	vcfg := Config{Mode: Verify, Lookup: src.lookup, Time: start.Add(time.Minute), Workers: 1}
	v := runManifest(t, vcfg, urls.String(), FormatNDJSON, Shard{})
	if v.err != nil || v.stats.Verify == nil || v.stats.Verify.Valid != 300 {
		t.Errorf("verify: err %v stats %+v\n%s", v.err, v.stats.Verify, v.out)
	}
}

// TestRefreshWithManyWorkers: workers that come due together take one new
// key between them, and every URL verifies with the key it names (run
// with -race).
func TestRefreshWithManyWorkers(t *testing.T) {
	var m strings.Builder
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&m, `{"id":"r%d","bucket":"examplebucket","key":"k%d","expires":60}`+"\n", i, i)
	}
	src, res, start := refreshRun(t, Presign, m.String(), 10*time.Minute, 1000, 8)
	if res.err != nil || res.stats.Signed != 2000 {
		t.Fatalf("err %v stats %+v", res.err, res.stats)
	}
	// The reader runs ahead of the workers, up to 200 minutes: at most
	// one key per five minutes, and at least one refresh.
	if n := len(src.issued); n < 2 || n > 1+200/5 || res.stats.Refreshes != int64(n-1) {
		t.Errorf("%d keys issued, %d refreshes", n, res.stats.Refreshes)
	}
	vcfg := Config{Mode: Verify, Lookup: src.lookup, Time: start.Add(time.Second), Workers: 2}
	if v := runManifest(t, vcfg, res.out, FormatNDJSON, Shard{}); v.err != nil || v.stats.Verify.Valid != 2000 {
		t.Errorf("verify: err %v stats %+v", v.err, v.stats.Verify)
	}
}

// TestRunStopsWhenCredentialsCannotBeRefreshed: when the source has no new
// keys and the old ones expire, the run stops with an error before
// signing a row with them.
func TestRunStopsWhenCredentialsCannotBeRefreshed(t *testing.T) {
	var m strings.Builder
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&m, `{"id":"r%d","bucket":"examplebucket","key":"k%d","expires":60}`+"\n", i, i)
	}
	src, res, start := refreshRun(t, Presign, m.String(), 10*time.Minute, 2, 1)
	if res.err == nil || !strings.Contains(res.err.Error(), "refreshing the AWS credentials") || !strings.Contains(res.err.Error(), "no more keys") {
		t.Fatalf("err %v, want the refresh failure", res.err)
	}
	// The second key, issued at minute 5, expires at minute 15: batches
	// 0–14 were signed; whatever was written was signed with a live key.
	last := src.issued[1]
	if n := len(lines(res.out)); n != 150 {
		t.Errorf("%d rows written, want the 150 of minutes 0–14", n)
	}
	for i := range lines(res.out) {
		at := start.Add(time.Duration(i/10) * time.Minute)
		if !at.Before(last.Expires) {
			t.Errorf("row %d written, signed at %s after the last key expired at %s", i+1, at, last.Expires)
		}
	}
}

// TestSignRechecksCredentialsAfterHashingABody: a body_file takes long to
// hash; a row whose hash ends after its credentials came due is signed
// with the new ones.
func TestSignRechecksCredentialsAfterHashingABody(t *testing.T) {
	body := filepath.Join(t.TempDir(), "body.bin")
	if err := os.WriteFile(body, []byte("payload"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: start}
	src := &shortLived{clock: clock, ttl: 10 * time.Minute, limit: 10}
	first, _ := src.next()
	cfg := Config{Mode: Sign, Credentials: first, Time: start, Region: "us-east-1", Workers: 1,
		Refresh: src, RefreshBefore: 5 * time.Minute, Clock: clock.Now}
	w := newWorker(&cfg, sigv4.NewKeyCache(0), nil)
	w.rc = newRunCreds(&cfg)
	if err := w.checkCredentials(); err != nil || w.creds.AccessKeyID != first.AccessKeyID {
		t.Fatalf("before: %v %v", err, w.creds)
	}
	clock.Add(6 * time.Minute) // as if hashing took six minutes
	r := Row{Num: 1, Bucket: "examplebucket", Key: "k", BodyFile: body}
	if _, err := w.payloadHash(&r); err != nil {
		t.Fatal(err)
	}
	if w.creds.AccessKeyID != src.issued[1].AccessKeyID {
		t.Errorf("after the hash the worker signs with %s, want the new %s", w.creds.AccessKeyID, src.issued[1].AccessKeyID)
	}
}

// TestCredentialCheckAllocatesNothing: the per-batch check, when nothing
// is due, is two atomic loads and a clock reading.
func TestCredentialCheckAllocatesNothing(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	src := &shortLived{clock: clock, ttl: time.Hour, limit: 1}
	first, _ := src.next()
	cfg := Config{Mode: Presign, Credentials: first, Time: clock.Now(), Refresh: src, RefreshBefore: 5 * time.Minute, Clock: clock.Now}
	w := newWorker(&cfg, sigv4.NewKeyCache(0), nil)
	w.rc = newRunCreds(&cfg)
	if n := testing.AllocsPerRun(1000, func() {
		if err := w.checkCredentials(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per check", n)
	}
}
