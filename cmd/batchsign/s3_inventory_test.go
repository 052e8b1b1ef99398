package main

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// putInventory writes to e's bucket an S3 Inventory report of CSV data
// files, one per entry of files (each that many objects with long keys),
// and returns its manifest.json's s3:// name. damage, when not nil, changes
// data file i after its MD5 is taken.
func putInventory(t *testing.T, e *s3env, files []int, damage func(i int, gz []byte)) string {
	t.Helper()
	type file struct {
		Key  string `json:"key"`
		Size int    `json:"size"`
		MD5  string `json:"MD5checksum"`
	}
	var list []file
	for i, n := range files {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		for j := range n {
			fmt.Fprintf(zw, "\"acme-media\",\"exports/2026/11/%d/%08d-%s.bin\"\n", i, j, strings.Repeat("x", 200))
		}
		zw.Close()
		data := buf.Bytes()
		sum := md5.Sum(data)
		if damage != nil {
			damage(i, data)
		}
		key := fmt.Sprintf("inv/acme-media/daily/data/%d.csv.gz", i)
		e.put(t, key, data)
		list = append(list, file{key, len(data), hex.EncodeToString(sum[:])})
	}
	m, _ := json.Marshal(map[string]any{
		"sourceBucket":      "acme-media",
		"destinationBucket": "arn:aws:s3:::" + e.srv.Bucket,
		"version":           "2016-11-30",
		"creationTimestamp": "1795914000000",
		"fileFormat":        "CSV",
		"fileSchema":        "Bucket, Key",
		"files":             list,
	})
	e.put(t, "inv/acme-media/daily/2026-11-29T01-00Z/manifest.json", m)
	return e.url("inv/acme-media/daily/2026-11-29T01-00Z/manifest.json")
}

// TestS3InventoryChecksumMismatchLeavesNothing: a report read from s3://
// whose second data file does not match its MD5checksum in a way only the
// MD5 sees (the gzip header's MTIME; every row still decodes) is signed as
// it streams, parts of the output going up, and then fails: exit 3 naming
// the checksum, and no object and no pending multipart upload at -o; the
// same report undamaged succeeds, each data file fetched once (one GET
// both feeds its rows and checks its MD5).
func TestS3InventoryChecksumMismatchLeavesNothing(t *testing.T) {
	e := newS3Env(t)
	files := []int{30000, 30000}
	good := putInventory(t, e, files, nil)
	code, _, stderr := runIn(t, "", "presign", good, "--time", pinned, "-o", e.url("good/urls.ndjson"))
	if code != exitOK {
		t.Fatalf("undamaged report: exit %d: %s", code, stderr)
	}
	out, ok := e.get(t, "good/urls.ndjson")
	if n := bytes.Count(out, []byte("\n")); !ok || n != 60000 {
		t.Fatalf("undamaged report: %d URLs, want 60000", n)
	}
	log := string(readFile(t, e.srv.LogPath))
	for i := range files {
		get := fmt.Sprintf("GET | /%s/inv/acme-media/daily/data/%d.csv.gz |", e.srv.Bucket, i)
		if n := strings.Count(log, get); n != 1 {
			t.Errorf("data file %d fetched %d times, want once", i, n)
		}
	}
	logged := len(log)

	bad := putInventory(t, e, files, func(i int, gz []byte) {
		if i == 1 {
			gz[4] ^= 1 // MTIME: gzip does not check it
		}
	})
	code, _, stderr = runIn(t, "", "presign", bad, "--time", pinned, "-o", e.url("out/urls.ndjson"))
	if code != exitFailed || !strings.Contains(stderr, "does not match its MD5checksum") || !strings.Contains(stderr, "data/1.csv.gz") {
		t.Errorf("exit %d, want %d naming the checksum and the file: %s", code, exitFailed, stderr)
	}
	if log := string(readFile(t, e.srv.LogPath)[logged:]); !strings.Contains(log, "x-id=UploadPart") || !strings.Contains(log, "x-id=AbortMultipartUpload") {
		t.Errorf("the run uploaded no part before it failed, or did not abort: the test proves nothing\n%s", e.srv.LogTail(10))
	}
	if left := e.leftovers(t); len(left) != 0 {
		t.Errorf("left behind: %q", left)
	}
}
