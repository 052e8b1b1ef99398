package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/batchsign/batchsign/internal/store"
)

const planHelp = `usage: batchsign plan [--input-format F] --shard-count N MANIFEST...
       batchsign plan --check SUMMARY...

Prints, as JSON, how the manifest (files, directories, globs, as presign
reads them) splits into N shards, without signing: per shard its range of
the manifest's bytes, the pieces of files it reads (lines starting in a
byte range; Parquet records and row groups) and its rows (exact for
Parquet, estimated from each line file's first 64 KiB). It reads only
metadata: sizes, Parquet footers, the line samples.

With --check, reads the --summary files of a sharded run and prints whether
all N shards completed (each index once, exit status 0 or 1, ranges that
follow one another over the whole manifest) and the counts added up; exit
0 when complete, 1 when not.

Flags:
`

// runPlan is `batchsign plan`.
func runPlan(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	count := fs.String("shard-count", "", "the number of shards `N` (default $"+pipeline.EnvShardCount+")")
	inputFormat := fs.String("input-format", "", "manifest `format`: ndjson or parquet (default: from each file's extension)")
	check := fs.Bool("check", false, "check the --summary files given instead of planning")
	fs.Usage = func() {
		fmt.Fprint(stderr, planHelp)
		fs.PrintDefaults()
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "batchsign plan: no manifest (or, with --check, no summary) given")
		return exitUsage
	}
	if *check {
		return checkSummaries(pos, stdout, stderr)
	}
	if *count == "" {
		*count = os.Getenv(pipeline.EnvShardCount)
	}
	n, err := strconv.ParseInt(*count, 10, 64)
	if err != nil || n < 1 {
		fmt.Fprintf(stderr, "batchsign plan: --shard-count %q: want a positive integer\n", *count)
		return exitUsage
	}
	f, err := pipeline.ParseFormat(*inputFormat)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign plan: --input-format: %v\n", err)
		return exitUsage
	}
	ctx := context.Background()
	s3, err := s3ForNames(pos)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign plan: %v\n", err)
		return exitUsage
	}
	r := manifestRouter(s3)
	files, err := pipeline.ListManifest(ctx, r, pos, f)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign plan: %v\n", err)
		return exitUsage
	}
	rep, err := (&pipeline.ShardPlan{Files: files, Count: n}).Describe(ctx, r)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign plan: %v\n", err)
		if errors.Is(err, pipeline.ErrCorruptManifest) {
			return exitFailed
		}
		return exitUsage
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err == nil {
		_, err = stdout.Write(append(b, '\n'))
	}
	if err != nil {
		fmt.Fprintf(stderr, "batchsign plan: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// checkReport is what plan --check prints.
type checkReport struct {
	Complete   bool     `json:"complete"`
	ShardCount int64    `json:"shard_count"`
	Summaries  int      `json:"summaries"`
	RowsRead   int64    `json:"rows_read"`
	Signed     int64    `json:"signed"`
	Rejected   int64    `json:"rejected"`
	Problems   []string `json:"problems"`
}

// checkSummaries reads the summaries at paths and reports whether they are
// the complete run of one sharded manifest.
func checkSummaries(paths []string, stdout, stderr io.Writer) int {
	rep := checkReport{Problems: []string{}}
	type entry struct {
		path string
		s    pipeline.Summary
	}
	var all []entry
	s3, err := s3ForNames(paths)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign plan --check: %v\n", err)
		return exitUsage
	}
	r := manifestRouter(s3)
	objs, err := listSummaries(context.Background(), r, paths)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign plan --check: %v\n", err)
		return exitUsage
	}
	for _, obj := range objs {
		p := obj.Name
		data, err := readSummary(context.Background(), r, obj)
		if err != nil {
			fmt.Fprintf(stderr, "batchsign plan --check: %s: %v\n", p, err)
			return exitUsage
		}
		var s pipeline.Summary
		if err := json.Unmarshal(data, &s); err != nil {
			fmt.Fprintf(stderr, "batchsign plan --check: %s: not a summary: %v\n", p, err)
			return exitUsage
		}
		all = append(all, entry{p, s})
	}
	problem := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	first := all[0].s
	rep.ShardCount, rep.Summaries = first.ShardCount, len(all)
	slices.SortStableFunc(all, func(a, b entry) int { return int(min(max(a.s.ShardIndex-b.s.ShardIndex, -1), 1)) })
	seen := map[int64]string{}
	for _, e := range all {
		s := e.s
		rep.RowsRead += s.RowsRead
		rep.Signed += s.Signed
		rep.Rejected += s.Rejected
		if s.ShardCount != first.ShardCount || s.Command != first.Command || s.SigningTime != first.SigningTime {
			problem("%s: shard count %d, command %s, signing time %s; %s has %d, %s, %s", e.path, s.ShardCount, s.Command, s.SigningTime, all[0].path, first.ShardCount, first.Command, first.SigningTime)
		}
		if prev, dup := seen[s.ShardIndex]; dup {
			problem("shard %d twice: %s and %s", s.ShardIndex, prev, e.path)
		}
		seen[s.ShardIndex] = e.path
		if s.ExitStatus > 1 {
			problem("%s: shard %d exited %d: it did not complete", e.path, s.ShardIndex, s.ExitStatus)
		}
		if s.Valid == nil && s.Signed+s.Rejected != s.RowsRead {
			problem("%s: %d signed + %d rejected != %d read", e.path, s.Signed, s.Rejected, s.RowsRead)
		}
	}
	for i := range first.ShardCount {
		if _, ok := seen[i]; !ok {
			problem("shard %d of %d: no summary", i, first.ShardCount)
		}
	}
	// The ranges follow one another over the whole manifest.
	var at int64
	for _, e := range all {
		rg := e.s.Range
		switch {
		case rg == nil:
			problem("%s: no range (a run on stdin, or an older batchsign)", e.path)
		case first.Range != nil && (rg.Bytes != first.Range.Bytes || rg.Files != first.Range.Files):
			problem("%s: a manifest of %d files, %d bytes; %s read %d files, %d bytes", e.path, rg.Files, rg.Bytes, all[0].path, first.Range.Files, first.Range.Bytes)
		case rg.Start != at:
			problem("%s: shard %d starts at byte %d of the manifest, want %d", e.path, e.s.ShardIndex, rg.Start, at)
		}
		if rg != nil {
			at = rg.End
		}
	}
	if first.Range != nil && at != first.Range.Bytes {
		problem("the shards end at byte %d of the manifest's %d", at, first.Range.Bytes)
	}
	rep.Complete = len(rep.Problems) == 0
	b, _ := json.MarshalIndent(rep, "", "  ")
	stdout.Write(append(b, '\n'))
	if !rep.Complete {
		return exitRejected
	}
	return exitOK
}

// maxSummary bounds a summary file plan --check reads.
const maxSummary = 1 << 20

// listSummaries expands the arguments of plan --check as manifest
// arguments are (a file, a directory, a glob, an s3://bucket/prefix/).
func listSummaries(ctx context.Context, r *store.Router, args []string) ([]store.Object, error) {
	var objs []store.Object
	for _, arg := range args {
		st, err := r.For(arg)
		if err != nil {
			return nil, err
		}
		o, err := st.List(ctx, arg)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	return objs, nil
}

// readSummary reads one summary object whole.
func readSummary(ctx context.Context, r *store.Router, obj store.Object) ([]byte, error) {
	st, err := r.For(obj.Name)
	if err != nil {
		return nil, err
	}
	if obj.Size > maxSummary {
		return nil, fmt.Errorf("%d bytes: not a summary (at most %d)", obj.Size, maxSummary)
	}
	rc, err := st.OpenRange(ctx, obj, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxSummary+1))
}
