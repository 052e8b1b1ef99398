package sigv4

import (
	"strconv"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// Rows of a manifest that carry parameters of their own (versionId,
// response-content-disposition, ...) repeat the same names, usually in the
// same order, and often the same values. The order of a presign's canonical
// query then depends on the names alone: the row's names are distinct, none
// equals a fixed X-Amz-* name (those are reserved), so every comparison of
// the merge is decided by the names, never by a value. A queryPlan keeps, for
// one sequence of names, the merged canonical query with holes where the
// values and the expiry go; a row with those names fills the holes without
// sorting, merging or re-checking its names, and copies the escaped form of
// a value that equals its slot's last one instead of escaping it again.
//
// The plans live in the Signer (one per worker: no locks) and are bounded:
// planSlots plans of at most maxPlanParams names of planMaxKeys bytes in all,
// values remembered up to planMaxValue bytes. Anything else takes the general
// path, which is also the one that makes plans.

const (
	planSlots     = 8   // plans per Signer, replaced round-robin
	maxPlanParams = 8   // names per plan
	planMaxKeys   = 256 // bytes of names per plan
	planMaxValue  = 256 // longest value a slot remembers
)

// planHole is where a value (slot ≥ 0: the index of the row's parameter) or
// the expiry (slot < 0) goes in a plan's literal bytes.
type planHole struct {
	at, end int // end: where the hole's bytes end in the merged query (learnPlan only)
	slot    int
}

// planMemo is a slot's last raw value and its escaped form.
type planMemo struct {
	raw, esc []byte
}

// queryPlan is the canonical query of S3 presigns for one sequence of names.
type queryPlan struct {
	n      int                // names; 0 marks an empty plan
	keys   []byte             // the raw names, concatenated
	keyEnd [maxPlanParams]int // where each name ends in keys
	lit    []byte             // the merged query without values and expiry
	holes  [maxPlanParams + 1]planHole
	memo   [maxPlanParams]planMemo
}

// matches reports whether q has exactly the plan's names, in order.
func (pl *queryPlan) matches(q []QueryParam) bool {
	if pl.n != len(q) {
		return false
	}
	start := 0
	for i := range q {
		if string(pl.keys[start:pl.keyEnd[i]]) != q[i].Key {
			return false
		}
		start = pl.keyEnd[i]
	}
	return true
}

// findPlan returns the plan for q's names, or nil.
func (s *Signer) findPlan(q []QueryParam) *queryPlan {
	if len(q) > maxPlanParams {
		return nil
	}
	if pl := &s.plans[s.planLast]; pl.matches(q) {
		return pl
	}
	for i := range s.plans {
		if pl := &s.plans[i]; pl.matches(q) {
			s.planLast = i
			return pl
		}
	}
	return nil
}

// appendPlannedQuery appends the canonical query of a row whose names are
// pl's: the values are checked in the row's order first (the names were
// checked when the plan was made), so an error is the general path's.
func (s *Signer) appendPlannedQuery(dst []byte, pl *queryPlan, q []QueryParam, expires int64) ([]byte, error) {
	var hit [maxPlanParams]bool
	for i := range q {
		if hit[i] = string(pl.memo[i].raw) == q[i].Value; hit[i] {
			continue
		}
		if err := sigcore.CheckUTF8(q[i].Value); err != nil {
			return dst, sigcore.FieldErr("query", err)
		}
	}
	prev := 0
	for _, h := range pl.holes[:pl.n+1] {
		dst = append(dst, pl.lit[prev:h.at]...)
		prev = h.at
		if h.slot < 0 {
			dst = strconv.AppendInt(dst, expires, 10)
			continue
		}
		m := &pl.memo[h.slot]
		if hit[h.slot] {
			dst = append(dst, m.esc...)
			continue
		}
		v := q[h.slot].Value
		start := len(dst)
		dst = sigcore.AppendURIEscape(dst, v, false)
		if len(v) <= planMaxValue {
			m.raw = append(m.raw[:0], v...)
			m.esc = append(m.esc[:0], dst[start:]...)
		}
	}
	return append(dst, pl.lit[prev:]...), nil
}

// learnPlan makes a plan from the row just merged by the general path:
// q's pairs sorted in s.qb/s.spans, merged into merged, with rec saying
// where each sorted pair's value and the expiry landed. Rows whose names
// repeat, or that are too many or too long, get no plan.
func (s *Signer) learnPlan(q []QueryParam, merged []byte, rec *mergeRec) {
	if len(q) > maxPlanParams {
		return
	}
	keyBytes := 0
	for i := range q {
		keyBytes += len(q[i].Key)
		for j := range i {
			if q[j].Key == q[i].Key {
				return
			}
		}
	}
	if keyBytes > planMaxKeys {
		return
	}
	pl := &s.plans[s.planNext]
	s.planLast = s.planNext
	s.planNext = (s.planNext + 1) % planSlots

	pl.n = len(q)
	pl.keys = pl.keys[:0]
	for i := range q {
		pl.keys = append(pl.keys, q[i].Key...)
		pl.keyEnd[i] = len(pl.keys)
	}
	// Holes in merged: each sorted pair's value (its row index is the rank
	// of its start in s.qb, where the pairs were appended in row order) and
	// the expiry.
	var at [maxPlanParams + 1]planHole
	for u, sp := range s.spans {
		idx := 0
		for _, o := range s.spans {
			if o.start < sp.start {
				idx++
			}
		}
		at[u] = planHole{at: rec.value[u], end: rec.valueEnd[u], slot: idx}
		m := &pl.memo[idx]
		m.raw, m.esc = m.raw[:0], m.esc[:0]
		if len(q[idx].Value) <= planMaxValue {
			m.raw = append(m.raw, q[idx].Value...)
			m.esc = append(m.esc, s.qb[sp.eq+1:sp.end]...)
		}
	}
	at[len(q)] = planHole{at: rec.expires, end: rec.expiresEnd, slot: -1}
	holes := at[:len(q)+1]
	for i := 1; i < len(holes); i++ { // insertion sort by position
		for j := i; j > 0 && holes[j].at < holes[j-1].at; j-- {
			holes[j], holes[j-1] = holes[j-1], holes[j]
		}
	}
	// The literal is merged without the holes' bytes.
	pl.lit = pl.lit[:0]
	prev := 0
	for i, h := range holes {
		pl.lit = append(pl.lit, merged[prev:h.at]...)
		pl.holes[i] = planHole{at: len(pl.lit), slot: h.slot}
		prev = h.end
	}
	pl.lit = append(pl.lit, merged[prev:]...)
}

// mergeRec is where mergeQuery wrote each sorted row pair's value and the
// expiry's digits, for learnPlan.
type mergeRec struct {
	value, valueEnd     [maxPlanParams]int
	expires, expiresEnd int
}
