package election

import "cmp"

// candidate is a candidate during an election.
type candidate struct {
	score    rational
	approval Uint128 // sum of the stakes of the voters approving it
	backed   Uint128 // stake assigned to it
	elected  bool
	round    int
}

// edge is a vote from a voter to a candidate.
type edge struct {
	cand   int // index into the candidates
	load   rational
	weight Uint128
	// term is the voter's current contribution to the candidate's
	// seq-Phragmén score, kept so the score can be updated incrementally.
	term Uint128
}

// voter is a voter during an election.
type voter struct {
	input  int // index into the input voters
	edges  []edge
	budget Uint128
	load   rational
}

// election holds the working state of one election.
type election struct {
	candidates []candidate
	voters     []voter
}

// setupInputs indexes the candidates and turns every voter's targets into
// edges, dropping targets that are not candidates and repeated targets, and
// dropping voters left with no edge (sp-npos-elections' setup_inputs).
func setupInputs[ID cmp.Ordered](candidates []ID, voters []Voter[ID]) *election {
	index := make(map[ID]int, len(candidates))
	for i, c := range candidates {
		index[c] = i // a repeated candidate resolves to its last position
	}
	e := &election{candidates: make([]candidate, len(candidates))}
	for vi, v := range voters {
		budget := U128(v.Stake)
		var edges []edge
		for _, t := range v.Targets {
			ci, ok := index[t]
			if !ok || hasEdge(edges, ci) {
				continue
			}
			e.candidates[ci].approval = e.candidates[ci].approval.SaturatingAdd(budget)
			edges = append(edges, edge{cand: ci, load: rationalZero})
		}
		if len(edges) > 0 {
			e.voters = append(e.voters, voter{input: vi, edges: edges, budget: budget, load: rationalZero})
		}
	}
	return e
}

func hasEdge(edges []edge, cand int) bool {
	for _, e := range edges {
		if e.cand == cand {
			return true
		}
	}
	return false
}

// normalizeElected makes the weights of the voter's edges to elected
// candidates sum to its budget, moving the candidates' backing along.
func (e *election) normalizeElected(v *voter) error {
	var weights []Uint128
	for _, ed := range v.edges {
		if e.candidates[ed.cand].elected {
			weights = append(weights, ed.weight)
		}
	}
	normalized, err := Normalize(weights, v.budget)
	if err != nil {
		return err
	}
	i := 0
	for k := range v.edges {
		ed := &v.edges[k]
		c := &e.candidates[ed.cand]
		if !c.elected {
			continue
		}
		c.backed = c.backed.SaturatingSub(ed.weight)
		ed.weight = normalized[i]
		c.backed = c.backed.SaturatingAdd(ed.weight)
		i++
	}
	return nil
}

// result turns the election state into winners (ordered by the round they
// won) and normalized assignments at the given accuracy.
func result[ID cmp.Ordered](e *election, candidates []ID, voters []Voter[ID], winners []int, acc Accuracy) (Result[ID], error) {
	var res Result[ID]
	for _, ci := range winners {
		c := e.candidates[ci]
		res.Winners = append(res.Winners, Winner[ID]{ID: candidates[ci], BackedStake: c.backed, Round: c.round})
	}
	for _, v := range e.voters {
		var dist []Share[ID]
		for _, ed := range v.edges {
			parts := acc.FromRational(ed.weight, v.budget)
			if parts == 0 {
				continue
			}
			dist = append(dist, Share[ID]{Target: candidates[ed.cand], Parts: parts})
		}
		if len(dist) == 0 {
			continue
		}
		if err := normalizeShares(dist, acc); err != nil {
			return Result[ID]{}, err
		}
		res.Assignments = append(res.Assignments, Assignment[ID]{Voter: voters[v.input].ID, Distribution: dist})
	}
	return res, nil
}

// normalizeShares makes the parts sum to exactly one whole.
func normalizeShares[ID cmp.Ordered](dist []Share[ID], acc Accuracy) error {
	parts := make([]Uint128, len(dist))
	for i, s := range dist {
		parts[i] = U128(s.Parts)
	}
	normalized, err := Normalize(parts, U128(acc.one))
	if err != nil {
		return err
	}
	for i := range dist {
		dist[i].Parts = normalized[i].Lo
	}
	return nil
}
