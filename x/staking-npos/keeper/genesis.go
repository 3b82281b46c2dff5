package keeper

import (
	"context"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// InitGenesis loads params and candidates, checks that the bonded pool holds
// exactly their bonds, and returns the initial CometBFT validator set.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) ([]abci.ValidatorUpdate, error) {
	if err := gs.Validate(); err != nil {
		return nil, err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return nil, err
	}
	pool := k.accountKeeper.GetModuleAccount(ctx, types.BondedPoolName) // creates it if missing
	for _, v := range gs.Validators {
		if err := k.SetValidator(ctx, v); err != nil {
			return nil, err
		}
		if k.hooks != nil {
			valAddr, err := k.validatorAddrCdc.StringToBytes(v.OperatorAddress)
			if err != nil {
				return nil, err
			}
			if err := k.hooks.AfterValidatorCreated(ctx, valAddr); err != nil {
				return nil, err
			}
		}
	}
	bonded, err := k.TotalBonded(ctx)
	if err != nil {
		return nil, err
	}
	held := k.bankKeeper.GetBalance(ctx, pool.GetAddress(), gs.Params.BondDenom).Amount
	if !held.Equal(bonded) {
		return nil, fmt.Errorf("%w: module account %s (%s) holds %s%s, validators bond %s%s",
			types.ErrBondedPoolMismatch, types.BondedPoolName, pool.GetAddress(), held, gs.Params.BondDenom, bonded, gs.Params.BondDenom)
	}
	if err := k.ActiveSetStale.Set(ctx, false); err != nil {
		return nil, err
	}
	return k.recomputeActiveSet(ctx)
}

// ExportGenesis returns params and every candidate. The active set is not
// exported: it is recomputed from the candidates when the genesis is loaded.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	err = k.Validators.Walk(ctx, nil, func(_ sdk.ValAddress, v types.Validator) (bool, error) {
		gs.Validators = append(gs.Validators, v)
		return false, nil
	})
	return gs, err
}
