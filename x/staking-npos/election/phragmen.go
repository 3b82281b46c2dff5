package election

import (
	"cmp"
	"fmt"
)

// den is the denominator of seq-Phragmén loads: 2^128 - 1, so that the
// smallest load 1/approval_stake is representable for any u64 stakes.
var den = MaxUint128

// SeqPhragmen elects toElect candidates by sequential Phragmén, optionally
// followed by star balancing, with the exact integer semantics of Polkadot's
// sp-npos-elections::seq_phragmen: same winners, same rounds, same backings,
// same assignment parts. Ties go to the candidate listed first. If fewer
// candidates exist than toElect, all are elected. Assignments are expressed
// in acc and each sums to exactly one.
func SeqPhragmen[ID cmp.Ordered](toElect int, candidates []ID, voters []Voter[ID], balancing *BalancingConfig, acc Accuracy) (Result[ID], error) {
	if toElect < 0 {
		return Result[ID]{}, fmt.Errorf("%w: negative number of seats %d", ErrCorruptInput, toElect)
	}
	e := setupInputs(candidates, voters)
	winners, err := e.seqPhragmenCore(toElect)
	if err != nil {
		return Result[ID]{}, err
	}
	if balancing != nil {
		e.balance(*balancing)
	}
	return result(e, candidates, voters, winners, acc)
}

// edgeRef locates an edge: voter index and edge index within the voter.
type edgeRef struct{ v, e int }

// seqPhragmenCore runs the election rounds and computes the backing of the
// winners, leaving every voter with normalized edges to winners only. It
// returns the winners in election order.
//
// Substrate recomputes every candidate's score from all voters in every
// round. Here each candidate keeps the sum of its voters' load terms and a
// term is recomputed only when its voter's load changes (when the voter backs
// the round's winner). The terms are the same floor divisions Substrate
// performs, so the scores, and everything after them, are bit-identical.
func (e *election) seqPhragmenCore(toElect int) ([]int, error) {
	cands := e.candidates
	toElect = min(toElect, len(cands))

	backers := make([][]edgeRef, len(cands))
	for vi := range e.voters {
		for ei, ed := range e.voters[vi].edges {
			backers[ed.cand] = append(backers[ed.cand], edgeRef{vi, ei})
		}
	}
	base := make([]Uint128, len(cands)) // DEN / approval_stake
	for ci := range cands {
		if !cands[ci].approval.IsZero() {
			base[ci], _ = den.QuoRem(cands[ci].approval)
		}
	}
	sums := make([]wide, len(cands))

	winners := make([]int, 0, toElect)
	for round := 0; round < toElect; round++ {
		best := -1
		for ci := range cands {
			c := &cands[ci]
			if c.elected {
				continue
			}
			if c.approval.IsZero() {
				c.score = rationalMax
			} else {
				c.score = rational{n: sums[ci].plusSaturating(base[ci]), d: den}
			}
			if best < 0 || c.score.cmp(cands[best].score) < 0 {
				best = ci
			}
		}
		if best < 0 {
			break
		}
		w := &cands[best]
		w.elected, w.round = true, round
		for _, ref := range backers[best] {
			v := &e.voters[ref.v]
			v.edges[ref.e].load = w.score.lazySub(v.load)
			v.load = w.score
			for k := range v.edges {
				ed := &v.edges[k]
				c := &cands[ed.cand]
				if c.elected || c.approval.IsZero() {
					continue
				}
				term, ok := MulDiv(v.load.n, v.budget, c.approval, RoundDown)
				if !ok {
					term = MaxUint128
				}
				sums[ed.cand].sub(ed.term)
				sums[ed.cand].add(term)
				ed.term = term
			}
		}
		winners = append(winners, best)
	}

	for vi := range e.voters {
		v := &e.voters[vi]
		kept := v.edges[:0]
		for _, ed := range v.edges {
			c := &cands[ed.cand]
			ed.weight = Uint128{}
			if c.elected {
				w, ok := MulDiv(v.budget, ed.load.n, v.load.n, RoundDown)
				if !ok {
					w = MaxUint128
				}
				ed.weight = w
			}
			c.backed = c.backed.SaturatingAdd(ed.weight)
			if !ed.weight.IsZero() {
				kept = append(kept, ed)
			}
		}
		v.edges = kept
		if err := e.normalizeElected(v); err != nil {
			return nil, err
		}
	}
	return winners, nil
}
