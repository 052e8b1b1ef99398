package testservers

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// VersityInstall is the command that installs the versitygw version this
// package was measured against (see .ci/install-servers.sh).
const VersityInstall = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 (or .ci/install-servers.sh)"

// startVersity runs `versitygw --port 127.0.0.1:PORT posix DATADIR` in
// single-account mode, the account being cfg's key pair, passed through the
// environment so that the secret is not visible in ps.
//
// Regions: versitygw serves one region (--region, default us-east-1) and
// refuses a credential scope naming any other with 400
// AuthorizationHeaderMalformed / AuthorizationQueryParametersError; only
// ListBuckets (GET /) also accepts us-east-1. The posix backend makes every
// directory directly under DataDir a bucket, so the bucket is created with
// mkdir before the server starts.
func startVersity(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin, ok := findGoBinary("versitygw")
	if !ok {
		missing(t, Versity, true, "no versitygw in PATH or the Go bin directory", VersityInstall)
	}
	cfg = fillDefaults(cfg, DefaultAccessKey, DefaultSecretKey)
	s := newServer(t, Versity, cfg)
	if err := os.Mkdir(filepath.Join(s.DataDir, s.Bucket), 0o755); err != nil {
		t.Fatalf("testservers: creating bucket directory: %v", err)
	}
	s.launch(t, func(port int) spec {
		return spec{
			kind: Versity,
			bin:  bin,
			args: []string{"--port", "127.0.0.1:" + strconv.Itoa(port), "posix", s.DataDir},
			env: []string{
				"ROOT_ACCESS_KEY_ID=" + s.AccessKey,
				"ROOT_SECRET_ACCESS_KEY=" + s.SecretKey,
				"VGW_REGION=" + s.Region,
			},
		}
	})
	return s
}
