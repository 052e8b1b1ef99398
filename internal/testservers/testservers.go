package testservers

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Kind names a server implementation.
type Kind string

// The servers this package can start.
const (
	Versity Kind = "versitygw"
	S3rver  Kind = "s3rver"
	MinIO   Kind = "minio"
	// Azurite is Microsoft's Azure Storage emulator (blob service only):
	// an Azure server, not an S3 one (azurite.go).
	Azurite Kind = "azurite"
)

// DefaultBucket is the bucket a server is started with when Config.Bucket is
// empty. It is a valid name for all three servers (lower case, no dots).
const DefaultBucket = "batchsign-test"

// Config chooses the credentials, region and bucket a server starts with.
// The zero value is valid: every empty field takes the server's default.
type Config struct {
	// AccessKey and SecretKey are the one account the server accepts
	// (versitygw, MinIO: the root user). Empty: the Kind's defaults,
	// DefaultAccessKey and DefaultSecretKey, or S3RVER/S3RVER for s3rver.
	// For s3rver, S3RVER/S3RVER stays valid beside any key pair set here.
	// MinIO requires at least 3 and 8 characters.
	AccessKey string
	SecretKey string

	// Region is the region the server expects in the credential scope.
	// versitygw refuses any other region (default us-east-1); MinIO does
	// the same when one is set and accepts any region when it is not (its
	// default here is us-east-1, set); s3rver accepts every region and
	// ignores this field beyond reporting it in Server.Region.
	Region string

	// Bucket is created before the server accepts requests. Default
	// DefaultBucket.
	Bucket string
}

// Default credentials for versitygw and MinIO. They are test-only values
// and intentionally contain '/' and '+', which catch signers that
// URL-encode or otherwise mangle the secret before using it as an HMAC key.
const (
	DefaultAccessKey = "BATCHSIGNTESTAKID"
	DefaultSecretKey = "batchsign/test+secret/KEY0123456789abcdef"
	defaultRegion    = "us-east-1"
)

// Server is a running server. All fields are set when Start returns and do
// not change afterwards.
type Server struct {
	Kind Kind

	// Endpoint is the base URL, "http://127.0.0.1:PORT", without a
	// trailing slash. Requests use path style: Endpoint + "/" + Bucket +
	// "/" + escaped key.
	Endpoint string
	// Host is "127.0.0.1:PORT", the value of the Host header a SigV4
	// signer must sign (the port is part of it).
	Host string

	AccessKey string
	SecretKey string
	Region    string
	// Bucket exists and is empty when Start returns.
	Bucket string

	// DataDir is the server's storage directory. versitygw and s3rver keep
	// the bucket as the directory DataDir/Bucket; MinIO's layout is its own.
	DataDir string
	// LogPath is the file that receives the server's stdout and stderr.
	LogPath string
	// PID is the server process's id.
	PID int
	// StartTime is how long the server took from exec to its first HTTP
	// answer.
	StartTime time.Duration

	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd.Wait returns
	waitErr error         // cmd.Wait's result, valid once done is closed
	stopped bool
}

// spec describes how to start one kind of server on a given port.
type spec struct {
	kind   Kind
	bin    string   // absolute path of the executable
	args   []string // arguments after the executable
	env    []string // added to the filtered parent environment
	health string   // path polled until it answers; "" means "/"
	// healthOK reports whether a response means "ready"; nil accepts any
	// HTTP response (an S3 error is an answer).
	healthOK func(status int) bool
}

// Start starts a server of the given kind with cfg and returns it when it
// answers HTTP. It skips the test (fails it when $CI is non-empty) if the
// server is not installed, and fails the test if the server does not start.
// The server is stopped in t.Cleanup.
func Start(t testing.TB, kind Kind, cfg Config) *Server {
	t.Helper()
	switch kind {
	case Versity:
		return startVersity(t, cfg)
	case S3rver:
		return startS3rver(t, cfg)
	case MinIO:
		return startMinIO(t, cfg)
	case Azurite:
		return startAzurite(t, cfg)
	}
	t.Fatalf("testservers: unknown server kind %q", kind)
	return nil
}

// StartVersity starts versitygw with the posix backend and the default
// Config (see Start).
func StartVersity(t testing.TB) *Server { t.Helper(); return Start(t, Versity, Config{}) }

