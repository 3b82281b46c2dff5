package election

import (
	"testing"

	"pgregory.net/rapid"
)

// naiveCore is seq-Phragmén's election loop exactly as Substrate writes it:
// every round recomputes every score from all voters. The production core
// updates scores incrementally; the differential test below checks that both
// reach the same state.
func (e *election) naiveCore(toElect int) []int {
	cands := e.candidates
	toElect = min(toElect, len(cands))
	var winners []int
	for round := 0; round < toElect; round++ {
		for ci := range cands {
			c := &cands[ci]
			if c.elected {
				continue
			}
			if c.approval.IsZero() {
				c.score = rationalMax
			} else {
				q, _ := den.QuoRem(c.approval)
				c.score = newRational(q, den)
			}
		}
		for _, v := range e.voters {
			for _, ed := range v.edges {
				c := &cands[ed.cand]
				if c.elected || c.approval.IsZero() {
					continue
				}
				n, ok := MulDiv(v.load.n, v.budget, c.approval, RoundDown)
				if !ok {
					n = MaxUint128
				}
				c.score = c.score.lazyAdd(newRational(n, v.load.d))
			}
		}
		best := -1
		for ci := range cands {
			if !cands[ci].elected && (best < 0 || cands[ci].score.cmp(cands[best].score) < 0) {
				best = ci
			}
		}
		if best < 0 {
			break
		}
		cands[best].elected, cands[best].round = true, round
		for vi := range e.voters {
			v := &e.voters[vi]
			for k := range v.edges {
				if v.edges[k].cand == best {
					v.edges[k].load = cands[best].score.lazySub(v.load)
					v.load = cands[best].score
				}
			}
		}
		winners = append(winners, best)
	}
	return winners
}

func TestIncrementalCoreMatchesNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		toElect, cands, voters := randomElection(t)
		fast, slow := setupInputs(cands, voters), setupInputs(cands, voters)
		fastWinners, err := fast.seqPhragmenCore(toElect)
		if err != nil {
			t.Fatal(err)
		}
		slowWinners := slow.naiveCore(toElect)
		if len(fastWinners) != len(slowWinners) {
			t.Fatalf("winners %v, naive %v", fastWinners, slowWinners)
		}
		for i := range fastWinners {
			if fastWinners[i] != slowWinners[i] {
				t.Fatalf("winners %v, naive %v", fastWinners, slowWinners)
			}
			c := fastWinners[i]
			if fast.candidates[c].score != slow.candidates[c].score {
				t.Fatalf("winner %s elected at score %v, naive %v", cands[c], fast.candidates[c].score, slow.candidates[c].score)
			}
		}
		// Loads decide the final weights: they must agree edge by edge.
		for vi := range slow.voters {
			if fast.voters[vi].load != slow.voters[vi].load {
				t.Fatalf("voter %d load %v, naive %v", vi, fast.voters[vi].load, slow.voters[vi].load)
			}
		}
	})
}

// TestIncrementalCoreMatchesNaiveAtScale runs the differential check on a
// seeded election of 3,000 voters over 300 candidates electing 100.
func TestIncrementalCoreMatchesNaiveAtScale(t *testing.T) {
	cands, voters, _ := polkadotScale()
	cands, voters = cands[:300], voters[:3000]
	for i := range voters {
		var kept []string
		for _, tg := range voters[i].Targets {
			if tg < "c0300" {
				kept = append(kept, tg)
			}
		}
		voters[i].Targets = append(kept, cands[i%300]) // everyone votes for someone
	}
	fast, slow := setupInputs(cands, voters), setupInputs(cands, voters)
	fw, err := fast.seqPhragmenCore(100)
	if err != nil {
		t.Fatal(err)
	}
	sw := slow.naiveCore(100)
	for i := range sw {
		if fw[i] != sw[i] || fast.candidates[fw[i]].score != slow.candidates[sw[i]].score {
			t.Fatalf("round %d: %s at %v, naive %s at %v", i, cands[fw[i]], fast.candidates[fw[i]].score, cands[sw[i]], slow.candidates[sw[i]].score)
		}
	}
	for vi := range slow.voters {
		if fast.voters[vi].load != slow.voters[vi].load {
			t.Fatalf("voter %d load differs", vi)
		}
	}
}
