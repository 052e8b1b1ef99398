package testservers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// AzuriteInstall is the command that installs Azurite where this package
// looks for it: .cache/azurite under the repository root, pinned by
// internal/testservers/azurite/package-lock.json.
const AzuriteInstall = ".ci/install-servers.sh (npm ci of internal/testservers/azurite into .cache/azurite)"

// The emulator's well-known development account, which Azurite serves
// unless told otherwise. Public and documented by Microsoft.
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// azuriteAPIVersion is the x-ms-version of the one Shared Key request this
// package makes itself (creating the container).
const azuriteAPIVersion = "2022-11-02"

// StartAzurite starts Azurite's blob service with the default Config (see
// Start): account AzuriteAccount (Server.AccessKey) with key AzuriteKey
// (Server.SecretKey, base64), container Server.Bucket.
func StartAzurite(t testing.TB) *Server { t.Helper(); return Start(t, Azurite, Config{}) }

// startAzurite runs azurite-blob under node, from .cache/azurite, on
// 127.0.0.1 with its data in DataDir, and creates the container. URLs are
// path-style, as the emulator serves them: Endpoint + "/" + AccessKey +
// "/" + Bucket + "/" + escaped blob name. Azurite checks Shared Key and
// SAS signatures as Azure does; --skipApiVersionCheck lets it take any
// x-ms-version and sv, --loose ignores headers it does not know.
// Config.AccessKey and SecretKey, when set, replace the development account
// (AZURITE_ACCOUNTS); the key must be base64.
func startAzurite(t testing.TB, cfg Config) *Server {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testservers: %v", err)
	}
	main := filepath.Join(root, ".cache", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js")
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, Azurite, true, "no node in PATH", "apt-get install nodejs npm, then "+AzuriteInstall)
	}
	if _, err := os.Stat(main); err != nil {
		missing(t, Azurite, true, "no "+main, AzuriteInstall)
	}
	cfg = fillDefaults(cfg, AzuriteAccount, AzuriteKey)
	s := newServer(t, Azurite, cfg)
	s.launch(t, func(port int) spec {
		var env []string
		if s.AccessKey != AzuriteAccount || s.SecretKey != AzuriteKey {
			env = append(env, "AZURITE_ACCOUNTS="+s.AccessKey+":"+s.SecretKey)
		}
		return spec{kind: Azurite, bin: node, env: env, args: []string{main,
			"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port), "--location", s.DataDir,
			"--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"}}
	})
	if err := s.createAzureContainer(); err != nil {
		t.Fatalf("testservers: creating container %s on Azurite: %v\n%s", s.Bucket, err, s.LogTail(20))
	}
	return s
}

// createAzureContainer creates s.Bucket with a Shared Key request (Create
// Container: PUT ?restype=container).
func (s *Server) createAzureContainer() error {
	key, err := base64.StdEncoding.DecodeString(s.SecretKey)
	if err != nil {
		return fmt.Errorf("the account key is not base64")
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	// Shared Key's string to sign: the verb, eleven standard headers (all
	// empty here), the x-ms- headers, and the canonicalized resource (the
	// account, then the path, which path-style URLs begin with the account).
	sts := "PUT\n\n\n\n\n\n\n\n\n\n\n\n" +
		"x-ms-date:" + date + "\nx-ms-version:" + azuriteAPIVersion + "\n" +
		"/" + s.AccessKey + "/" + s.AccessKey + "/" + s.Bucket + "\nrestype:container"
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(sts))
	req, err := http.NewRequest(http.MethodPut, s.Endpoint+"/"+s.AccessKey+"/"+s.Bucket+"?restype=container", nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-ms-date", date)
	req.Header.Set("x-ms-version", azuriteAPIVersion)
	req.Header.Set("Authorization", "SharedKey "+s.AccessKey+":"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("PUT ?restype=container: %s", resp.Status)
	}
	return nil
}
