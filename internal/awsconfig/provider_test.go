package awsconfig

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// containerRun resolves credentials from a fake container endpoint whose
// n-th answer is answers[n-1] (the last one repeated), with the provider on
// a clock the test moves.
func containerRun(t *testing.T, answers ...func() (int, string)) (Resolved, *atomic.Int32, *time.Time) {
	t.Helper()
	srv, calls := fakeContainer(t, "tok", func(n int) (int, string) { return answers[min(n, len(answers))-1]() })
	r, err := resolve(t, Inputs{}, map[string]string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/v2/credentials/task", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok",
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	r.Provider.now = func() time.Time { return clock }
	return r, calls, &clock
}

func ok(c sigv4.Credentials) func() (int, string) {
	return func() (int, string) { return 200, containerJSON(c) }
}

func denied() (int, string) {
	return 403, `{"code":"AccessDenied","message":"role revoked"}`
}

func TestProviderRefreshesBeforeExpiry(t *testing.T) {
	old, fresh := issue("old", 3*time.Minute), issue("fresh", 6*time.Hour)
	r, calls, _ := containerRun(t, ok(old), ok(fresh))
	if r.Credentials.AccessKeyID != old.AccessKeyID {
		t.Fatalf("Resolve gave %v", r.Credentials)
	}
	// Many workers at once: one refresh, and each gets valid credentials.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c, err := r.Provider.Retrieve(context.Background())
			if err != nil || (c.AccessKeyID != old.AccessKeyID && c.AccessKeyID != fresh.AccessKeyID) {
				t.Errorf("Retrieve: %v %v", c, err)
			}
		})
	}
	wg.Wait()
	c, err := r.Provider.Retrieve(context.Background())
	if err != nil || c.AccessKeyID != fresh.AccessKeyID || c.SessionToken != fresh.SessionToken || !c.Expires.Equal(fresh.Expires) {
		t.Fatalf("after refresh: %v %v", c, err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls to the endpoint, want 2 (the fetch and one refresh)", n)
	}
}

func TestProviderKeepsValidCredentialsWhileRefreshFails(t *testing.T) {
	old := issue("old", 3*time.Minute)
	r, calls, clock := containerRun(t, ok(old), denied)
	for i, step := range []struct {
		advance time.Duration
		calls   int32
	}{
		{0, 2},                // inside the window: one attempt, which fails
		{time.Second, 2},      // no new attempt within 30 s
		{30 * time.Second, 3}, // the next one
	} {
		*clock = clock.Add(step.advance)
		c, err := r.Provider.Retrieve(context.Background())
		if err != nil || c.AccessKeyID != old.AccessKeyID {
			t.Fatalf("step %d: %v %v", i, c, err)
		}
		if n := calls.Load(); n != step.calls {
			t.Errorf("step %d: %d calls, want %d", i, n, step.calls)
		}
	}
	// Expired and no replacement: an error, never the old credentials.
	*clock = old.Expires
	c, err := r.Provider.Retrieve(context.Background())
	if err == nil || c.AccessKeyID != "" {
		t.Fatalf("expired: %v %v", c, err)
	}
	if want := "credentials from container: "; err.Error()[:len(want)] != want {
		t.Errorf("err = %v", err)
	}
}

// TestProviderNeverExtendsTheSameKeys: the SDK's IMDS provider answers an
// outage with the old credentials and a later expiry; they do not live
// longer for that.
func TestProviderNeverExtendsTheSameKeys(t *testing.T) {
	old := issue("old", 3*time.Minute)
	extended := old
	extended.Expires = old.Expires.Add(10 * time.Minute)
	r, _, clock := containerRun(t, ok(old), ok(extended))
	c, err := r.Provider.Retrieve(context.Background())
	if err != nil || !c.Expires.Equal(old.Expires) {
		t.Fatalf("%v expires %v, want %v (err %v)", c, c.Expires, old.Expires, err)
	}
	*clock = old.Expires.Add(time.Second)
	if _, err := r.Provider.Retrieve(context.Background()); !errors.Is(err, ErrExpired) {
		t.Fatalf("err = %v, want ErrExpired", err)
	}
}

// TestProviderEnvironmentKeysExpire: keys from the environment cannot be
// refreshed; with AWS_CREDENTIAL_EXPIRATION they stop at it.
func TestProviderEnvironmentKeysExpire(t *testing.T) {
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	r, err := resolve(t, Inputs{}, map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "secretenv", "AWS_SESSION_TOKEN": "t",
		"AWS_CREDENTIAL_EXPIRATION": exp.Format(time.RFC3339),
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	r.Provider.now = func() time.Time { return clock }
	if c, err := r.Provider.Retrieve(context.Background()); err != nil || !c.Expires.Equal(exp) {
		t.Fatalf("%v %v", c, err)
	}
	clock = exp.Add(-time.Minute) // inside the window: a refresh gives the same keys
	if c, err := r.Provider.Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIDENV" {
		t.Fatalf("%v %v", c, err)
	}
	clock = exp
	if _, err := r.Provider.Retrieve(context.Background()); !errors.Is(err, ErrExpired) {
		t.Fatalf("err = %v, want ErrExpired", err)
	}
}
