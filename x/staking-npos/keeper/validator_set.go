package keeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"cosmossdk.io/collections"

	abci "github.com/cometbft/cometbft/abci/types"

	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// electable is a candidate that may enter the active set, with its power.
type electable struct {
	addr      sdk.ValAddress
	validator types.Validator
	power     int64
}

// selectActiveSet returns the candidates that should form the validator set:
// not jailed, bonding at least the minimum and one unit of voting power, the
// validator_count largest by stake, ties broken by operator address.
func (k Keeper) selectActiveSet(ctx context.Context) ([]electable, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	reduction := k.PowerReduction(ctx)
	var candidates []electable
	err = k.Validators.Walk(ctx, nil, func(addr sdk.ValAddress, v types.Validator) (bool, error) {
		if v.Jailed || v.Stake().LT(params.MinValidatorBond) {
			return false, nil
		}
		power := sdk.TokensToConsensusPower(v.Stake(), reduction)
		if power <= 0 {
			return false, nil
		}
		candidates = append(candidates, electable{addr: addr, validator: v, power: power})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		if c := candidates[i].validator.Stake().BigInt().Cmp(candidates[j].validator.Stake().BigInt()); c != 0 {
			return c > 0
		}
		return bytes.Compare(candidates[i].addr, candidates[j].addr) < 0
	})
	if len(candidates) > int(params.ValidatorCount) {
		candidates = candidates[:params.ValidatorCount]
	}
	return candidates, nil
}

// ApplyValidatorSetChanges returns the CometBFT updates for this block: none
// when no candidate or parameter changed, otherwise those of recomputeActiveSet.
func (k Keeper) ApplyValidatorSetChanges(ctx context.Context) ([]abci.ValidatorUpdate, error) {
	stale, err := k.ActiveSetStale.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if !stale {
		return nil, nil
	}
	if err := k.ActiveSetStale.Set(ctx, false); err != nil {
		return nil, err
	}
	return k.recomputeActiveSet(ctx)
}

// recomputeActiveSet selects the active set, stores it and returns the
// CometBFT updates that turn the previous set into the new one: changed or
// new validators with their power, then removed ones with power zero, each
// group in operator-address order so every node returns the same list.
func (k Keeper) recomputeActiveSet(ctx context.Context) ([]abci.ValidatorUpdate, error) {
	next, err := k.selectActiveSet(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(next, func(i, j int) bool { return bytes.Compare(next[i].addr, next[j].addr) < 0 })

	previous := map[string]int64{}
	var previousOrder []sdk.ValAddress
	err = k.ActiveSet.Walk(ctx, nil, func(addr sdk.ValAddress, power int64) (bool, error) {
		previous[string(addr)] = power
		previousOrder = append(previousOrder, addr)
		return false, nil
	})
	if err != nil {
		return nil, err
	}

	var updates []abci.ValidatorUpdate
	kept := map[string]bool{}
	for _, e := range next {
		kept[string(e.addr)] = true
		oldPower, wasActive := previous[string(e.addr)]
		if wasActive && oldPower == e.power {
			continue
		}
		update, err := validatorUpdate(e.validator, e.power)
		if err != nil {
			return nil, err
		}
		updates = append(updates, update)
		if err := k.ActiveSet.Set(ctx, e.addr, e.power); err != nil {
			return nil, err
		}
		if !wasActive {
			if err := k.onBonded(ctx, e.addr, e.validator); err != nil {
				return nil, err
			}
		}
	}
	for _, addr := range previousOrder {
		if kept[string(addr)] {
			continue
		}
		v, err := k.GetValidator(ctx, addr)
		if err != nil {
			return nil, err
		}
		update, err := validatorUpdate(v, 0)
		if err != nil {
			return nil, err
		}
		updates = append(updates, update)
		if err := k.ActiveSet.Remove(ctx, addr); err != nil {
			return nil, err
		}
		if err := k.onUnbonded(ctx, addr, v); err != nil {
			return nil, err
		}
	}
	return updates, nil
}

func validatorUpdate(v types.Validator, power int64) (abci.ValidatorUpdate, error) {
	pk, err := v.ConsPubKey()
	if err != nil {
		return abci.ValidatorUpdate{}, err
	}
	cmtPk, err := cryptocodec.ToCmtProtoPublicKey(pk)
	if err != nil {
		return abci.ValidatorUpdate{}, fmt.Errorf("validator %s: %w", v.OperatorAddress, err)
	}
	return abci.ValidatorUpdate{PubKey: cmtPk, Power: power}, nil
}

func (k Keeper) onBonded(ctx context.Context, addr sdk.ValAddress, v types.Validator) error {
	consAddr, err := v.ConsAddress()
	if err != nil {
		return err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeValidatorActivated,
		sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress)))
	if k.hooks == nil {
		return nil
	}
	return k.hooks.AfterValidatorBonded(ctx, consAddr, addr)
}

func (k Keeper) onUnbonded(ctx context.Context, addr sdk.ValAddress, v types.Validator) error {
	consAddr, err := v.ConsAddress()
	if err != nil {
		return err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeValidatorDeactivated,
		sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress)))
	if k.hooks == nil {
		return nil
	}
	return k.hooks.AfterValidatorBeginUnbonding(ctx, consAddr, addr)
}
