package election

import "sort"

// balance runs star balancing over all voters, in order, at most
// cfg.Iterations times or until no voter's spread exceeds cfg.Tolerance. It
// returns the number of rounds run (sp-npos-elections' balance).
func (e *election) balance(cfg BalancingConfig) int {
	if cfg.Iterations == 0 {
		return 0
	}
	iter := 0
	for {
		maxDiff := Uint128{}
		for vi := range e.voters {
			if diff := e.balanceVoter(&e.voters[vi], cfg.Tolerance); diff.Cmp(maxDiff) > 0 {
				maxDiff = diff
			}
		}
		iter++
		if maxDiff.Cmp(cfg.Tolerance) <= 0 || iter >= cfg.Iterations {
			return iter
		}
	}
}

// balanceVoter spreads one voter's stake over the winners it backs so as to
// equalize their backing, and returns the spread it found before doing so.
func (e *election) balanceVoter(v *voter, tolerance Uint128) Uint128 {
	var elected []*edge
	for k := range v.edges {
		if e.candidates[v.edges[k].cand].elected {
			elected = append(elected, &v.edges[k])
		}
	}
	if len(elected) <= 1 {
		return Uint128{}
	}
	backed := func(ed *edge) Uint128 { return e.candidates[ed.cand].backed }

	stakeUsed := Uint128{}
	var minStake Uint128
	var maxSpent Uint128
	spentAny := false
	for i, ed := range elected {
		stakeUsed = stakeUsed.SaturatingAdd(ed.weight)
		b := backed(ed)
		if i == 0 || b.Less(minStake) {
			minStake = b
		}
		if !ed.weight.IsZero() && (!spentAny || b.Cmp(maxSpent) > 0) {
			maxSpent, spentAny = b, true
		}
	}
	var difference Uint128
	if spentAny {
		difference = maxSpent.SaturatingSub(minStake).SaturatingAdd(v.budget.SaturatingSub(stakeUsed))
		if difference.Less(tolerance) {
			return difference
		}
	} else {
		difference = v.budget
	}

	for _, ed := range elected {
		c := &e.candidates[ed.cand]
		c.backed = c.backed.SaturatingSub(ed.weight)
		ed.weight = Uint128{}
	}
	sort.SliceStable(elected, func(i, j int) bool { return backed(elected[i]).Less(backed(elected[j])) })

	cumulative := Uint128{}
	lastIndex := len(elected) - 1
	for i, ed := range elected {
		b := backed(ed)
		if b.SaturatingMul(U128(uint64(i))).SaturatingSub(cumulative).Cmp(v.budget) > 0 {
			lastIndex = max(i-1, 0)
			break
		}
		cumulative = cumulative.SaturatingAdd(b)
	}
	lastStake := backed(elected[lastIndex])
	waysToSplit := U128(uint64(lastIndex + 1))
	excess := v.budget.SaturatingAdd(cumulative).SaturatingSub(lastStake.SaturatingMul(waysToSplit))
	share, _ := excess.QuoRem(waysToSplit)
	for _, ed := range elected[:lastIndex+1] {
		c := &e.candidates[ed.cand]
		ed.weight = share.SaturatingAdd(lastStake).SaturatingSub(c.backed)
		c.backed = c.backed.SaturatingAdd(ed.weight)
	}
	// Rounding of excess/ways can leave the voter slightly un-normalized; an
	// un-normalized voter is not corrupt, so a failure here is ignored as
	// Substrate does.
	_ = e.normalizeElected(v)
	return difference
}
