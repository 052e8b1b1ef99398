package sigv4

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPresignS3PlansMatchFreshSigner: rows whose parameters repeat names
// (and often values) take the planned query; every URL and every error must
// be the one a fresh Signer, which has no plan, gives for that row. The rows
// mix name sets past the plan slots, orders, duplicate names, values past
// planMaxValue, invalid UTF-8 at different positions, reserved names and
// expiries.
func TestPresignS3PlansMatchFreshSigner(t *testing.T) {
	names := []string{"versionId", "response-content-disposition", "response-content-type", "a", "Z", "A-b", "ünï", "x y", "partNumber", "response-expires"}
	values := []string{"", "1", "v1", `attachment; filename="a b.txt"`, "text/plain; charset=utf-8", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo",
		strings.Repeat("é/", 200), "bad\xffutf8", "~-._", "日本"}
	for _, token := range []string{"", "tok/+="} {
		rng := rand.New(rand.NewPCG(1, uint64(len(token))))
		reused := newS3Signer(t, token)
		sets := make([][]string, 14) // more name sets than plan slots
		for i := range sets {
			n := 1 + rng.IntN(4)
			if i == 13 {
				n = maxPlanParams + 1
			}
			for range n {
				sets[i] = append(sets[i], names[rng.IntN(len(names))]) // names may repeat
			}
		}
		sets[0] = []string{"response-content-disposition", "versionId"}
		sets[1] = []string{"X-Amz-Date", "a"}
		for row := range 3000 {
			set := sets[rng.IntN(len(sets))]
			if row%2 == 0 {
				set = sets[0] // the common case: one set repeated
			}
			q := make([]QueryParam, len(set))
			for i, k := range set {
				v := values[rng.IntN(3)]
				if rng.IntN(4) == 0 {
					v = values[rng.IntN(len(values))]
				}
				if rng.IntN(8) == 0 {
					v = fmt.Sprintf("f-%d.parquet", rng.IntN(50))
				}
				q[i] = QueryParam{Key: k, Value: v}
			}
			p := S3Presign{Host: "b.s3.amazonaws.com", Key: fmt.Sprintf("k/%d", row), Query: q,
				Expires: []int64{60, 604800, 7, 3600}[rng.IntN(4)]}
			got, gotErr := reused.AppendPresignS3(nil, &p)
			want, wantErr := newS3Signer(t, token).AppendPresignS3(nil, &p)
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || string(got) != string(want) {
				t.Fatalf("row %d %q: reused signer\n%s %v\nfresh signer\n%s %v", row, q, got, gotErr, want, wantErr)
			}
		}
	}
}

// TestPresignS3PlanBounded: a plan is made only for rows of at most
// maxPlanParams distinct names, and the plans never outnumber their slots.
func TestPresignS3PlanBounded(t *testing.T) {
	s := newS3Signer(t, "")
	row := func(keys ...string) *S3Presign {
		p := &S3Presign{Host: "h", Key: "k", Expires: 60}
		for _, k := range keys {
			p.Query = append(p.Query, QueryParam{Key: k, Value: "v"})
		}
		return p
	}
	for _, p := range []*S3Presign{row("a", "a"), row(strings.Split("a b c d e f g h i", " ")...), row(strings.Repeat("k", planMaxKeys+1))} {
		if _, err := s.AppendPresignS3(nil, p); err != nil {
			t.Fatal(err)
		}
		if s.findPlan(p.Query) != nil {
			t.Fatalf("a plan for %v", p.Query)
		}
	}
	for i := range 3 * planSlots {
		p := row(fmt.Sprint("k", i))
		if _, err := s.AppendPresignS3(nil, p); err != nil {
			t.Fatal(err)
		}
		if s.findPlan(p.Query) == nil {
			t.Fatalf("no plan for %v", p.Query)
		}
	}
}
