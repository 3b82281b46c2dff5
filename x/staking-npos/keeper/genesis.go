package keeper

import (
	"context"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// InitGenesis loads bonds, candidates and nominations, checks that the
// bonded pool holds exactly the bonds, opens era 0 with an election and
// returns the initial CometBFT validator set.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) ([]abci.ValidatorUpdate, error) {
	if err := gs.Validate(); err != nil {
		return nil, err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return nil, err
	}
	if err := k.TotalActive.Set(ctx, math.ZeroInt()); err != nil {
		return nil, err
	}
	pool := k.accountKeeper.GetModuleAccount(ctx, types.BondedPoolName) // creates it if missing
	k.accountKeeper.GetModuleAccount(ctx, types.RewardPoolName)
	bonded := math.ZeroInt()
	for _, l := range gs.Ledgers {
		stash, err := k.accountAddrCdc.StringToBytes(l.Stash)
		if err != nil {
			return nil, err
		}
		if err := k.setLedger(ctx, stash, l); err != nil {
			return nil, err
		}
		bonded = bonded.Add(l.Total)
	}
	held := k.bankKeeper.GetBalance(ctx, pool.GetAddress(), gs.Params.BondDenom).Amount
	if !held.Equal(bonded) {
		return nil, fmt.Errorf("%w: module account %s (%s) holds %s%s, the ledgers bond %s%s",
			types.ErrBondedPoolMismatch, types.BondedPoolName, pool.GetAddress(), held, gs.Params.BondDenom, bonded, gs.Params.BondDenom)
	}
	for _, v := range gs.Validators {
		if err := k.setValidator(ctx, v); err != nil {
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
	for _, n := range gs.Nominators {
		addr, err := k.accountAddrCdc.StringToBytes(n.Address)
		if err != nil {
			return nil, err
		}
		if err := k.Nominators.Set(ctx, addr, types.Nominations{Targets: n.Targets}); err != nil {
			return nil, err
		}
	}
	if err := k.openEra(ctx, gs.Params, 0, sdk.UnwrapSDKContext(ctx).BlockHeight()); err != nil {
		return nil, err
	}
	if err := k.ActiveSetStale.Set(ctx, false); err != nil {
		return nil, err
	}
	return k.recomputeActiveSet(ctx)
}

// ExportGenesis exports bonds, candidates and nominations. Era history
// (exposures, points, unclaimed rewards) is not exported: a chain started
// from the export opens era 0 with a new election.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Ledgers.Walk(ctx, nil, func(_ sdk.AccAddress, l types.Ledger) (bool, error) {
		gs.Ledgers = append(gs.Ledgers, l)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Validators.Walk(ctx, nil, func(_ sdk.ValAddress, v types.Validator) (bool, error) {
		gs.Validators = append(gs.Validators, v)
		return false, nil
	}); err != nil {
		return nil, err
	}
	err = k.Nominators.Walk(ctx, nil, func(addr sdk.AccAddress, n types.Nominations) (bool, error) {
		gs.Nominators = append(gs.Nominators, types.GenesisNominator{Address: addr.String(), Targets: n.Targets})
		return false, nil
	})
	return gs, err
}
