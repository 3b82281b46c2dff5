package election

import (
	"fmt"
	"math/rand"
	"testing"
)

// Polkadot's scale: 22,500 electing voters with 16 targets each over 2,000
// candidates, electing 600.
const (
	benchVoters     = 22_500
	benchCandidates = 2_000
	benchTargets    = 16
	benchSeats      = 600
)

// polkadotScale builds a seeded random election at Polkadot's scale, stakes
// between 1 and 100,000 tokens of 10 decimals.
func polkadotScale() ([]string, []Voter[string], []floatVoter) {
	rng := rand.New(rand.NewSource(2026))
	cands := make([]string, benchCandidates)
	for i := range cands {
		cands[i] = fmt.Sprintf("c%04d", i)
	}
	voters := make([]Voter[string], benchVoters)
	floats := make([]floatVoter, benchVoters)
	for i := range voters {
		stake := uint64(1+rng.Int63n(100_000)) * 10_000_000_000
		perm := rng.Perm(benchCandidates)[:benchTargets]
		targets := make([]string, benchTargets)
		for k, c := range perm {
			targets[k] = cands[c]
		}
		id := fmt.Sprintf("v%05d", i)
		voters[i] = Voter[string]{ID: id, Stake: stake, Targets: targets}
		floats[i] = floatVoter{id: id, stake: float64(stake), targets: targets}
	}
	return cands, voters, floats
}

// BenchmarkSeqPhragmen measures exact seq-Phragmén at Polkadot's scale,
// without balancing and with 10 balancing iterations.
func BenchmarkSeqPhragmen(b *testing.B) {
	cands, voters, _ := polkadotScale()
	for _, bc := range []struct {
		name      string
		balancing *BalancingConfig
	}{
		{"no-balancing", nil},
		{"balancing-10", &BalancingConfig{Iterations: 10}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := SeqPhragmen(benchSeats, cands, voters, bc.balancing, Perbill)
				if err != nil || len(res.Winners) != benchSeats {
					b.Fatalf("%d winners, %v", len(res.Winners), err)
				}
			}
		})
	}
}

// BenchmarkFloatSeqPhragmen is the baseline: a naive float64 seq-Phragmén
// (Substrate's mock reference algorithm) on the same input.
func BenchmarkFloatSeqPhragmen(b *testing.B) {
	cands, _, floats := polkadotScale()
	b.ReportAllocs()
	for b.Loop() {
		e := newFloatElection(cands, floats)
		if w, _ := e.seqPhragmen(benchSeats); len(w) != benchSeats {
			b.Fatalf("%d winners", len(w))
		}
	}
}
