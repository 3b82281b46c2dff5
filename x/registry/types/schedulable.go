package types

import "cosmossdk.io/math"

// Schedulable is a worker work may be given to (Keeper.Schedulable).
type Schedulable struct {
	Identity   []byte
	ECDHPubkey []byte
	Operator   string
	// Weight is bond × performance score, positive.
	Weight math.Int
}
