package election

import "math"

// A naive floating-point sequential Phragmén and star balancing, as the
// reference implementations in Substrate's mock.rs and w3f's npos.py. The
// vectors check the float references' published results with it, and the
// benchmarks use it as the baseline beside the exact integer version.

type floatVoter struct {
	id      string
	stake   float64
	targets []string
}

type floatEdge struct {
	cand   int
	load   float64
	weight float64
}

type floatElection struct {
	ids      []string
	approval []float64
	backed   []float64
	elected  []bool
	score    []float64
	voters   []struct {
		id    string
		stake float64
		load  float64
		edges []floatEdge
	}
}

func newFloatElection(candidates []string, voters []floatVoter) *floatElection {
	e := &floatElection{ids: candidates}
	n := len(candidates)
	e.approval, e.backed, e.score = make([]float64, n), make([]float64, n), make([]float64, n)
	e.elected = make([]bool, n)
	index := map[string]int{}
	for i, c := range candidates {
		index[c] = i
	}
	for _, v := range voters {
		var edges []floatEdge
		seen := map[int]bool{}
		for _, t := range v.targets {
			ci, ok := index[t]
			if !ok || seen[ci] {
				continue
			}
			seen[ci] = true
			e.approval[ci] += v.stake
			edges = append(edges, floatEdge{cand: ci})
		}
		if len(edges) > 0 {
			e.voters = append(e.voters, struct {
				id    string
				stake float64
				load  float64
				edges []floatEdge
			}{id: v.id, stake: v.stake, edges: edges})
		}
	}
	return e
}

// seqPhragmen elects toElect candidates and returns them in election order
// with the score each was elected at; then sets edge weights and backings.
func (e *floatElection) seqPhragmen(toElect int) (winners []int, scores []float64) {
	for round := 0; round < min(toElect, len(e.ids)); round++ {
		for c := range e.ids {
			if !e.elected[c] {
				e.score[c] = math.Inf(1)
				if e.approval[c] > 0 {
					e.score[c] = 1 / e.approval[c]
				}
			}
		}
		for _, v := range e.voters {
			for _, ed := range v.edges {
				if !e.elected[ed.cand] && e.approval[ed.cand] > 0 {
					e.score[ed.cand] += v.load * v.stake / e.approval[ed.cand]
				}
			}
		}
		best := -1
		for c := range e.ids {
			if !e.elected[c] && (best < 0 || e.score[c] < e.score[best]) {
				best = c
			}
		}
		if best < 0 {
			break
		}
		e.elected[best] = true
		winners, scores = append(winners, best), append(scores, e.score[best])
		for vi := range e.voters {
			v := &e.voters[vi]
			for k := range v.edges {
				if v.edges[k].cand == best {
					v.edges[k].load = e.score[best] - v.load
					v.load = e.score[best]
				}
			}
		}
	}
	for vi := range e.voters {
		v := &e.voters[vi]
		for k := range v.edges {
			ed := &v.edges[k]
			ed.weight = 0
			if e.elected[ed.cand] && v.load > 0 {
				ed.weight = v.stake * ed.load / v.load
			}
			e.backed[ed.cand] += ed.weight
		}
	}
	return winners, scores
}

// ratio is the share of its stake voter vi gives candidate c.
func (e *floatElection) ratio(vi, c int) (float64, bool) {
	v := e.voters[vi]
	for _, ed := range v.edges {
		if ed.cand == c && ed.weight > 0 {
			return ed.weight / v.stake, true
		}
	}
	return 0, false
}

// balance is float star balancing: iterations rounds over all voters.
func (e *floatElection) balance(iterations int, tolerance float64) {
	for it := 0; it < iterations; it++ {
		maxDiff := 0.0
		for vi := range e.voters {
			maxDiff = math.Max(maxDiff, e.balanceVoter(vi, tolerance))
		}
		if maxDiff <= tolerance {
			return
		}
	}
}

func (e *floatElection) balanceVoter(vi int, tolerance float64) float64 {
	v := &e.voters[vi]
	var elected []*floatEdge
	for k := range v.edges {
		if e.elected[v.edges[k].cand] {
			elected = append(elected, &v.edges[k])
		}
	}
	if len(elected) <= 1 {
		return 0
	}
	used, minB, maxB := 0.0, math.Inf(1), math.Inf(-1)
	for _, ed := range elected {
		used += ed.weight
		minB = math.Min(minB, e.backed[ed.cand])
		if ed.weight > 0 {
			maxB = math.Max(maxB, e.backed[ed.cand])
		}
	}
	diff := v.stake
	if !math.IsInf(maxB, -1) {
		diff = maxB - minB + v.stake - used
		if diff < tolerance {
			return diff
		}
	}
	for _, ed := range elected {
		e.backed[ed.cand] -= ed.weight
		ed.weight = 0
	}
	// Sort by backing (insertion sort keeps it stable and short).
	for i := 1; i < len(elected); i++ {
		for j := i; j > 0 && e.backed[elected[j].cand] < e.backed[elected[j-1].cand]; j-- {
			elected[j], elected[j-1] = elected[j-1], elected[j]
		}
	}
	cumulative, last := 0.0, len(elected)-1
	for i, ed := range elected {
		b := e.backed[ed.cand]
		if b*float64(i)-cumulative > v.stake {
			last = i - 1
			break
		}
		cumulative += b
	}
	lastStake := e.backed[elected[last].cand]
	ways := float64(last + 1)
	excess := v.stake + cumulative - lastStake*ways
	for _, ed := range elected[:last+1] {
		ed.weight = excess/ways + lastStake - e.backed[ed.cand]
		e.backed[ed.cand] += ed.weight
	}
	return diff
}
