package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// shardedManifest writes a directory of many files: the bundled NDJSON and
// Parquet examples (rejects included), an empty file, a CRLF file without
// a final newline, and the _SUCCESS marker a listing skips.
func shardedManifest(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	nd, err := os.ReadFile("../../examples/manifest.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	pq, err := os.ReadFile("../../examples/manifest.parquet")
	if err != nil {
		t.Fatal(err)
	}
	var crlf strings.Builder
	for i := range 40 {
		if i > 0 {
			crlf.WriteString("\r\n")
		}
		fmt.Fprintf(&crlf, `{"id":"c%d","bucket":"examplebucket","key":"part/%d"}`, i, i)
	}
	for name, data := range map[string][]byte{
		"part-0.ndjson": nd, "part-1.parquet": pq, "part-2.ndjson": nil, "part-3.jsonl": []byte(crlf.String()),
		"part-4.ndjson": []byte(mixedManifest), "_SUCCESS": nil,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestShardedRunsConcatenateToTheWholeRun: with --time pinned, the outputs
// (NDJSON and CSV) and rejects of shards 0…N-1 concatenated are the
// unsharded run's, byte for byte; plan --check accepts their summaries,
// and refuses them with one missing.
func TestShardedRunsConcatenateToTheWholeRun(t *testing.T) {
	cleanEnv(t)
	m := shardedManifest(t)
	out := t.TempDir()
	for _, format := range []string{"ndjson", "csv"} {
		whole := filepath.Join(out, "whole."+format)
		code, _, stderr := runIn(t, "", "presign", m, "--time", pinned, "-o", whole, "--progress", "never")
		if code != exitRejected {
			t.Fatalf("unsharded: exit %d: %s", code, stderr)
		}
		want, _ := os.ReadFile(whole)
		wantRej, _ := os.ReadFile(filepath.Join(out, "whole.rejects.ndjson"))
		if !strings.Contains(string(wantRej), `{"file":"`+filepath.Join(m, "part-4.ndjson")+`","row":5,`) {
			t.Errorf("rejects do not name the file and line:\n%s", wantRej)
		}
		for _, n := range []int{1, 2, 3, 7, 16} {
			var got, gotRej []byte
			var sums []string
			for i := range n {
				o := filepath.Join(out, fmt.Sprintf("s%d-%d.%s", n, i, format))
				sum := filepath.Join(out, fmt.Sprintf("s%d-%d.summary.json", n, i))
				code, _, stderr := runIn(t, "", "presign", m, "--time", pinned, "-o", o, "--summary", sum,
					"--shard-index", fmt.Sprint(i), "--shard-count", fmt.Sprint(n), "--progress", "never")
				if code != exitOK && code != exitRejected {
					t.Fatalf("shard %d of %d: exit %d: %s", i, n, code, stderr)
				}
				b, _ := os.ReadFile(o)
				got = append(got, b...)
				b, _ = os.ReadFile(strings.TrimSuffix(o, "."+format) + ".rejects.ndjson")
				gotRej = append(gotRej, b...)
				sums = append(sums, sum)
			}
			if string(got) != string(want) || string(gotRej) != string(wantRej) {
				t.Errorf("%s, N=%d: shards concatenated differ from the whole run\n got %d bytes, %d of rejects\nwant %d, %d", format, n, len(got), len(gotRej), len(want), len(wantRej))
			}
			code, stdout, stderr := runIn(t, "", append([]string{"plan", "--check"}, sums...)...)
			if code != exitOK || !strings.Contains(stdout, `"complete": true`) {
				t.Errorf("N=%d: plan --check: exit %d\n%s%s", n, code, stdout, stderr)
			}
			if n > 1 {
				code, stdout, _ = runIn(t, "", append([]string{"plan", "--check"}, sums[1:]...)...)
				if code != exitRejected || !strings.Contains(stdout, "shard 0 of") {
					t.Errorf("N=%d: plan --check without shard 0: exit %d\n%s", n, code, stdout)
				}
			}
		}
	}
}

// TestPlanPrintsTheSplit: plan's JSON covers the manifest: the shards'
// ranges follow one another, Parquet records add up to the footer's.
func TestPlanPrintsTheSplit(t *testing.T) {
	m := shardedManifest(t)
	code, stdout, stderr := runIn(t, "", "plan", "--shard-count", "4", m)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep pipeline.PlanReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 5 || len(rep.Shards) != 4 || rep.ShardCount != 4 {
		t.Fatalf("files %d, shards %d:\n%s", len(rep.Files), len(rep.Shards), stdout)
	}
	var at, records int64
	for _, s := range rep.Shards {
		if s.Range[0] != at {
			t.Errorf("shard %d starts at %d, want %d", s.Index, s.Range[0], at)
		}
		at = s.Range[1]
		for _, p := range s.Pieces {
			if p.Records != nil {
				records += p.Records[1] - p.Records[0]
			}
		}
	}
	if at != rep.Bytes || records != rep.Files[1].Rows || rep.Files[1].Rows != 10 {
		t.Errorf("shards end at %d of %d bytes; %d Parquet records, footer %d", at, rep.Bytes, records, rep.Files[1].Rows)
	}
	for _, bad := range [][]string{{"plan", m}, {"plan", "--shard-count", "0", m}, {"plan", "--shard-count", "2"}, {"plan", "--shard-count", "2", filepath.Join(m, "*.csv")}} {
		if code, _, _ := runIn(t, "", bad...); code != exitUsage {
			t.Errorf("%q: exit %d, want 2", bad, code)
		}
	}
}
