package testservers

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// MinIOInstall is the command that installs the MinIO version this package
// was measured against. Its first build takes minutes (4 here, up to 9 on a
// busy machine), so CI installs it only when asked.
const MinIOInstall = "BATCHSIGN_WITH_MINIO=1 .ci/install-servers.sh (go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c)"

// startMinIO runs `minio server DATADIR` (single drive) with the console on
// a second free port. MinIO is optional: missing, it fails a test only when
// both $CI and BATCHSIGN_WITH_MINIO=1 are set.
//
// Regions: with MINIO_SITE_REGION set (here always, from Config.Region,
// default us-east-1) MinIO refuses any other region in the scope with 400;
// without it, it accepts every region. The bucket is created as a directory
// under DataDir before start, which single-drive MinIO lists as a bucket.
func startMinIO(t testing.TB, cfg Config) *Server {
	t.Helper()
	bin, ok := findGoBinary("minio")
	if !ok {
		missing(t, MinIO, os.Getenv("BATCHSIGN_WITH_MINIO") == "1", "no minio in PATH or the Go bin directory", MinIOInstall)
	}
	cfg = fillDefaults(cfg, DefaultAccessKey, DefaultSecretKey)
	s := newServer(t, MinIO, cfg)
	if err := os.Mkdir(filepath.Join(s.DataDir, s.Bucket), 0o755); err != nil {
		t.Fatalf("testservers: creating bucket directory: %v", err)
	}
	s.launch(t, func(port int) spec {
		console, err := freePort()
		if err != nil {
			console = port + 1
		}
		return spec{
			kind: MinIO,
			bin:  bin,
			args: []string{"server", s.DataDir, "--quiet",
				"--address", "127.0.0.1:" + strconv.Itoa(port),
				"--console-address", "127.0.0.1:" + strconv.Itoa(console)},
			env: []string{
				"MINIO_ROOT_USER=" + s.AccessKey,
				"MINIO_ROOT_PASSWORD=" + s.SecretKey,
				"MINIO_SITE_REGION=" + s.Region,
				"MINIO_BROWSER=off",
				"MINIO_UPDATE=off",
				"HOME=" + filepath.Dir(s.DataDir), // MinIO writes ~/.minio
			},
			// /minio/health/live answers 200 before the object layer is
			// up, when S3 requests still get 503 XMinioServerNotInitialized:
			// wait instead until an unsigned request to the bucket is
			// refused for want of a signature.
			health:   "/" + s.Bucket + "/",
			healthOK: func(status int) bool { return status == http.StatusForbidden },
		}
	})
	return s
}
