package election

import (
	"cmp"
	"fmt"
)

// Reduce removes redundant edges from staked assignments without changing
// any target's total support, by cancelling circulations: first cycles of
// length four, then cycles of any length, exactly as sp-npos-elections'
// reduce (so the same edges are removed). It returns the number of edges
// removed. Voters must be unique; a repeated voter is refused with
// ErrCorruptInput and the assignments are left as they were.
func Reduce[ID cmp.Ordered](assignments []StakedAssignment[ID]) (int, error) {
	seen := make(map[ID]bool, len(assignments))
	for _, a := range assignments {
		if seen[a.Voter] {
			return 0, fmt.Errorf("%w: voter %v appears twice", ErrCorruptInput, a.Voter)
		}
		seen[a.Voter] = true
	}
	n, err := reduce4(assignments)
	if err != nil {
		return n, err
	}
	return n + reduceAll(assignments), nil
}

func indexOfTarget[ID cmp.Ordered](dist []Backing[ID], target ID) int {
	for i, b := range dist {
		if b.Who == target {
			return i
		}
	}
	return -1
}

func removeAt[ID cmp.Ordered](dist []Backing[ID], i int) []Backing[ID] {
	return append(dist[:i], dist[i+1:]...)
}

// reduce4 cancels cycles of length four: two voters both backing the same
// two targets.
func reduce4[ID cmp.Ordered](as []StakedAssignment[ID]) (int, error) {
	type pair struct{ a, b ID }
	lastVoter := map[pair]ID{}
	changed := 0
	for ai := range as {
		who := as[ai].Voter
		ids := make([]ID, len(as[ai].Distribution))
		for i, b := range as[ai].Distribution {
			ids[i] = b.Who
		}
		for i := 0; i < len(ids); i++ {
			for j := i + 1; j < len(ids); j++ {
				v1, v2 := ids[i], ids[j]
				key := pair{v1, v2}
				otherWho, exists := lastVoter[key]
				if !exists {
					lastVoter[key] = who
					continue
				}
				pick := func(dist []Backing[ID]) []Backing[ID] {
					var out []Backing[ID]
					for _, b := range dist {
						if b.Who == v1 || b.Who == v2 {
							out = append(out, b)
						}
					}
					return out
				}
				whoCycle := pick(as[ai].Distribution)
				// The pair may have lost an edge earlier in this loop.
				if len(whoCycle) != 2 {
					continue
				}
				oi := -1
				for k := range as {
					if as[k].Voter == otherWho {
						oi = k
						break
					}
				}
				if oi < 0 {
					continue
				}
				otherCycle := pick(as[oi].Distribution)
				if len(otherCycle) < 2 {
					lastVoter[key] = who
					continue
				}
				if len(otherCycle) != 2 {
					continue
				}
				if otherCycle[0].Who != whoCycle[0].Who {
					otherCycle[0], otherCycle[1] = otherCycle[1], otherCycle[0]
				}
				cycle := append(append([]Backing[ID](nil), whoCycle...), otherCycle...)
				minValue, minIndex := MaxUint128, 0
				for k, b := range cycle {
					if b.Amount.Cmp(minValue) <= 0 {
						minValue, minIndex = b.Amount, k
					}
				}
				var increase, decrease []int
				decrease = append(decrease, minIndex)
				if minIndex < 2 {
					sibling := 1 - minIndex
					increase = append(increase, sibling, minIndex+2)
					decrease = append(decrease, sibling+2)
				} else {
					sibling := 3 - minIndex%2
					increase = append(increase, sibling, minIndex-2)
					decrease = append(decrease, sibling-2)
				}
				voterOf := func(k int) ID {
					if k < 2 {
						return who
					}
					return otherWho
				}
				for _, k := range increase {
					for x := range as {
						if as[x].Voter != voterOf(k) {
							continue
						}
						if idx := indexOfTarget(as[x].Distribution, cycle[k].Who); idx >= 0 {
							as[x].Distribution[idx].Amount = as[x].Distribution[idx].Amount.SaturatingAdd(minValue)
						}
					}
				}
				whoRemoved, otherRemoved := false, false
				for _, k := range decrease {
					for x := range as {
						if as[x].Voter != voterOf(k) {
							continue
						}
						idx := indexOfTarget(as[x].Distribution, cycle[k].Who)
						if idx < 0 {
							continue
						}
						next := as[x].Distribution[idx].Amount.SaturatingSub(minValue)
						if next.IsZero() {
							as[x].Distribution = removeAt(as[x].Distribution, idx)
							changed++
							if k < 2 {
								whoRemoved = true
							} else {
								otherRemoved = true
							}
						} else {
							as[x].Distribution[idx].Amount = next
						}
					}
				}
				switch {
				case !whoRemoved && otherRemoved:
					lastVoter[key] = who
				case whoRemoved && otherRemoved:
					delete(lastVoter, key)
				case !whoRemoved && !otherRemoved:
					return changed, fmt.Errorf("%w: a 4-cycle removed no edge (duplicate voter or target)", ErrCorruptInput)
				}
			}
		}
	}
	return changed, nil
}

