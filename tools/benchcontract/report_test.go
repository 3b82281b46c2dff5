package main

import "testing"

// The summary is the median over rounds of each round's figures, and the
// ratios compare the commands with the sends of the same round.
func TestSummaryTakesMediansOfRounds(t *testing.T) {
	rep := &report{}
	for i, sendMs := range []float64{1000, 3000, 2000} {
		r := &round{Round: i + 1}
		for range 4 {
			r.Sends = append(r.Sends, sendSample{InclusionMs: sendMs, Blocks: 1})
			r.Commands = append(r.Commands, commandSample{TotalMs: 4 * sendMs, OnChainMs: 3 * sendMs, ResultBlocks: 2})
		}
		r.Queries = []queryRun{
			{Kind: kindStatus, Concurrency: 1, PerS: 1000, P50Ms: 1},
			{Kind: kindContract, Concurrency: 1, PerS: 10 * float64(i+1), P50Ms: 100},
		}
		r.summarize()
		if r.Figures.RatioTotalToSend != 4 || r.Figures.RatioOnChainToSend != 3 {
			t.Fatalf("round %d ratios %+v", i+1, r.Figures)
		}
		rep.Rounds = append(rep.Rounds, r)
	}
	rep.summarize()
	s := rep.Summary
	if s.SendInclusion.P50 != 2000 || s.CommandTotal.P50 != 8000 || s.ResultBlocksP50 != 2 {
		t.Fatalf("summary %+v", s)
	}
	if len(s.Queries) != 1 || s.Queries[0].ContractPerS != 20 || s.Queries[0].RatioP50 != 100 || s.Queries[0].RatioRate != 50 {
		t.Fatalf("query summary %+v", s.Queries)
	}
}

func TestBlocksHistogram(t *testing.T) {
	if got := blocksHistogram([]int64{3, 2, 2}); got != "2 blocks: 2, 3 blocks: 1" {
		t.Fatalf("%q", got)
	}
}
