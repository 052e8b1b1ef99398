package testservers

import (
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartAndStop checks, for every installed server, the contract the
// other tests rely on: the bucket exists, the process runs until Stop, and
// after Stop the process and its port are gone.
func TestStartAndStop(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			s := Start(t, kind, Config{})
			if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") || s.Endpoint != "http://"+s.Host {
				t.Errorf("Endpoint %q, Host %q", s.Endpoint, s.Host)
			}
			if code, body := s.putSigned(t, "lifecycle.txt", []byte("x")); code != 200 {
				t.Fatalf("PUT into the bucket: %d %s", code, errorCode(body))
			}
			if fi, err := os.Stat(s.DataDir); err != nil || !fi.IsDir() {
				t.Errorf("DataDir %s: %v", s.DataDir, err)
			}
			begin := time.Now()
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s stopped in %v", kind, time.Since(begin).Round(time.Millisecond))
			if err := syscall.Kill(s.PID, 0); !errors.Is(err, syscall.ESRCH) {
				t.Errorf("pid %d still exists after Stop (kill 0: %v)", s.PID, err)
			}
			if c, err := net.DialTimeout("tcp", s.Host, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections after Stop", s.Host)
			}
			if err := s.Stop(); err != nil {
				t.Errorf("second Stop: %v", err)
			}
		})
	}
}

// recordTB is a testing.TB whose Fatal and Skip record the message and end
// the calling function by panicking, so that missing's choice can be
// observed without ending the real test.
type recordTB struct {
	testing.TB
	failed, skipped string
}

type stop struct{}

func (r *recordTB) Helper()           {}
func (r *recordTB) Fatal(args ...any) { r.failed = args[0].(string); panic(stop{}) }
func (r *recordTB) Skip(args ...any)  { r.skipped = args[0].(string); panic(stop{}) }
func (r *recordTB) call(f func(testing.TB)) {
	defer func() {
		if v := recover(); v != nil && v != (stop{}) {
			panic(v)
		}
	}()
	f(r)
}

// TestMissingServerSkipsLocallyFailsInCI checks that a missing server never
// lets CI pass by skipping.
func TestMissingServerSkipsLocallyFailsInCI(t *testing.T) {
	for _, tc := range []struct {
		ci       string
		required bool
		fails    bool
	}{
		{"", true, false},
		{"true", true, true},
		{"true", false, false}, // MinIO without BATCHSIGN_WITH_MINIO=1
	} {
		t.Setenv("CI", tc.ci)
		r := &recordTB{TB: t}
		r.call(func(tb testing.TB) { missing(tb, Versity, tc.required, "test", VersityInstall) })
		msg := r.skipped
		if tc.fails {
			msg = r.failed
		}
		if msg == "" || (r.failed != "") != tc.fails {
			t.Errorf("CI=%q required=%v: failed=%q skipped=%q", tc.ci, tc.required, r.failed, r.skipped)
		}
		if !strings.Contains(msg, VersityInstall) {
			t.Errorf("message %q does not name the install command", msg)
		}
	}
}
