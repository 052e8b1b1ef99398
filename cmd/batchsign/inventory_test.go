package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	inventoryTree       = "../../internal/inventory/testdata/inventory-dest"
	inventoryCSV        = inventoryTree + "/acme-media/daily-csv/2026-11-29T01-00Z/manifest.json"
	inventoryParquet    = inventoryTree + "/acme-media/daily-parquet/2026-11-29T01-00Z/manifest.json"
	inventoryReportKeys = 6 // the fixture's 9 records less a delete marker and 2 noncurrent versions
)

// TestInventoryManifestPresigns: an S3 Inventory manifest.json is read as
// the manifest: hostile keys survive the CSV report's encoding, versioned
// objects carry versionId, the skipped records are counted, and the
// Parquet report gives the same URLs byte for byte.
func TestInventoryManifestPresigns(t *testing.T) {
	cleanEnv(t)
	var first string
	for _, m := range []string{inventoryCSV, inventoryParquet} {
		summary := filepath.Join(t.TempDir(), "summary.json")
		code, out, errs := runIn(t, "", "presign", m, "--time", pinned, "--summary", summary)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", m, code, errs)
		}
		if n := strings.Count(out, "\n"); n != inventoryReportKeys {
			t.Errorf("%s: %d URLs, want %d", m, n, inventoryReportKeys)
		}
		for _, want := range []string{
			`"id":"photos/2026/a b.jpg"`, "https://acme-media.s3.us-east-1.amazonaws.com/photos/2026/a%20b.jpg?",
			"/math/1%2B1%3D2.txt?", "/100%25.txt?", "/line%0Abreak.txt?",
			"/%C3%BC/%E6%97%A5%E6%9C%AC%E8%AA%9E%20%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.pdf?",
			`"id":"docs/report.pdf?versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"`, "&versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY&",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %s:\n%s", m, want, out)
			}
		}
		if strings.Contains(out, "deleted.txt") || strings.Contains(out, "_v1") {
			t.Errorf("%s: a delete marker or noncurrent version was signed:\n%s", m, out)
		}
		if !strings.Contains(errs, "inventory: skipped 1 delete marker and 2 noncurrent versions") {
			t.Errorf("%s: stderr %s", m, errs)
		}
		var s struct {
			DeleteMarkers int64 `json:"skipped_delete_markers"`
			Noncurrent    int64 `json:"skipped_noncurrent"`
		}
		data, _ := os.ReadFile(summary)
		if err := json.Unmarshal(data, &s); err != nil || s.DeleteMarkers != 1 || s.Noncurrent != 2 {
			t.Errorf("%s: summary %s", m, data)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Errorf("the Parquet and CSV reports give different output:\n%s\n%s", first, out)
		}
	}

	code, out, errs := runIn(t, "", "presign", inventoryCSV, "--time", pinned, "--include-noncurrent")
	if code != exitOK || strings.Count(out, "\n") != inventoryReportKeys+2 || !strings.Contains(out, "versionId=dEl3t3dVersi0n1") {
		t.Errorf("--include-noncurrent: exit %d, %d URLs (want %d): %s", code, strings.Count(out, "\n"), inventoryReportKeys+2, errs)
	}
}

// copyInventory copies the fixture tree and returns the copy of manifest
// (a path under inventoryTree).
func copyInventory(t *testing.T, manifest string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(inventoryTree, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(inventoryTree, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		os.MkdirAll(filepath.Dir(out), 0o755)
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(inventoryTree, manifest)
	return filepath.Join(dst, rel)
}

// TestInventoryChecksumMismatchExitsThree: a data file that does not match
// its MD5checksum ends the run with exit 3 and nothing at -o, never fewer
// URLs.
func TestInventoryChecksumMismatchExitsThree(t *testing.T) {
	cleanEnv(t)
	m := copyInventory(t, inventoryCSV)
	data := filepath.Join(filepath.Dir(m), "..", "data", "5f2b7a4e-0c1d-4b9a-9e3f-1a0c6e1d2f3b4.csv.gz")
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-3] ^= 0x40
	os.WriteFile(data, b, 0o644)
	out := filepath.Join(t.TempDir(), "urls.ndjson")
	code, _, errs := runIn(t, "", "presign", m, "--time", pinned, "-o", out)
	if code != exitFailed || !strings.Contains(errs, "does not match its MD5checksum") {
		t.Errorf("exit %d, want %d naming the checksum: %s", code, exitFailed, errs)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("-o exists after a checksum mismatch: %v", err)
	}
}

// TestInventoryRefusals: ORC is exit 2 naming the format; a damaged
// manifest.json is exit 3; a manifest.json that is NDJSON is read as such.
func TestInventoryRefusals(t *testing.T) {
	cleanEnv(t)
	m := copyInventory(t, inventoryParquet)
	b, _ := os.ReadFile(m)
	os.WriteFile(m, []byte(strings.Replace(string(b), `"Parquet"`, `"ORC"`, 1)), 0o644)
	if code, _, errs := runIn(t, "", "presign", m, "--time", pinned); code != exitUsage || !strings.Contains(errs, "ORC") {
		t.Errorf("ORC: exit %d, want %d naming ORC: %s", code, exitUsage, errs)
	}
	os.WriteFile(m, []byte(strings.Replace(string(b), `"2016-11-30"`, `"2099-01-01"`, 1)), 0o644)
	if code, _, errs := runIn(t, "", "presign", m, "--time", pinned); code != exitFailed || !strings.Contains(errs, "version") {
		t.Errorf("bad version: exit %d, want %d: %s", code, exitFailed, errs)
	}
	nd := filepath.Join(t.TempDir(), "manifest.json")
	os.WriteFile(nd, []byte(`{"id":"1","bucket":"b","key":"k"}`+"\n"), 0o644)
	if code, out, errs := runIn(t, "", "presign", nd, "--time", pinned); code != exitOK || !strings.Contains(out, `"id":"1"`) {
		t.Errorf("an NDJSON manifest.json: exit %d %s %s", code, out, errs)
	}
}
