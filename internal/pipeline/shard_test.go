package pipeline

import (
	"strings"
	"testing"
)

func TestResolveShard(t *testing.T) {
	cases := []struct {
		name         string
		index, count string
		env          map[string]string
		want         Shard
		err          string
	}{
		{name: "none", want: Shard{}},
		{name: "flags", index: "2", count: "5", want: Shard{2, 5}},
		{name: "k8s index, count from env", env: map[string]string{EnvJobCompletionIndex: "3", EnvShardCount: "4"}, want: Shard{3, 4}},
		{name: "k8s index, count from flag", count: "8", env: map[string]string{EnvJobCompletionIndex: "7"}, want: Shard{7, 8}},
		{name: "k8s index without count", env: map[string]string{EnvJobCompletionIndex: "1"}, err: "no shard count"},
		{name: "aws batch", env: map[string]string{EnvBatchArrayIndex: "0", EnvBatchArraySize: "10"}, want: Shard{0, 10}},
		{name: "flag beats env", index: "1", count: "2", env: map[string]string{EnvJobCompletionIndex: "5", EnvShardCount: "9"}, want: Shard{1, 2}},
		{name: "k8s beats aws batch", env: map[string]string{EnvJobCompletionIndex: "1", EnvShardCount: "3", EnvBatchArrayIndex: "2", EnvBatchArraySize: "3"}, want: Shard{1, 3}},
		{name: "index out of range", index: "5", count: "5", err: "not in 0…4"},
		{name: "negative index", index: "-1", count: "5", err: "not in"},
		{name: "count zero", index: "0", count: "0", err: "not a positive integer"},
		{name: "count without index", count: "3", err: "no shard index"},
		{name: "garbage", index: "x", count: "3", err: "not an integer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveShard(ShardInputs{Index: tc.index, Count: tc.count, Getenv: func(k string) string { return tc.env[k] }})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
