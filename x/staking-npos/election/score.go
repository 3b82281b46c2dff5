package election

import (
	"cmp"
	"slices"
)

// Backing is stake a voter gives a target, in absolute units.
type Backing[ID cmp.Ordered] struct {
	Who    ID
	Amount Uint128
}

// StakedAssignment is an assignment with absolute stakes instead of parts.
type StakedAssignment[ID cmp.Ordered] struct {
	Voter        ID
	Distribution []Backing[ID]
}

// Support is the backing a target receives: its total and from whom.
type Support[ID cmp.Ordered] struct {
	Target ID
	Total  Uint128
	Voters []Backing[ID]
}

// ElectionScore measures an election: the smallest backing (to maximize),
// the sum of backings (to maximize) and the sum of squared backings (to
// minimize), in that order of significance.
type ElectionScore struct {
	MinimalStake    Uint128
	SumStake        Uint128
	SumStakeSquared Uint128
}

// IntoStaked converts the assignment's parts into stakes of a voter with
// the given stake, rounding each to the nearest unit (ties down) and
// dropping zero parts. The stakes may not sum to exactly stake.
func (a Assignment[ID]) IntoStaked(stake Uint128, acc Accuracy) StakedAssignment[ID] {
	s := StakedAssignment[ID]{Voter: a.Voter}
	for _, sh := range a.Distribution {
		if sh.Parts == 0 {
			continue
		}
		s.Distribution = append(s.Distribution, Backing[ID]{Who: sh.Target, Amount: acc.Mul(sh.Parts, stake, RoundNearestPrefDown)})
	}
	return s
}

// Normalize makes the stakes sum to exactly stake.
func (s *StakedAssignment[ID]) Normalize(stake Uint128) error {
	amounts := make([]Uint128, len(s.Distribution))
	for i, b := range s.Distribution {
		amounts[i] = b.Amount
	}
	normalized, err := Normalize(amounts, stake)
	if err != nil {
		return err
	}
	for i := range s.Distribution {
		s.Distribution[i].Amount = normalized[i]
	}
	return nil
}

// StakedAssignments converts assignments into normalized staked ones, each
// voter's stake taken from stakeOf (assignment_ratio_to_staked_normalized).
func StakedAssignments[ID cmp.Ordered](assignments []Assignment[ID], stakeOf func(ID) uint64, acc Accuracy) ([]StakedAssignment[ID], error) {
	out := make([]StakedAssignment[ID], 0, len(assignments))
	for _, a := range assignments {
		stake := U128(stakeOf(a.Voter))
		s := a.IntoStaked(stake, acc)
		if err := s.Normalize(stake); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ToSupports gathers staked assignments by target, ordered by target.
func ToSupports[ID cmp.Ordered](staked []StakedAssignment[ID]) []Support[ID] {
	byTarget := map[ID]*Support[ID]{}
	var targets []ID
	for _, a := range staked {
		for _, b := range a.Distribution {
			s, ok := byTarget[b.Who]
			if !ok {
				s = &Support[ID]{Target: b.Who}
				byTarget[b.Who] = s
				targets = append(targets, b.Who)
			}
			s.Total = s.Total.SaturatingAdd(b.Amount)
			s.Voters = append(s.Voters, Backing[ID]{Who: a.Voter, Amount: b.Amount})
		}
	}
	slices.Sort(targets)
	out := make([]Support[ID], len(targets))
	for i, t := range targets {
		out[i] = *byTarget[t]
	}
	return out
}

// Evaluate scores a set of supports (evaluate_support). With no supports the
// minimal stake is MaxUint128, as in Substrate.
func Evaluate[ID cmp.Ordered](supports []Support[ID]) ElectionScore {
	score := ElectionScore{MinimalStake: MaxUint128}
	for _, s := range supports {
		score.SumStake = score.SumStake.SaturatingAdd(s.Total)
		score.SumStakeSquared = score.SumStakeSquared.SaturatingAdd(s.Total.SaturatingMul(s.Total))
		if s.Total.Less(score.MinimalStake) {
			score.MinimalStake = s.Total
		}
	}
	return score
}

// Compare orders scores by desirability: +1 if s is better than o, -1 if
// worse, 0 if equal. A larger minimal stake wins, then a larger sum, then a
// smaller sum of squares.
func (s ElectionScore) Compare(o ElectionScore) int {
	if c := s.MinimalStake.Cmp(o.MinimalStake); c != 0 {
		return c
	}
	if c := s.SumStake.Cmp(o.SumStake); c != 0 {
		return c
	}
	return o.SumStakeSquared.Cmp(s.SumStakeSquared)
}

// StrictThresholdBetter reports whether s beats o by more than threshold
// (parts of acc, applied to o's values, rounded up) in the most significant
// component where they differ by more than it; sp-npos-elections'
// strict_threshold_better.
func (s ElectionScore) StrictThresholdBetter(o ElectionScore, threshold uint64, acc Accuracy) bool {
	type cmpResult struct {
		ge  bool
		ord int
	}
	compare := func(this, that Uint128) cmpResult {
		return cmpResult{ge: this.Cmp(that) >= 0, ord: thresholdCmp(this, that, acc.Mul(threshold, that, RoundUp))}
	}
	minimal := compare(s.MinimalStake, o.MinimalStake)
	sum := compare(s.SumStake, o.SumStake)
	squared := compare(s.SumStakeSquared, o.SumStakeSquared)
	switch {
	case minimal.ord > 0:
		return true
	case minimal.ge && minimal.ord == 0 && sum.ord > 0:
		return true
	case minimal.ge && minimal.ord == 0 && sum.ge && sum.ord == 0 && squared.ord < 0:
		return true
	}
	return false
}

// thresholdCmp compares x with y, treating values within epsilon of y as
// equal (sp-arithmetic's ThresholdOrd::tcmp).
func thresholdCmp(x, y, epsilon Uint128) int {
	if epsilon.IsZero() {
		return x.Cmp(y)
	}
	upper, lower := y.SaturatingAdd(epsilon), y.SaturatingSub(epsilon)
	if upper.Cmp(lower) <= 0 {
		return x.Cmp(y)
	}
	switch {
	case x.Cmp(lower) > 0 && x.Cmp(upper) > 0:
		return 1
	case x.Cmp(lower) < 0 && x.Cmp(upper) < 0:
		return -1
	}
	return 0
}
