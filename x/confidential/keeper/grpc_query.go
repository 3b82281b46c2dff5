package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
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

// Code returns one code's metadata.
func (q Querier) Code(ctx context.Context, req *types.QueryCodeRequest) (*types.QueryCodeResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	code, err := q.k.Codes.Get(ctx, req.CodeId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "code %d: %v", req.CodeId, types.ErrCodeNotFound)
	} else if err != nil {
		return nil, err
	}
	return &types.QueryCodeResponse{Code: code}, nil
}

// Codes lists codes in id order.
func (q Querier) Codes(ctx context.Context, req *types.QueryCodesRequest) (*types.QueryCodesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.Codes, req.Pagination,
		func(_ uint64, c types.Code) (types.Code, error) { return c, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryCodesResponse{Codes: list, Pagination: page}, nil
}

// CodeBytes returns a code as uploaded (gzip-compressed if it was).
func (q Querier) CodeBytes(ctx context.Context, req *types.QueryCodeBytesRequest) (*types.QueryCodeBytesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	data, err := q.k.CodeBytes.Get(ctx, req.CodeId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "code %d: %v", req.CodeId, types.ErrCodeNotFound)
	} else if err != nil {
		return nil, err
	}
	return &types.QueryCodeBytesResponse{Data: data, Gzip: types.IsGzip(data)}, nil
}

// Contract returns one contract: its code, key and workers.
func (q Querier) Contract(ctx context.Context, req *types.QueryContractRequest) (*types.QueryContractResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, c, err := q.contract(ctx, req.Address)
	if err != nil {
		return nil, err
	}
	res := &types.QueryContractResponse{Contract: c}
	if head, err := q.k.Heads.Get(ctx, addr); err == nil {
		res.Head = &head
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if kr, err := q.k.KeyRequests.Get(ctx, addr); err == nil {
		res.KeyRequest = &kr
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	return res, nil
}

// contract reads the contract at a bech32 address, with gRPC errors.
func (q Querier) contract(ctx context.Context, address string) (sdk.AccAddress, types.Contract, error) {
	addr, err := sdk.AccAddressFromBech32(address)
	if err != nil {
		return nil, types.Contract{}, status.Errorf(codes.InvalidArgument, "contract address %q: %v", address, err)
	}
	c, err := q.k.Contracts.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, c, status.Errorf(codes.NotFound, "contract %s: %v", address, types.ErrContractNotFound)
	}
	return addr, c, err
}

// ContractState pages through a contract's sealed state entries in id
// order.
func (q Querier) ContractState(ctx context.Context, req *types.QueryContractStateRequest) (*types.QueryContractStateResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, _, err := q.contract(ctx, req.Address)
	if err != nil {
		return nil, err
	}
	entries, page, err := query.CollectionPaginate(ctx, q.k.State, req.Pagination,
		func(key collections.Pair[[]byte, []byte], sealed []byte) (enclaveapi.StateEntry, error) {
			return enclaveapi.StateEntry{Id: key.K2(), Sealed: sealed}, nil
		}, query.WithCollectionPaginationPairPrefix[[]byte, []byte](addr))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryContractStateResponse{Entries: entries, Pagination: page}, nil
}

// ContractWorkers lists a contract's workers with their endpoints, whether
// each is in service and whether it still awaits the contract's key.
func (q Querier) ContractWorkers(ctx context.Context, req *types.QueryContractWorkersRequest) (*types.QueryContractWorkersResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	addr, c, err := q.contract(ctx, req.Address)
	if err != nil {
		return nil, err
	}
	kr, err := q.k.KeyRequests.Get(ctx, addr)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	res := &types.QueryContractWorkersResponse{}
	for _, id := range c.Workers {
		w, in, err := q.k.registry.WorkerStatus(ctx, id)
		if err != nil && !errors.Is(err, registrytypes.ErrWorkerNotFound) {
			return nil, err
		}
		res.Workers = append(res.Workers, types.ContractWorker{
			IdentityPubkey: id, Operator: w.Operator, Endpoint: w.Endpoint, InService: in,
			AwaitingKey: c.Key == nil || slices.ContainsFunc(kr.Awaiting, func(a []byte) bool { return bytes.Equal(a, id) }),
		})
	}
	return res, nil
}

// Contracts lists contracts in address-byte order.
func (q Querier) Contracts(ctx context.Context, req *types.QueryContractsRequest) (*types.QueryContractsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.Contracts, req.Pagination,
		func(_ []byte, c types.Contract) (types.Contract, error) { return c, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryContractsResponse{Contracts: list, Pagination: page}, nil
}

// CallByTx finds the call a transaction queued: its contract and sequence,
// the call itself while it waits for its result, then the result.
func (q Querier) CallByTx(ctx context.Context, req *types.QueryCallByTxRequest) (*types.QueryCallByTxResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	hash, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(req.TxHash), "0x"))
	if err != nil || len(hash) != sha256.Size {
		return nil, status.Errorf(codes.InvalidArgument, "tx hash %q: want %d bytes in hex", req.TxHash, sha256.Size)
	}
	at, err := q.k.TxCalls.Get(ctx, hash)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "transaction %X queued no contract call (not an instantiate or execute, failed, or not included yet)", hash)
	} else if err != nil {
		return nil, err
	}
	res := &types.QueryCallByTxResponse{Contract: sdk.AccAddress(at.K1()).String(), Sequence: at.K2()}
	call, err := q.k.Calls.Get(ctx, at)
	if err == nil {
		res.Call = &call
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	result, err := q.k.Results.Get(ctx, at)
	if err == nil {
		res.Result = &result
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	return res, nil
}
