package keeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// This file implements the staking keeper interfaces that x/slashing,
// x/evidence and x/gov were written against, so that those modules run
// unchanged on top of NPoS. Candidates are presented as x/staking validators
// and a validator's self-bond as its self-delegation.

// ValidatorAddressCodec encodes operator addresses.
func (k Keeper) ValidatorAddressCodec() address.Codec { return k.validatorAddrCdc }

// ConsensusAddressCodec encodes consensus addresses.
func (k Keeper) ConsensusAddressCodec() address.Codec { return k.consensusAddrCdc }

func (k Keeper) sdkValidator(ctx context.Context, addr sdk.ValAddress, v types.Validator) (stakingtypes.Validator, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return stakingtypes.Validator{}, err
	}
	active, err := k.IsActive(ctx, addr)
	if err != nil {
		return stakingtypes.Validator{}, err
	}
	return v.SDKValidator(active, params.MinValidatorBond), nil
}

// Validator returns the candidate with the given operator address.
func (k Keeper) Validator(ctx context.Context, addr sdk.ValAddress) (stakingtypes.ValidatorI, error) {
	v, err := k.GetValidator(ctx, addr)
	if err != nil {
		return nil, err
	}
	return k.sdkValidator(ctx, addr, v)
}

// ValidatorByConsAddr returns the candidate signing with the given consensus address.
func (k Keeper) ValidatorByConsAddr(ctx context.Context, consAddr sdk.ConsAddress) (stakingtypes.ValidatorI, error) {
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return nil, err
	}
	addr, err := k.validatorAddrCdc.StringToBytes(v.OperatorAddress)
	if err != nil {
		return nil, err
	}
	return k.sdkValidator(ctx, addr, v)
}

// IterateValidators calls fn for every candidate in operator-address order
// until fn returns true.
func (k Keeper) IterateValidators(ctx context.Context, fn func(index int64, validator stakingtypes.ValidatorI) (stop bool)) error {
	var i int64
	var inner error
	err := k.Validators.Walk(ctx, nil, func(addr sdk.ValAddress, v types.Validator) (bool, error) {
		sv, err := k.sdkValidator(ctx, addr, v)
		if err != nil {
			inner = err
			return true, nil
		}
		stop := fn(i, sv)
		i++
		return stop, nil
	})
	if err != nil {
		return err
	}
	return inner
}

// GetAllValidators returns every candidate.
func (k Keeper) GetAllValidators(ctx context.Context) ([]stakingtypes.Validator, error) {
	var all []stakingtypes.Validator
	err := k.IterateValidators(ctx, func(_ int64, v stakingtypes.ValidatorI) bool {
		all = append(all, v.(stakingtypes.Validator))
		return false
	})
	return all, err
}

// IterateBondedValidatorsByPower calls fn for every active validator, largest
// voting power first (ties by operator address), until fn returns true.
func (k Keeper) IterateBondedValidatorsByPower(ctx context.Context, fn func(index int64, validator stakingtypes.ValidatorI) (stop bool)) error {
	type entry struct {
		addr  sdk.ValAddress
		power int64
	}
	var active []entry
	err := k.ActiveSet.Walk(ctx, nil, func(addr sdk.ValAddress, power int64) (bool, error) {
		active = append(active, entry{addr, power})
		return false, nil
	})
	if err != nil {
		return err
	}
	sort.SliceStable(active, func(i, j int) bool {
		if active[i].power != active[j].power {
			return active[i].power > active[j].power
		}
		return bytes.Compare(active[i].addr, active[j].addr) < 0
	})
	for i, e := range active {
		v, err := k.Validator(ctx, e.addr)
		if err != nil {
			return err
		}
		if fn(int64(i), v) {
			return nil
		}
	}
	return nil
}

// TotalBondedTokens is the stake behind the active set.
func (k Keeper) TotalBondedTokens(ctx context.Context) (math.Int, error) {
	total := math.ZeroInt()
	err := k.ActiveSet.Walk(ctx, nil, func(addr sdk.ValAddress, _ int64) (bool, error) {
		v, err := k.GetValidator(ctx, addr)
		if err != nil {
			return true, err
		}
		total = total.Add(v.Stake())
		return false, nil
	})
	return total, err
}

// Delegation returns a validator's self-bond as its self-delegation; NPoS
// has no other delegations. It returns nil when there is none.
func (k Keeper) Delegation(ctx context.Context, delegator sdk.AccAddress, validator sdk.ValAddress) (stakingtypes.DelegationI, error) {
	if !bytes.Equal(delegator, validator) {
		return nil, nil
	}
	v, err := k.Validators.Get(ctx, validator)
	if errors.Is(err, collections.ErrNotFound) || (err == nil && !v.SelfBond.IsPositive()) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return stakingtypes.Delegation{
		DelegatorAddress: delegator.String(),
		ValidatorAddress: v.OperatorAddress,
		Shares:           math.LegacyNewDecFromInt(v.SelfBond),
	}, nil
}

