package keeper

import (
	"context"

	abci "github.com/cometbft/cometbft/abci/types"
)

// RecomputeActiveSet exposes the full recomputation to benchmarks.
func (k Keeper) RecomputeActiveSet(ctx context.Context) ([]abci.ValidatorUpdate, error) {
	return k.recomputeActiveSet(ctx)
}
