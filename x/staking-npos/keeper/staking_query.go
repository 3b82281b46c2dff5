package keeper

import (
	"context"

	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

// StakingQuerier serves cosmos.staking.v1beta1.Query/Params, which IBC
// relayers ask for the unbonding period when they create a light client of
// this chain. The other x/staking queries have no NPoS meaning and answer
// Unimplemented.
type StakingQuerier struct {
	stakingtypes.UnimplementedQueryServer
	k *Keeper
}

// NewStakingQuerier returns the compatibility query server.
func NewStakingQuerier(k *Keeper) *StakingQuerier { return &StakingQuerier{k: k} }

// Params returns x/staking-shaped parameters with the NPoS unbonding time.
func (q *StakingQuerier) Params(ctx context.Context, _ *stakingtypes.QueryParamsRequest) (*stakingtypes.QueryParamsResponse, error) {
	params, err := q.k.GetParams(ctx)
	if err != nil {
		return nil, err
	}
	return &stakingtypes.QueryParamsResponse{Params: params}, nil
}
