package keeper

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

var _ types.QueryServer = Querier{}

// Querier serves the module's gRPC queries.
type Querier struct{ k *Keeper }

// NewQuerier returns the query server.
func NewQuerier(k *Keeper) Querier { return Querier{k: k} }

// Params returns the module parameters.
func (q Querier) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: params}, nil
}

// Validators lists candidates with their status, optionally only one status.
func (q Querier) Validators(ctx context.Context, req *types.QueryValidatorsRequest) (*types.QueryValidatorsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if _, known := types.ValidatorStatus_name[int32(req.Status)]; !known {
		return nil, status.Errorf(codes.InvalidArgument, "unknown validator status %d", req.Status)
	}
	infos, page, err := query.CollectionFilteredPaginate(ctx, q.k.Validators, req.Pagination,
		func(_ sdk.ValAddress, v types.Validator) (bool, error) {
			if req.Status == types.VALIDATOR_STATUS_UNSPECIFIED {
				return true, nil
			}
			st, _, err := q.k.Status(ctx, v)
			return st == req.Status, err
		},
		func(_ sdk.ValAddress, v types.Validator) (types.ValidatorInfo, error) {
			st, power, err := q.k.Status(ctx, v)
			return types.ValidatorInfo{Validator: v, Status: st, Power: power}, err
		},
	)
	if err != nil {
		return nil, err
	}
	return &types.QueryValidatorsResponse{Validators: infos, Pagination: page}, nil
}

// Validator returns one candidate with its status.
func (q Querier) Validator(ctx context.Context, req *types.QueryValidatorRequest) (*types.QueryValidatorResponse, error) {
	if req == nil || req.OperatorAddress == "" {
		return nil, status.Error(codes.InvalidArgument, "operator address is required")
	}
	addr, err := q.k.validatorAddrCdc.StringToBytes(req.OperatorAddress)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "operator address %q: %v", req.OperatorAddress, err)
	}
	v, err := q.k.GetValidator(ctx, addr)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	st, power, err := q.k.Status(ctx, v)
	if err != nil {
		return nil, err
	}
	return &types.QueryValidatorResponse{Validator: types.ValidatorInfo{Validator: v, Status: st, Power: power}}, nil
}