// IterateDelegations calls fn with the delegator's self-bond, if it is a validator.
func (k Keeper) IterateDelegations(ctx context.Context, delegator sdk.AccAddress, fn func(index int64, delegation stakingtypes.DelegationI) (stop bool)) error {
	d, err := k.Delegation(ctx, delegator, sdk.ValAddress(delegator))
	if err != nil || d == nil {
		return err
	}
	fn(0, d)
	return nil
}

// MaxValidators is the size of the active set.
func (k Keeper) MaxValidators(ctx context.Context) (uint32, error) {
	params, err := k.Params.Get(ctx)
	return params.ValidatorCount, err
}

// GetParams presents the module parameters as x/staking parameters.
func (k Keeper) GetParams(ctx context.Context) (stakingtypes.Params, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return stakingtypes.Params{}, err
	}
	return stakingtypes.Params{
		BondDenom:         params.BondDenom,
		MaxValidators:     params.ValidatorCount,
		MinCommissionRate: math.LegacyZeroDec(),
	}, nil
}

// IsValidatorJailed reports whether the candidate with this consensus address is jailed.
func (k Keeper) IsValidatorJailed(ctx context.Context, consAddr sdk.ConsAddress) (bool, error) {
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return false, err
	}
	return v.Jailed, nil
}

// Jail excludes the validator from the active set from the end of this block.
// Jailing a jailed validator does nothing.
func (k Keeper) Jail(ctx context.Context, consAddr sdk.ConsAddress) error {
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return err
	}
	if v.Jailed {
		return nil
	}
	v.Jailed = true
	if err := k.SetValidator(ctx, v); err != nil {
		return err
	}
	k.Logger(ctx).Info("validator jailed", "validator", v.OperatorAddress)
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeJail,
		sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress)))
	return nil
}

// Unjail makes a jailed validator a candidate again.
func (k Keeper) Unjail(ctx context.Context, consAddr sdk.ConsAddress) error {
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return err
	}
	if !v.Jailed {
		return fmt.Errorf("%w: %s is not jailed", types.ErrInvalidValidator, v.OperatorAddress)
	}
	v.Jailed = false
	if err := k.SetValidator(ctx, v); err != nil {
		return err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeUnjail,
		sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress)))
	return nil
}

// Slash burns fraction of the stake the validator had at the infraction,
// measured by its voting power then, capped at what it bonds now.
func (k Keeper) Slash(ctx context.Context, consAddr sdk.ConsAddress, infractionHeight, power int64, fraction math.LegacyDec) (math.Int, error) {
	return k.SlashWithInfractionReason(ctx, consAddr, infractionHeight, power, fraction, stakingtypes.Infraction_INFRACTION_UNSPECIFIED)
}

// SlashWithInfractionReason is Slash with the reason recorded in the event.
func (k Keeper) SlashWithInfractionReason(ctx context.Context, consAddr sdk.ConsAddress, _ int64, power int64, fraction math.LegacyDec, reason stakingtypes.Infraction) (math.Int, error) {
	if fraction.IsNil() || fraction.IsNegative() || fraction.GT(math.LegacyOneDec()) {
		return math.ZeroInt(), fmt.Errorf("%w: slash fraction %s is not in [0, 1]", types.ErrInvalidValidator, fraction)
	}
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return math.ZeroInt(), err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return math.ZeroInt(), err
	}
	amount := math.LegacyNewDecFromInt(sdk.TokensFromConsensusPower(power, k.PowerReduction(ctx))).Mul(fraction).TruncateInt()
	amount = math.MinInt(amount, v.SelfBond)
	if !amount.IsPositive() {
		return math.ZeroInt(), nil
	}
	if err := k.bankKeeper.BurnCoins(ctx, types.BondedPoolName, sdk.NewCoins(sdk.NewCoin(params.BondDenom, amount))); err != nil {
		return math.ZeroInt(), err
	}
	v.SelfBond = v.SelfBond.Sub(amount)
	if err := k.SetValidator(ctx, v); err != nil {
		return math.ZeroInt(), err
	}
	k.Logger(ctx).Info("validator slashed", "validator", v.OperatorAddress, "amount", amount, "reason", reason.String())
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeSlash,
		sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress),
		sdk.NewAttribute(types.AttributeKeyAmount, amount.String()),
		sdk.NewAttribute(types.AttributeKeyReason, reason.String())))
	return amount, nil
}
