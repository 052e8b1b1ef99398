package bench

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// peerModules are the module paths only this module may import.
var peerModules = []string{"github.com/aws/", "github.com/minio/minio-go/"}

// TestMainModuleImportsNoPeer keeps the peers out of batchsign itself: the
// packages of the main module (the parent folder), tests included, must not
// depend on aws-sdk-go-v2, smithy-go or minio-go. Only this module may.
func TestMainModuleImportsNoPeer(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command (a test binary copied to another machine): nothing to check there")
	}
	if _, err := os.Stat("../go.mod"); err != nil {
		t.Skip("not run from bench/ in a checkout: no main module beside it")
	}
	cmd := exec.Command(goTool, "list", "-deps", "-test", "./...")
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list in the main module: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, peer := range peerModules {
			if strings.HasPrefix(pkg, peer) {
				t.Errorf("the main module depends on %s: peers belong in bench/ only", pkg)
			}
		}
	}
}
