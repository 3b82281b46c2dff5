package keeper

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

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

func (q Querier) info(ctx context.Context, addr sdk.ValAddress, v types.Validator) (types.ValidatorInfo, error) {
	st, power, err := q.k.Status(ctx, v)
	if err != nil {
		return types.ValidatorInfo{}, err
	}
	bond, err := q.k.ActiveBond(ctx, stashOf(addr))
	return types.ValidatorInfo{Validator: v, Status: st, SelfBond: bond, Power: power}, err
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
		func(addr sdk.ValAddress, v types.Validator) (types.ValidatorInfo, error) { return q.info(ctx, addr, v) },
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
	info, err := q.info(ctx, addr, v)
	if err != nil {
		return nil, err
	}
	return &types.QueryValidatorResponse{Validator: info}, nil
}

func (q Querier) account(addr string) (sdk.AccAddress, error) {
	if addr == "" {
		return nil, status.Error(codes.InvalidArgument, "address is required")
	}
	a, err := q.k.accountAddrCdc.StringToBytes(addr)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "address %q: %v", addr, err)
	}
	return a, nil
}

// Ledger returns an account's bond.
func (q Querier) Ledger(ctx context.Context, req *types.QueryLedgerRequest) (*types.QueryLedgerResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, err := q.account(req.Address)
	if err != nil {
		return nil, err
	}
	l, err := q.k.GetLedger(ctx, addr)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QueryLedgerResponse{Ledger: l}, nil
}

func (q Querier) nominatorInfo(ctx context.Context, addr sdk.AccAddress, n types.Nominations) (types.NominatorInfo, error) {
	bond, err := q.k.ActiveBond(ctx, addr)
	return types.NominatorInfo{Address: addr.String(), Nominations: n, Active: bond}, err
}

// Nominators lists nominators.
func (q Querier) Nominators(ctx context.Context, req *types.QueryNominatorsRequest) (*types.QueryNominatorsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	infos, page, err := query.CollectionPaginate(ctx, q.k.Nominators, req.Pagination,
		func(addr sdk.AccAddress, n types.Nominations) (types.NominatorInfo, error) {
			return q.nominatorInfo(ctx, addr, n)
		})
	if err != nil {
		return nil, err
	}
	return &types.QueryNominatorsResponse{Nominators: infos, Pagination: page}, nil
}

// Nominator returns one nominator.
func (q Querier) Nominator(ctx context.Context, req *types.QueryNominatorRequest) (*types.QueryNominatorResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, err := q.account(req.Address)
	if err != nil {
		return nil, err
	}
	n, err := q.k.Nominators.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "%s does not nominate", req.Address)
	}
	if err != nil {
		return nil, err
	}
	info, err := q.nominatorInfo(ctx, addr, n)
	if err != nil {
		return nil, err
	}
	return &types.QueryNominatorResponse{Nominator: info}, nil
}

// CurrentEra returns the era in progress and when the next one starts.
func (q Querier) CurrentEra(ctx context.Context, _ *types.QueryCurrentEraRequest) (*types.QueryCurrentEraResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	era, err := q.k.currentEra(ctx)
	if err != nil {
		return nil, err
	}
	info, err := q.k.Eras.Get(ctx, era)
	if err != nil {
		return nil, err
	}
	return &types.QueryCurrentEraResponse{Era: info, NextEraHeight: NextEraHeight(info, p)}, nil
}

// Exposure returns a validator's exposure in an era and one page of nominators.
func (q Querier) Exposure(ctx context.Context, req *types.QueryExposureRequest) (*types.QueryExposureResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, err := q.k.validatorAddrCdc.StringToBytes(req.OperatorAddress)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "operator address %q: %v", req.OperatorAddress, err)
	}
	o, err := q.k.exposure(ctx, req.Era, addr)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	if req.Page >= o.PageCount {
		return nil, status.Errorf(codes.InvalidArgument, "page %d of %d", req.Page, o.PageCount)
	}
	page, err := q.k.ExposurePages.Get(ctx, pageKey(req.Era, addr, req.Page))
	if err != nil {
		return nil, err
	}
	return &types.QueryExposureResponse{Overview: o, Page: page}, nil
}

// EraRewards returns an era's payout and its reward points.
func (q Querier) EraRewards(ctx context.Context, req *types.QueryEraRewardsRequest) (*types.QueryEraRewardsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	resp := &types.QueryEraRewardsResponse{}
	rewards, err := q.k.EraRewards.Get(ctx, req.Era)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		current, err := q.k.currentEra(ctx)
		if err != nil {
			return nil, err
		}
		if req.Era != current {
			return nil, status.Errorf(codes.NotFound, "no rewards are kept for era %d", req.Era)
		}
		resp.Rewards = types.EraRewards{Payout: math.ZeroInt()} // in progress: points so far
	case err != nil:
		return nil, err
	default:
		resp.Rewards = rewards
	}
	err = q.k.RewardPoints.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.ValAddress](req.Era),
		func(key collections.Pair[uint64, sdk.ValAddress], points uint64) (bool, error) {
			resp.Points = append(resp.Points, types.ValidatorPoints{OperatorAddress: key.K2().String(), Points: points})
			return false, nil
		})
	return resp, err
}

// ElectionPreview runs the next election read-only.
func (q Querier) ElectionPreview(ctx context.Context, _ *types.QueryElectionPreviewRequest) (*types.QueryElectionPreviewResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	out, err := q.k.elect(ctx, p)
	if err != nil {
		return nil, err
	}
	resp := &types.QueryElectionPreviewResponse{Voters: uint32(len(out.snapshot.voters)), Candidates: uint32(len(out.snapshot.candidates))}
	for _, w := range out.winners {
		backed := math.NewIntFromBigInt(out.supports[w.ID].Total.Big()).Mul(out.snapshot.scale)
		resp.Winners = append(resp.Winners, types.ElectedValidator{OperatorAddress: w.ID, BackedStake: backed, Round: uint32(w.Round)})
	}
	return resp, nil
}
