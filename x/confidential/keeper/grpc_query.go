package keeper

import (
	"context"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

var _ types.QueryServer = Querier{}

// Querier serves the module's gRPC queries.
type Querier struct{ k Keeper }

// NewQuerier returns the query server.
func NewQuerier(k Keeper) Querier { return Querier{k: k} }

// Params returns the contract limits.
func (q Querier) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: params}, nil
}
