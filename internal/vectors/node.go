package vectors

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NodeClient is a pinned Node.js client library that a live test runs to
// re-record vectors: testdata/Dir holds sign.cjs, cases.json, the lock file
// and install.sh, which npm-installs the client into .cache/Cache (see
// scripts/npm-ci-pinned.sh).
type NodeClient struct {
	Dir     string // under testdata: "gcs-hmac-node"
	Cache   string // under .cache: "gcs-node"
	Package string // the package whose package.json proves the install: "@google-cloud/storage"
	// ModulesEnv is the variable sign.cjs reads the node_modules folder
	// from; BATCHSIGN_ + ModulesEnv, when set, overrides where it is.
	ModulesEnv string
}

// Run runs sign.cjs over cases.json and returns its standard output. It
// needs node and the installed client: without them the test skips, or
// fails when $CI is set, so that CI cannot pass by skipping.
func (c NodeClient) Run(t testing.TB) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not starting node")
	}
	install := "testdata/" + c.Dir + "/install.sh"
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set, so this fails rather than skips); install with: %s", why, install)
		}
		t.Skipf("%s; install with: %s", why, install)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node in PATH")
	}
	modules := os.Getenv("BATCHSIGN_" + c.ModulesEnv)
	if modules == "" {
		modules = filepath.Join(Dir(), "..", ".cache", c.Cache, "node_modules")
	}
	if _, err := os.Stat(filepath.Join(modules, filepath.FromSlash(c.Package), "package.json")); err != nil {
		missing("no " + c.Package + " in " + modules)
	}
	cmd := exec.Command(node, Path(c.Dir+"/sign.cjs"), Path(c.Dir+"/cases.json"))
	cmd.Env = append(os.Environ(), c.ModulesEnv+"="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s/sign.cjs: %v\n%s", c.Dir, err, strings.TrimSpace(stderr.String()))
	}
	return out
}
