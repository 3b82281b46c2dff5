package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"

	"cosmossdk.io/collections"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

var _ types.QueryServer = Querier{}

// Querier serves the module's gRPC queries.
type Querier struct{ k Keeper }

// NewQuerier returns the query server.
func NewQuerier(k Keeper) Querier { return Querier{k: k} }

// Params returns the attestation policy.
func (q Querier) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: params}, nil
}

// Worker returns one worker by its identity key.
func (q Querier) Worker(ctx context.Context, req *types.QueryWorkerRequest) (*types.QueryWorkerResponse, error) {
	key, err := hex.DecodeString(req.GetIdentityPubkey())
	if err != nil || len(key) != types.PubkeySize {
		return nil, status.Errorf(codes.InvalidArgument, "identity_pubkey %q is not %d bytes of hex", req.GetIdentityPubkey(), types.PubkeySize)
	}
	w, err := q.k.Workers.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no worker with identity key %s", req.GetIdentityPubkey())
	}
	if err != nil {
		return nil, err
	}
	inService, err := q.k.InService(ctx, w)
	if err != nil {
		return nil, err
	}
	return &types.QueryWorkerResponse{Worker: w, InService: inService}, nil
}

// Workers lists the workers, ordered by identity key.
func (q Querier) Workers(ctx context.Context, req *types.QueryWorkersRequest) (*types.QueryWorkersResponse, error) {
	workers, page, err := query.CollectionPaginate(ctx, q.k.Workers, req.GetPagination(),
		func(_ []byte, w types.Worker) (types.Worker, error) { return w, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryWorkersResponse{Workers: workers, Pagination: page}, nil
}

// Collateral returns the collateral stored for an FMSPC.
func (q Querier) Collateral(ctx context.Context, req *types.QueryCollateralRequest) (*types.QueryCollateralResponse, error) {
	fmspc := strings.ToLower(req.GetFmspc())
	if b, err := hex.DecodeString(fmspc); err != nil || len(b) != 6 {
		return nil, status.Errorf(codes.InvalidArgument, "fmspc %q is not 6 bytes of hex", req.GetFmspc())
	}
	rec, err := q.k.Collateral.Get(ctx, fmspc)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no collateral stored for FMSPC %s", fmspc)
	}
	if err != nil {
		return nil, err
	}
	return &types.QueryCollateralResponse{Collateral: rec}, nil
}

// ReportData returns the report data a registration must carry.
func (q Querier) ReportData(ctx context.Context, req *types.QueryReportDataRequest) (*types.QueryReportDataResponse, error) {
	operator, err := sdk.AccAddressFromBech32(req.GetOperator())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "operator: %v", err)
	}
	identity, err1 := hex.DecodeString(req.GetIdentityPubkey())
	ecdh, err2 := hex.DecodeString(req.GetEcdhPubkey())
	if err1 != nil || err2 != nil || len(identity) != types.PubkeySize || len(ecdh) != types.PubkeySize {
		return nil, status.Errorf(codes.InvalidArgument, "identity_pubkey and ecdh_pubkey must be %d bytes of hex each", types.PubkeySize)
	}
	data, err := q.k.expectedReportData(ctx, operator, identity, ecdh)
	if err != nil {
		return nil, err
	}
	genesisHash, err := q.k.GenesisHash.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryReportDataResponse{
		ReportData:  hex.EncodeToString(data[:]),
		ChainId:     sdk.UnwrapSDKContext(ctx).ChainID(),
		GenesisHash: hex.EncodeToString(genesisHash),
	}, nil
}

// Gatekeepers lists the gatekeepers' worker records.
func (q Querier) Gatekeepers(ctx context.Context, _ *types.QueryGatekeepersRequest) (*types.QueryGatekeepersResponse, error) {
	out := &types.QueryGatekeepersResponse{}
	err := q.k.Gatekeepers.Walk(ctx, nil, func(key []byte) (bool, error) {
		w, err := q.k.Workers.Get(ctx, key)
		if err != nil {
			return true, err
		}
		out.Gatekeepers = append(out.Gatekeepers, w)
		return false, nil
	})
	return out, err
}

// Unbondings lists an operator's unbonding worker stake, in release order.
func (q Querier) Unbondings(ctx context.Context, req *types.QueryUnbondingsRequest) (*types.QueryUnbondingsResponse, error) {
	if _, err := sdk.AccAddressFromBech32(req.GetOperator()); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "operator: %v", err)
	}
	out := &types.QueryUnbondingsResponse{}
	err := q.k.Unbondings.Walk(ctx, nil, func(_ collections.Pair[int64, uint64], u types.WorkerUnbonding) (bool, error) {
		if u.Operator == req.Operator {
			out.Unbondings = append(out.Unbondings, u)
		}
		return false, nil
	})
	return out, err
}

// MasterKey returns the published master public key.
func (q Querier) MasterKey(ctx context.Context, _ *types.QueryMasterKeyRequest) (*types.QueryMasterKeyResponse, error) {
	mk, err := q.k.MasterKey.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Error(codes.NotFound, "no master key is published yet: the first gatekeeper publishes it")
	}
	if err != nil {
		return nil, err
	}
	res := &types.QueryMasterKeyResponse{MasterKey: mk}
	if err := q.k.MasterKeyHistory.Walk(ctx, nil, func(_ uint32, old types.MasterKey) (bool, error) {
		res.History = append(res.History, old)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if r, err := q.k.Rotation.Get(ctx); err == nil {
		res.Rotation = &r
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	return res, nil
}

// WorkerStatus returns a worker's heartbeat and reward record, its open
// challenge and whether it is in service.
func (q Querier) WorkerStatus(ctx context.Context, req *types.QueryWorkerStatusRequest) (*types.QueryWorkerStatusResponse, error) {
	res, err := q.Worker(ctx, &types.QueryWorkerRequest{IdentityPubkey: req.GetIdentityPubkey()})
	if err != nil {
		return nil, err
	}
	id := res.Worker.IdentityPubkey
	st, err := q.k.stats(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := q.k.pendingChallenge(ctx, id)
	if err != nil {
		return nil, err
	}
	return &types.QueryWorkerStatusResponse{Stats: st, Challenge: c, InService: res.InService, Bond: res.Worker.Bond}, nil
}

// Beacon returns the newest gatekeeper randomness.
func (q Querier) Beacon(ctx context.Context, _ *types.QueryBeaconRequest) (*types.QueryBeaconResponse, error) {
	b, err := q.k.Beacon.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return &types.QueryBeaconResponse{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &types.QueryBeaconResponse{Beacon: &b}, nil
}
