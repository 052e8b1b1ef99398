package bench

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// peerSigners are the peers' signing packages: only this module may import
// them.
var peerSigners = []string{"github.com/aws/aws-sdk-go-v2/aws/signer/", "github.com/aws/aws-sdk-go-v2/feature/cloudfront/", "github.com/minio/minio-go/", "github.com/Azure/azure-sdk-for-go/"}

// peerModules are the peers' modules as a whole.
var peerModules = []string{"github.com/aws/", "github.com/minio/minio-go/", "github.com/Azure/"}

// signingPackages are the main module's packages that sign, verify and hash:
// what this module measures must be batchsign's own code all the way down.
// (The CLI resolves credentials with aws-sdk-go-v2's default chain, whose
// STS and SSO clients sign their own calls with the SDK's signer; nothing
// listed here may reach it.)
var signingPackages = []string{
	"./sigv4/...", "./sigv2/...", "./azurehmac/...", "./sigerr/...", "./cloudfront/...",
	"./internal/sigcore/...", "./internal/sha256block/...", "./internal/keyring/...", "./internal/kmsremote/...",
}

// goList runs go list in the main module (the parent folder).
func goList(t *testing.T, args ...string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command (a test binary copied to another machine): nothing to check there")
	}
	if _, err := os.Stat("../go.mod"); err != nil {
		t.Skip("not run from bench/ in a checkout: no main module beside it")
	}
	cmd := exec.Command(goTool, append([]string{"list"}, args...)...)
	cmd.Dir = ".."
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list in the main module: %v\n%s", err, out)
	}
	return string(out)
}

// TestMainModuleImportsNoPeer: no package of the main module, tests
// included, imports a peer's signer itself.
func TestMainModuleImportsNoPeer(t *testing.T) {
	out := goList(t, "-f", "{{.ImportPath}}: {{join .Imports \" \"}} {{join .TestImports \" \"}} {{join .XTestImports \" \"}}", "./...")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		for _, imp := range strings.Fields(imports) {
			for _, peer := range peerSigners {
				if strings.HasPrefix(imp, peer) {
					t.Errorf("%s imports %s: peers belong in bench/ only", pkg, imp)
				}
			}
		}
	}
}

// TestSigningPackagesDependOnNoPeer: the signing packages depend on no peer
// module at all, directly or not.
func TestSigningPackagesDependOnNoPeer(t *testing.T) {
	out := goList(t, append([]string{"-deps", "-test"}, signingPackages...)...)
	for _, pkg := range strings.Fields(out) {
		for _, peer := range peerModules {
			if strings.HasPrefix(pkg, peer) {
				t.Errorf("the signing packages depend on %s: peers belong in bench/ only", pkg)
			}
		}
	}
}
