package election

import (
	"cmp"
	"errors"
)

// ErrCorruptInput is returned for input the algorithms cannot work on,
// such as duplicate voters given to Reduce.
var ErrCorruptInput = errors.New("election: corrupt input")

// Voter is a voter (a nominator in staking): its stake and the targets
// (candidates) it approves, in its order of preference. Targets that are not
// candidates and repeated targets are ignored.
type Voter[ID cmp.Ordered] struct {
	ID      ID
	Stake   uint64
	Targets []ID
}

// BalancingConfig asks for star balancing after an election: at most
// Iterations rounds over all voters, stopping early once no voter's spread
// exceeds Tolerance.
type BalancingConfig struct {
	Iterations int
	Tolerance  Uint128
}

// Winner is an elected candidate, its final backing and the round it won.
type Winner[ID cmp.Ordered] struct {
	ID          ID
	BackedStake Uint128
	Round       int
}

// Share is the part of a voter's stake given to one target, in parts of the
// election's accuracy.
type Share[ID cmp.Ordered] struct {
	Target ID
	Parts  uint64
}

// Assignment is how a voter's stake is spread over the winners it backs.
// Its parts sum to exactly one whole of the accuracy.
type Assignment[ID cmp.Ordered] struct {
	Voter        ID
	Distribution []Share[ID]
}

// Result is the outcome of an election: winners in election order and one
// assignment per voter that backs any winner.
type Result[ID cmp.Ordered] struct {
	Winners     []Winner[ID]
	Assignments []Assignment[ID]
}
