package election

import (
	"cmp"
	"fmt"
)

// PhragMMS elects toElect candidates by the PhragMMS method (a Phragmén
// variant with a constant-factor approximation of maximin), balancing after
// every round if asked, with the exact integer semantics of Polkadot's
// sp-npos-elections::phragmms. Its scores are computed at accuracy acc, which
// is also the accuracy of the assignments. As in Substrate, a voter with zero
// stake keeps its edges and its 0/0 ratios read as one whole: callers should
// not pass zero-stake voters.
func PhragMMS[ID cmp.Ordered](toElect int, candidates []ID, voters []Voter[ID], balancing *BalancingConfig, acc Accuracy) (Result[ID], error) {
	if toElect < 0 {
		return Result[ID]{}, fmt.Errorf("%w: negative number of seats %d", ErrCorruptInput, toElect)
	}
	e := setupInputs(candidates, voters)
	var winners []int
	for round := 0; round < toElect; round++ {
		w := e.calculateMaxScore(acc)
		if w < 0 {
			break
		}
		e.applyElected(w)
		e.candidates[w].round = round
		e.candidates[w].elected = true
		winners = append(winners, w)
		if balancing != nil {
			e.balance(*balancing)
		}
	}
	return result(e, candidates, voters, winners, acc)
}

// calculateMaxScore computes every candidate's PhragMMS score for this round
// and returns the unelected candidate with the highest one (the first listed
// on ties), or -1 if none is left.
func (e *election) calculateMaxScore(acc Accuracy) int {
	one := U128(acc.one)
	for ci := range e.candidates {
		if !e.candidates[ci].elected {
			e.candidates[ci].score = newRational(U128(1), one)
		}
	}
	for _, v := range e.voters {
		contribution := Uint128{}
		for _, ed := range v.edges {
			if c := e.candidates[ed.cand]; c.elected {
				contribution, _ = contribution.CheckedAdd(U128(acc.FromRational(ed.weight, c.backed)))
			}
		}
		for _, ed := range v.edges {
			c := &e.candidates[ed.cand]
			if !c.elected {
				d, _ := contribution.CheckedAdd(c.score.d)
				c.score = newRational(U128(1), d)
			}
		}
	}
	best := -1
	bestScore := rationalZero
	for ci := range e.candidates {
		c := &e.candidates[ci]
		if c.approval.IsZero() {
			c.score = rationalZero
			continue
		}
		n, ok := c.approval.CheckedMul(one)
		if !ok {
			n = MaxUint128
		}
		c.score = newRational(n, c.score.d)
		if !c.elected && c.score.cmp(bestScore) > 0 {
			best, bestScore = ci, c.score
		}
	}
	return best
}

// applyElected moves stake to the newly elected candidate w: each of its
// voters gives it their unused budget plus, from every other backed
// candidate whose backing exceeds w's score, a share proportional to it.
func (e *election) applyElected(w int) {
	cutoff, _ := e.candidates[w].score.toDen1()
	backed := e.candidates[w].backed
	for vi := range e.voters {
		v := &e.voters[vi]
		newIndex := -1
		for k, ed := range v.edges {
			if ed.cand == w {
				newIndex = k
				break
			}
		}
		if newIndex < 0 {
			continue
		}
		used := Uint128{}
		for _, ed := range v.edges {
			used, _ = used.CheckedAdd(ed.weight)
		}
		newWeight := v.budget.SaturatingSub(used)
		backed = backed.SaturatingAdd(newWeight)
		for k := range v.edges {
			ed := &v.edges[k]
			if k == newIndex || ed.weight.IsZero() {
				continue
			}
			c := &e.candidates[ed.cand]
			if c.backed.Cmp(cutoff) <= 0 {
				continue
			}
			divisor := c.backed
			if divisor.IsZero() {
				divisor = U128(1)
			}
			take, _ := ed.weight.SaturatingMul(cutoff).QuoRem(divisor)
			ed.weight = ed.weight.SaturatingSub(take)
			c.backed = c.backed.SaturatingSub(take)
			backed = backed.SaturatingAdd(take)
			newWeight = newWeight.SaturatingAdd(take)
		}
		v.edges[newIndex].weight = newWeight
	}
	e.candidates[w].backed = backed
}
