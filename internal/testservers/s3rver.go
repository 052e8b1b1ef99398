package testservers

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// S3rverInstall is the command that installs s3rver where this package
// looks for it: .cache/s3rver under the repository root, pinned by
// internal/testservers/s3rver/package-lock.json.
const S3rverInstall = ".ci/install-servers.sh (npm ci of internal/testservers/s3rver into .cache/s3rver)"

// s3rverDefaultKey is the key pair built into s3rver; it is always valid.
const s3rverDefaultKey = "S3RVER"

// startS3rver runs internal/testservers/s3rver-start.js under node, with the
// npm packages from .cache/s3rver. The bucket is made by s3rver's
// configureBuckets before it listens.
//
// Regions: s3rver derives the signing key from whatever region (and date)
// the credential scope names and never compares it with anything, so every
// region is accepted; Config.Region only sets Server.Region.
func startS3rver(t testing.TB, cfg Config) *Server {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testservers: %v", err)
	}
	modules := filepath.Join(root, ".cache", "s3rver")
	script := filepath.Join(root, "internal", "testservers", "s3rver-start.js")
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, S3rver, true, "no node in PATH", "apt-get install nodejs npm, then "+S3rverInstall)
	}
	if _, err := os.Stat(filepath.Join(modules, "node_modules", "@20minutes", "s3rver", "package.json")); err != nil {
		missing(t, S3rver, true, "no "+modules+"/node_modules/@20minutes/s3rver", S3rverInstall)
	}
	cfg = fillDefaults(cfg, s3rverDefaultKey, s3rverDefaultKey)
	s := newServer(t, S3rver, cfg)
	s.launch(t, func(port int) spec {
		env := []string{
			"S3RVER_MODULES=" + modules,
			"S3RVER_PORT=" + strconv.Itoa(port),
			"S3RVER_DIR=" + s.DataDir,
			"S3RVER_BUCKET=" + s.Bucket,
		}
		if s.AccessKey != s3rverDefaultKey || s.SecretKey != s3rverDefaultKey {
			env = append(env, "S3RVER_ACCESS_KEY="+s.AccessKey, "S3RVER_SECRET_KEY="+s.SecretKey)
		}
		return spec{kind: S3rver, bin: node, args: []string{script}, env: env}
	})
	return s
}
