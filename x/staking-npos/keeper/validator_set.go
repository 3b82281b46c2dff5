package keeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/collections"

	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// setMember is a validator that belongs in the CometBFT set, with its power.
type setMember struct {
	addr      sdk.ValAddress
	validator types.Validator
	power     int64
}

// selectActiveSet returns the validators elected for the current era that
// are not jailed, with power = exposure / power reduction, in address order.
func (k Keeper) selectActiveSet(ctx context.Context) ([]setMember, error) {
	era, err := k.currentEra(ctx)
	if err != nil {
		return nil, err
	}
	reduction := k.PowerReduction(ctx)
	var members []setMember
	err = k.Exposures.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.ValAddress](era), func(key collections.Pair[uint64, sdk.ValAddress], o types.ExposureOverview) (bool, error) {
		v, err := k.GetValidator(ctx, key.K2())
		if err != nil {
			return true, err
		}
		if v.Jailed {
			return false, nil
		}
		if power := sdk.TokensToConsensusPower(o.Total, reduction); power > 0 {
			members = append(members, setMember{addr: key.K2(), validator: v, power: power})
		}
		return false, nil
	})
	return members, err
}

// ApplyValidatorSetChanges returns the CometBFT updates for this block: none
// when nothing that decides the set changed, otherwise those of
// recomputeActiveSet.
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

// recomputeActiveSet stores the set selectActiveSet finds and returns the
// CometBFT updates that turn the previous set into it: changed or new
// validators with their power, then removed ones with power zero, each group
// in operator-address order so every node returns the same list.
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
	for _, m := range next {
		kept[string(m.addr)] = true
		oldPower, wasActive := previous[string(m.addr)]
		if wasActive && oldPower == m.power {
			continue
		}
		update, err := validatorUpdate(m.validator, m.power)
		if err != nil {
			return nil, err
		}
		updates = append(updates, update)
		if err := k.ActiveSet.Set(ctx, m.addr, m.power); err != nil {
			return nil, err
		}
		if !wasActive {
			if err := k.onBonded(ctx, m.addr, m.validator); err != nil {
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
