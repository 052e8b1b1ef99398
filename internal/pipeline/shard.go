package pipeline

import (
	"errors"
	"fmt"
	"strconv"
)

// Shard is one of several cooperating runs over one manifest: shard Index
// of Count reads a contiguous range of it, planned from file sizes alone
// (ShardPlan), and the outputs of shards 0…Count-1 concatenated in that
// order are the output of one run over the whole manifest (with --time
// pinned, byte for byte). The split depends on nothing but the manifest's
// files and sizes, so the shards are disjoint and together cover it,
// whatever their worker counts.
//
// The zero Shard (Count 0) and Count 1 mean "every row".
type Shard struct {
	Index int64 // 0-based
	Count int64
}

// Validate checks 0 <= Index < Count.
func (s Shard) Validate() error {
	if s.Count < 0 || s.Index < 0 || (s.Count == 0 && s.Index != 0) || (s.Count > 0 && s.Index >= s.Count) {
		return fmt.Errorf("shard index %d is not in 0…%d", s.Index, max(s.Count-1, 0))
	}
	return nil
}

// ShardInputs are the explicit shard settings of a run; empty strings mean
// "not given". Getenv reads the environment (os.Getenv, or a map in tests).
type ShardInputs struct {
	Index, Count string // --shard-index, --shard-count
	Getenv       func(string) string
}

// Environment variables ResolveShard reads.
const (
	// EnvJobCompletionIndex is set by Kubernetes in each pod of an Indexed
	// Job; the count comes from --shard-count or EnvShardCount (Kubernetes
	// does not export the number of completions).
	EnvJobCompletionIndex = "JOB_COMPLETION_INDEX"
	// EnvShardCount gives the shard count where the scheduler does not.
	EnvShardCount = "BATCHSIGN_SHARD_COUNT"
	// EnvBatchArrayIndex is set by AWS Batch in each child of an array job.
	EnvBatchArrayIndex = "AWS_BATCH_JOB_ARRAY_INDEX"
	// EnvBatchArraySize gives the array size; AWS Batch does not set it in
	// the container, so the job passes it (or EnvShardCount) in its
	// environment.
	EnvBatchArraySize = "AWS_BATCH_JOB_ARRAY_SIZE"
)

// ResolveShard decides this run's shard. The index comes from the flag, else
// JOB_COMPLETION_INDEX, else AWS_BATCH_JOB_ARRAY_INDEX; the count from the
// flag, else BATCHSIGN_SHARD_COUNT, else AWS_BATCH_JOB_ARRAY_SIZE. An index
// without a count is an error (a run that silently signed every row in every
// pod would multiply the work and the output); so is a count without an
// index. Neither means one shard.
func ResolveShard(in ShardInputs) (Shard, error) {
	getenv := in.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	idx, idxFrom := in.Index, "--shard-index"
	if idx == "" {
		if v := getenv(EnvJobCompletionIndex); v != "" {
			idx, idxFrom = v, EnvJobCompletionIndex
		} else if v := getenv(EnvBatchArrayIndex); v != "" {
			idx, idxFrom = v, EnvBatchArrayIndex
		}
	}
	cnt, cntFrom := in.Count, "--shard-count"
	if cnt == "" {
		if v := getenv(EnvShardCount); v != "" {
			cnt, cntFrom = v, EnvShardCount
		} else if v := getenv(EnvBatchArraySize); v != "" {
			cnt, cntFrom = v, EnvBatchArraySize
		}
	}
	if idx == "" && cnt == "" {
		return Shard{}, nil
	}
	if idx == "" {
		return Shard{}, fmt.Errorf("%s is given but no shard index (--shard-index, %s or %s)", cntFrom, EnvJobCompletionIndex, EnvBatchArrayIndex)
	}
	if cnt == "" {
		return Shard{}, fmt.Errorf("shard index from %s but no shard count: pass --shard-count or set %s", idxFrom, EnvShardCount)
	}
	i, err := strconv.ParseInt(idx, 10, 64)
	if err != nil {
		return Shard{}, fmt.Errorf("%s: %q is not an integer", idxFrom, idx)
	}
	n, err := strconv.ParseInt(cnt, 10, 64)
	if err != nil || n < 1 {
		return Shard{}, fmt.Errorf("%s: %q is not a positive integer", cntFrom, cnt)
	}
	s := Shard{Index: i, Count: n}
	if err := s.Validate(); err != nil {
		return Shard{}, errors.New(idxFrom + ": " + err.Error() + " (count from " + cntFrom + ")")
	}
	return s, nil
}

// ByteRange returns the shard's bytes [start, end) of a manifest of total
// bytes laid end to end: [total·Index/Count, total·(Index+1)/Count), the
// one rule every contiguous split follows (ShardPlan; the files of an S3
// Inventory report).
func (s Shard) ByteRange(total int64) (start, end int64) {
	n := max(s.Count, 1)
	return mulDiv(total, s.Index, n), mulDiv(total, s.Index+1, n)
}