// StartS3rver starts @20minutes/s3rver with the default Config (see Start).
func StartS3rver(t testing.TB) *Server { t.Helper(); return Start(t, S3rver, Config{}) }

// StartMinIO starts MinIO in single-drive mode with the default Config (see
// Start). MinIO is optional: it is installed only with BATCHSIGN_WITH_MINIO=1,
// and a missing MinIO fails a test only when both that and $CI are set.
func StartMinIO(t testing.TB) *Server { t.Helper(); return Start(t, MinIO, Config{}) }

// missing skips or fails the test because a server is not installed. What
// is required in CI is decided by required.
func missing(t testing.TB, kind Kind, required bool, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("testservers: %s is not installed (%s); install it with: %s", kind, what, install)
	if required && os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// fillDefaults returns cfg with empty fields replaced by kind's defaults.
func fillDefaults(cfg Config, access, secret string) Config {
	if cfg.AccessKey == "" {
		cfg.AccessKey = access
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = secret
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultBucket
	}
	return cfg
}

// newServer prepares the directories of a server that is about to start:
// DataDir and LogPath under a fresh t.TempDir().
func newServer(t testing.TB, kind Kind, cfg Config) *Server {
	t.Helper()
	dir := t.TempDir()
	s := &Server{
		Kind:      kind,
		AccessKey: cfg.AccessKey,
		SecretKey: cfg.SecretKey,
		Region:    cfg.Region,
		Bucket:    cfg.Bucket,
		DataDir:   filepath.Join(dir, "data"),
		LogPath:   filepath.Join(dir, string(kind)+".log"),
	}
	if err := os.MkdirAll(s.DataDir, 0o755); err != nil {
		t.Fatalf("testservers: %v", err)
	}
	return s
}

// startAttempts bounds retries when the free port chosen was taken by
// someone else between choosing and binding it.
const startAttempts = 3

// readyTimeout is how long a server may take to answer after exec. Cold
// starts on a loaded 2-core machine take about a second; this is generous
// so that a slow CI machine does not flake.
const readyTimeout = 30 * time.Second

// launch starts the process described by mk(port) on a free port and waits
// until it answers. On success it fills s's process fields and registers the
// cleanup; on failure it fails the test with the log's tail.
func (s *Server) launch(t testing.TB, mk func(port int) spec) {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < startAttempts; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("testservers: choosing a port: %v", err)
		}
		sp := mk(port)
		err = s.run(sp, port)
		if err == nil {
			t.Cleanup(func() {
				if s.stopped {
					return // the test called Stop itself
				}
				begin := time.Now()
				if err := s.Stop(); err != nil {
					t.Errorf("testservers: stopping %s: %v", s.Kind, err)
				} else {
					t.Logf("testservers: %s (pid %d) stopped in %v", s.Kind, s.PID, time.Since(begin).Round(time.Millisecond))
				}
				if t.Failed() {
					t.Logf("testservers: %s log (%s), last lines:\n%s", s.Kind, s.LogPath, s.LogTail(40))
				}
			})
			t.Logf("testservers: %s ready at %s in %v (pid %d)", s.Kind, s.Endpoint, s.StartTime.Round(time.Millisecond), s.PID)
			return
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	t.Fatalf("testservers: %s did not start: %v\n--- %s (last lines) ---\n%s", s.Kind, lastErr, s.LogPath, s.LogTail(40))
}

var errPortTaken = errors.New("port already in use")

// run execs sp and waits for it to answer on port. On failure the process
// is gone when run returns.
func (s *Server) run(sp spec, port int) error {
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close() // the child holds its own descriptor
	fmt.Fprintf(logf, "### testservers: %s %s (port %d)\n", sp.bin, strings.Join(sp.args, " "), port)

	cmd := exec.Command(sp.bin, sp.args...)
	cmd.Dir = s.DataDir
	cmd.Env = append(childEnv(), sp.env...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()

	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.PID = cmd.Process.Pid
	s.done = make(chan struct{})
	s.stopped = false
	go func() {
		s.waitErr = cmd.Wait()
		close(s.done)
	}()

	s.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.Endpoint = "http://" + s.Host
	if err := s.waitReady(sp, begin.Add(readyTimeout)); err != nil {
		_ = s.Stop()
		if strings.Contains(s.LogTail(20), "address already in use") {
			return fmt.Errorf("%w: %v", errPortTaken, err)
		}
		return err
	}
	s.StartTime = time.Since(begin)
	return nil
}

// waitReady polls until the server accepts a TCP connection and answers an
// HTTP request, the process exits, or the deadline passes.
func (s *Server) waitReady(sp spec, deadline time.Time) error {
	client := &http.Client{Timeout: 2 * time.Second}
	path := sp.health
	if path == "" {
		path = "/"
	}
	var last error
	for {
		select {
		case <-s.done:
			return fmt.Errorf("process exited before answering: %v", s.waitErr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %v: %v", readyTimeout, last)
		}
		last = probe(client, s.Host, s.Endpoint+path, sp.healthOK)
		if last == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probe reports nil when host accepts a TCP connection and url answers with
// a status healthOK accepts.
func probe(client *http.Client, host, url string, healthOK func(int) bool) error {
	c, err := net.DialTimeout("tcp", host, 200*time.Millisecond)
	if err != nil {
		return err
	}
	c.Close()
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if healthOK != nil && !healthOK(resp.StatusCode) {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// stopGrace is how long a server has to exit after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// Stop stops the server: SIGTERM, then SIGKILL after a grace period, both
// sent to its PID (through os.Process, which on Linux uses a pidfd, so a
// reused PID is never signalled). It is called by the test's cleanup; calling it earlier,
// or twice, is allowed. A server that was killed by the signal it was sent
// is not an error.
func (s *Server) Stop() error {
	if s.cmd == nil || s.stopped {
		return nil
	}
	s.stopped = true
	select {
	case <-s.done:
		return fmt.Errorf("%s (pid %d) had already exited: %v", s.Kind, s.PID, s.waitErr)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
		return nil
	case <-time.After(stopGrace):
		return fmt.Errorf("%s (pid %d) still running after SIGKILL", s.Kind, s.PID)
	}
}

// LogTail returns at most the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	const maxBytes = 16 << 10
	if len(b) > maxBytes {
		b = b[len(b)-maxBytes:]
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ObjectURL returns the path-style URL of key in the server's bucket with
// key escaped the way S3 SigV4 canonicalises an object path: every byte but
// A-Z a-z 0-9 - . _ ~ and '/' as %XX. It is a convenience for tests that
// need an unsigned URL; a signer under test must build its own.
func (s *Server) ObjectURL(key string) string {
	return s.Endpoint + "/" + s.Bucket + "/" + escapeS3Path(key)
}

// escapeS3Path percent-encodes every byte of p except the unreserved set
// and '/'.
func escapeS3Path(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the parent's environment without the variables that
// configure the servers themselves, so that a developer's shell settings
// cannot change what a test measures.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "VGW_"), strings.HasPrefix(name, "ROOT_"),
			strings.HasPrefix(name, "MINIO_"), strings.HasPrefix(name, "S3RVER_"),
			strings.HasPrefix(name, "AWS_"), name == "NODE_OPTIONS":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// goBinDirs returns where `go install` puts binaries: $GOBIN, else the
// first $GOPATH entry's bin, else ~/go/bin, then what `go env` says in case
// those were set with `go env -w`.
func goBinDirs() []string {
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.Join(filepath.SplitList(gp)[0], "bin"))
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) >= 1 && strings.TrimSpace(lines[0]) != "" {
			dirs = append(dirs, strings.TrimSpace(lines[0]))
		}
		if len(lines) >= 2 && strings.TrimSpace(lines[1]) != "" {
			dirs = append(dirs, filepath.Join(filepath.SplitList(strings.TrimSpace(lines[1]))[0], "bin"))
		}
	}
	return dirs
}

// findGoBinary looks for a `go install`ed binary in PATH and then in the Go
// bin directories.
func findGoBinary(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	for _, d := range goBinDirs() {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// repoRoot returns the root of the batchsign module: the nearest directory
// above the working directory (a test's package directory) whose go.mod
// declares it.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/batchsign/batchsign\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod for github.com/batchsign/batchsign above the working directory")
		}
		dir = parent
	}
}
