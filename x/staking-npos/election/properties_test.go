package election

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// randomElection draws a small election: candidates "c0".."cN", voters with
// up to 16 targets each (some of them not candidates, some repeated).
func randomElection(t *rapid.T) (int, []string, []Voter[string]) {
	nc := rapid.IntRange(1, 12).Draw(t, "candidates")
	cands := make([]string, nc)
	for i := range cands {
		cands[i] = fmt.Sprintf("c%d", i)
	}
	bigStakes := rapid.Bool().Draw(t, "bigStakes")
	nv := rapid.IntRange(1, 25).Draw(t, "voters")
	voters := make([]Voter[string], nv)
	for i := range voters {
		stake := rapid.Uint64Range(0, 1_000_000).Draw(t, "stake")
		if bigStakes {
			stake = rapid.Uint64().Draw(t, "stake")
		}
		targets := rapid.SliceOfN(rapid.IntRange(0, nc+1), 1, 16).Draw(t, "targets")
		v := Voter[string]{ID: fmt.Sprintf("v%d", i), Stake: stake}
		for _, x := range targets {
			v.Targets = append(v.Targets, fmt.Sprintf("c%d", x)) // c<nc>, c<nc+1> are not candidates
		}
		voters[i] = v
	}
	return rapid.IntRange(1, nc).Draw(t, "toElect"), cands, voters
}

// TestElectionProperties checks, on random elections with both algorithms:
// every voter's assignment spreads exactly its whole stake, only over
// winners it voted for; winners are distinct and their backings add up.
func TestElectionProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		toElect, cands, voters := randomElection(t)
		acc := rapid.SampledFrom(Accuracies).Draw(t, "accuracy")
		var balancing *BalancingConfig
		if rapid.Bool().Draw(t, "balance") {
			balancing = &BalancingConfig{Iterations: rapid.IntRange(1, 10).Draw(t, "iterations")}
		}
		elect := SeqPhragmen[string]
		if rapid.Bool().Draw(t, "phragmms") {
			elect = PhragMMS[string]
		}
		res, err := elect(toElect, cands, voters, balancing, acc)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Winners) > toElect {
			t.Fatalf("%d winners for %d seats", len(res.Winners), toElect)
		}
		winners := map[string]bool{}
		for _, w := range res.Winners {
			if winners[w.ID] {
				t.Fatalf("%s elected twice", w.ID)
			}
			winners[w.ID] = true
		}
		stakeOf := map[string]uint64{}
		votedFor := map[string][]string{}
		for _, v := range voters {
			stakeOf[v.ID] = v.Stake
			votedFor[v.ID] = v.Targets
		}
		for _, a := range res.Assignments {
			var parts uint64
			for _, s := range a.Distribution {
				parts += s.Parts
				if !slices.Contains(votedFor[a.Voter], s.Target) {
					t.Fatalf("voter %s backs %s, which it did not vote for", a.Voter, s.Target)
				}
				// A zero-stake voter's ratios are 0/0, which Substrate turns
				// into one whole (PhragMMS keeps such edges): only voters with
				// stake are bound to back winners.
				if !winners[s.Target] && stakeOf[a.Voter] > 0 {
					t.Fatalf("voter %s backs %s, which was not elected", a.Voter, s.Target)
				}
			}
			if parts != acc.One() {
				t.Fatalf("voter %s assigns %d parts of %d", a.Voter, parts, acc.One())
			}
		}
		staked, err := StakedAssignments(res.Assignments, func(id string) uint64 { return stakeOf[id] }, acc)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range staked {
			total := Uint128{}
			for _, b := range s.Distribution {
				total = total.SaturatingAdd(b.Amount)
			}
			if total != U128(stakeOf[s.Voter]) {
				t.Fatalf("voter %s's supports sum to %s, its stake is %d", s.Voter, total, stakeOf[s.Voter])
			}
		}
	})
}

// TestCoreBudgetsAndBackings checks seq-Phragmén's internal state: each
// voter's edge weights sum to its budget, and each winner's backing is the
// sum of the weights on its edges.
func TestCoreBudgetsAndBackings(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		toElect, cands, voters := randomElection(t)
		e := setupInputs(cands, voters)
		if _, err := e.seqPhragmenCore(toElect); err != nil {
			t.Fatal(err)
		}
		if rapid.Bool().Draw(t, "balance") {
			e.balance(BalancingConfig{Iterations: 5})
		}
		backing := make([]Uint128, len(e.candidates))
		for _, v := range e.voters {
			sum := Uint128{}
			for _, ed := range v.edges {
				sum = sum.SaturatingAdd(ed.weight)
				backing[ed.cand] = backing[ed.cand].SaturatingAdd(ed.weight)
			}
			if len(v.edges) > 0 && sum != v.budget {
				t.Fatalf("voter %s: weights sum to %s, budget %s", voters[v.input].ID, sum, v.budget)
			}
		}
		for ci, c := range e.candidates {
			if c.elected && backing[ci] != c.backed {
				t.Fatalf("candidate %s: backed %s, edges sum to %s", cands[ci], c.backed, backing[ci])
			}
		}
	})
}

// winnerScore scores the exact internal backings of the winners.
func winnerScore(e *election) ElectionScore {
	var supports []Support[int]
	for ci, c := range e.candidates {
		if c.elected {
			supports = append(supports, Support[int]{Target: ci, Total: c.backed})
		}
	}
	return Evaluate(supports)
}

// TestBalancingNeverWorsensTheScore compares seq-Phragmén's winners'
// backing before and after star balancing.
func TestBalancingNeverWorsensTheScore(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		toElect, cands, voters := randomElection(t)
		e := setupInputs(cands, voters)
		if _, err := e.seqPhragmenCore(toElect); err != nil {
			t.Fatal(err)
		}
		before := winnerScore(e)
		e.balance(BalancingConfig{Iterations: rapid.IntRange(1, 20).Draw(t, "iterations")})
		after := winnerScore(e)
		if after.Compare(before) < 0 {
			t.Fatalf("balancing worsened the score: %+v -> %+v", before, after)
		}
	})
}

func TestNegativeSeatsRefused(t *testing.T) {
	for _, elect := range []func(int, []string, []Voter[string], *BalancingConfig, Accuracy) (Result[string], error){SeqPhragmen[string], PhragMMS[string]} {
		if _, err := elect(-1, []string{"a"}, nil, nil, Perbill); err == nil {
			t.Fatal("negative seats accepted")
		}
	}
}
