package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

var _ types.MsgServer = msgServer{}

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the module's transaction service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

// UpdateParams replaces the parameters; only the authority may.
func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidSigner, "expected %s, got %s", m.k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidParams, err.Error())
	}
	current, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if msg.Params.BondDenom != current.BondDenom {
		return nil, errorsmod.Wrapf(types.ErrInvalidParams, "bond_denom cannot change (from %s to %s): the bonded pool holds %s",
			current.BondDenom, msg.Params.BondDenom, current.BondDenom)
	}
	if err := m.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	// validator_count or min_validator_bond may change who is active.
	if err := m.k.ActiveSetStale.Set(ctx, true); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