// Node roles of the reduce forest.
const (
	roleVoter = iota
	roleTarget
)

type nodeKey[ID cmp.Ordered] struct {
	who  ID
	role int
}

// forest is the forest of rooted trees reduceAll grows one edge at a time.
type forest[ID cmp.Ordered] struct {
	keys   []nodeKey[ID]
	parent []int // -1 for a root
	index  map[nodeKey[ID]]int
}

func (f *forest[ID]) node(k nodeKey[ID]) (int, bool) {
	if i, ok := f.index[k]; ok {
		return i, true
	}
	f.keys = append(f.keys, k)
	f.parent = append(f.parent, -1)
	f.index[k] = len(f.keys) - 1
	return len(f.keys) - 1, false
}

// root returns the root of n's tree and the path from n to it (both ends
// included), stopping before a node seen twice.
func (f *forest[ID]) root(n int) (int, []int) {
	path := []int{n}
	visited := map[int]bool{n: true}
	cur := n
	for f.parent[cur] >= 0 && !visited[f.parent[cur]] {
		cur = f.parent[cur]
		path = append(path, cur)
		visited[cur] = true
	}
	return cur, path
}

// merge joins two trees by re-rooting the shorter path and hanging it below
// the start of the longer one.
func (f *forest[ID]) merge(voterPath, targetPath []int) {
	shorter, longer := voterPath, targetPath
	if len(voterPath) > len(targetPath) {
		shorter, longer = targetPath, voterPath
	}
	for i := 0; i+1 < len(shorter); i++ {
		f.parent[shorter[i+1]] = shorter[i]
	}
	f.parent[shorter[0]] = longer[0]
}

