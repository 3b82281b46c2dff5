package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

var _ types.MsgServer = msgServer{}

type msgServer struct{ k Keeper }

// NewMsgServerImpl returns the module's transaction service.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k: k} }

// UpdateParams replaces the contract limits; only the authority may.
func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidSigner, "expected %s, got %s", m.k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidParams, err.Error())
	}
	if err := m.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}

// StoreCode uploads a contract code.
func (m msgServer) StoreCode(ctx context.Context, msg *types.MsgStoreCode) (*types.MsgStoreCodeResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	code, err := m.k.StoreCode(ctx, msg.Sender, msg.WasmByteCode)
	if err != nil {
		return nil, err
	}
	return &types.MsgStoreCodeResponse{CodeId: code.CodeId, CodeHash: code.CodeHash}, nil
}

// Instantiate creates a contract and schedules it on workers.
func (m msgServer) Instantiate(ctx context.Context, msg *types.MsgInstantiate) (*types.MsgInstantiateResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	addr, err := m.k.Instantiate(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgInstantiateResponse{Address: addr.String()}, nil
}

// Execute queues a sealed command for a contract.
func (m msgServer) Execute(ctx context.Context, msg *types.MsgExecute) (*types.MsgExecuteResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	seq, err := m.k.Execute(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgExecuteResponse{Sequence: seq}, nil
}