func trailingCommon(a, b []int) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// reduceAll cancels cycles of any length, adding edges to a forest and
// removing the circulation of every cycle an edge closes.
func reduceAll[ID cmp.Ordered](as []StakedAssignment[ID]) int {
	f := &forest[ID]{index: map[nodeKey[ID]]int{}}
	changed := 0
	weightOf := func(voter, target ID) (Uint128, bool) {
		for _, a := range as {
			if a.Voter == voter {
				if idx := indexOfTarget(a.Distribution, target); idx >= 0 {
					return a.Distribution[idx].Amount, true
				}
				return Uint128{}, false
			}
		}
		return Uint128{}, false
	}
	for ai := range as {
		voter := as[ai].Voter
		for dist := 0; dist < len(as[ai].Distribution); {
			target := as[ai].Distribution[dist].Who
			voterNode, voterExists := f.node(nodeKey[ID]{voter, roleVoter})
			targetNode, targetExists := f.node(nodeKey[ID]{target, roleTarget})
			switch {
			case !voterExists:
				if targetExists {
					f.parent[voterNode] = targetNode
				} else {
					f.parent[targetNode] = voterNode
				}
				dist++
				continue
			case !targetExists:
				f.parent[targetNode] = voterNode
				dist++
				continue
			}
			voterRoot, voterPath := f.root(voterNode)
			targetRoot, targetPath := f.root(targetNode)
			if voterRoot != targetRoot {
				f.merge(voterPath, targetPath)
				dist++
				continue
			}

			common := trailingCommon(voterPath, targetPath)
			// The cycle runs [target, ..., common ancestor, ..., voter].
			cycle := append([]int(nil), targetPath[:min(len(targetPath), len(targetPath)-common+1)]...)
			for i := len(voterPath) - common - 1; i >= 0; i-- {
				cycle = append(cycle, voterPath[i])
			}
			next := func(i int) int { return (i + 1) % len(cycle) }
			prev := func(i int) int { return (i + len(cycle) - 1) % len(cycle) }

			minValue := MaxUint128
			found := false
			var minVoter, minTarget ID
			var minIndex, minDirection int
			for i, n := range cycle {
				if f.keys[n].role != roleVoter {
					continue
				}
				current := f.keys[n].who
				for _, dir := range []int{1, 0} {
					other := cycle[prev(i)]
					if dir == 1 {
						other = cycle[next(i)]
					}
					if w, ok := weightOf(current, f.keys[other].who); ok && w.Less(minValue) {
						minValue, found = w, true
						minVoter, minTarget = current, f.keys[other].who
						minIndex, minDirection = i, dir
					}
				}
			}
			if !found {
				break // unreachable for valid input, as in Substrate
			}

			targetChunk := len(targetPath) - common
			minChainInVoter := minIndex+minDirection > targetChunk
			incDist := true
			startAdd := ((minIndex%2)+minDirection)%2 == 1
			type nodePair struct{ a, b int }
			var alsoRemoved []nodePair
			for i, n := range cycle {
				if f.keys[n].role != roleVoter {
					continue
				}
				for _, dir := range []int{0, 1} {
					other := cycle[prev(i)]
					add := (i%2 == 0) == startAdd
					if dir == 1 {
						other = cycle[next(i)]
						add = !add
					}
					for x := range as {
						if as[x].Voter != f.keys[n].who {
							continue
						}
						idx := indexOfTarget(as[x].Distribution, f.keys[other].who)
						if idx < 0 {
							continue
						}
						var value Uint128
						if add {
							value = as[x].Distribution[idx].Amount.SaturatingAdd(minValue)
						} else {
							value = as[x].Distribution[idx].Amount.SaturatingSub(minValue)
						}
						if !value.IsZero() {
							as[x].Distribution[idx].Amount = value
							continue
						}
						if x == ai {
							incDist = false
						}
						as[x].Distribution = removeAt(as[x].Distribution, idx)
						changed++
						if !(i == minIndex && minDirection == dir) {
							alsoRemoved = append(alsoRemoved, nodePair{n, other})
						}
					}
				}
			}

			if !(minIndex == len(cycle)-1 && minDirection == 1) {
				onMinEdge := func(who ID) bool { return who == minVoter || who == minTarget }
				path, from, to := targetPath, targetNode, voterNode
				if minChainInVoter {
					path, from, to = voterPath, voterNode, targetNode
				}
				for i := 0; i+1 < len(path); i++ {
					if onMinEdge(f.keys[path[i]].who) && onMinEdge(f.keys[path[i+1]].who) {
						break
					}
					f.parent[path[i+1]] = path[i]
				}
				f.parent[from] = to
			}
			for _, p := range alsoRemoved {
				switch {
				case f.parent[p.a] == p.b:
					f.parent[p.a] = -1
				case f.parent[p.b] == p.a:
					f.parent[p.b] = -1
				}
			}
			if incDist {
				dist++
			}
		}
	}
	return changed
}
