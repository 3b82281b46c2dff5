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
// whose tokens are their stake (the current era's exposure when elected,
// their own bond otherwise), and a validator's bond as its self-delegation.

// ValidatorAddressCodec encodes operator addresses.
func (k Keeper) ValidatorAddressCodec() address.Codec { return k.validatorAddrCdc }

// ConsensusAddressCodec encodes consensus addresses.
func (k Keeper) ConsensusAddressCodec() address.Codec { return k.consensusAddrCdc }

// stake is the stake behind a candidate now.
func (k Keeper) stake(ctx context.Context, addr sdk.ValAddress) (math.Int, bool, error) {
	active, err := k.ActiveSet.Has(ctx, addr)
	if err != nil {
		return math.Int{}, false, err
	}
	era, err := k.currentEra(ctx)
	if err != nil {
		return math.Int{}, false, err
	}
	if o, err := k.Exposures.Get(ctx, eraKey(era, addr)); err == nil {
		return o.Total, active, nil
	} else if !errors.Is(err, collections.ErrNotFound) {
		return math.Int{}, false, err
	}
	bond, err := k.ActiveBond(ctx, stashOf(addr))
	return bond, active, err
}

func (k Keeper) sdkValidator(ctx context.Context, addr sdk.ValAddress, v types.Validator) (stakingtypes.Validator, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return stakingtypes.Validator{}, err
	}
	stake, active, err := k.stake(ctx, addr)
	if err != nil {
		return stakingtypes.Validator{}, err
	}
	return v.SDKValidator(active, stake, params.MinValidatorBond), nil
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
	return k.Validators.Walk(ctx, nil, func(addr sdk.ValAddress, v types.Validator) (bool, error) {
		sv, err := k.sdkValidator(ctx, addr, v)
		if err != nil {
			return true, err
		}
		stop := fn(i, sv)
		i++
		return stop, nil
	})
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

// IterateBondedValidatorsByPower calls fn for every validator in the set,
// largest voting power first (ties by operator address), until fn returns true.
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

// TotalBondedTokens is the sum of all active bonds: the voting power in
// governance, where every bonded account votes with its own bond.
func (k Keeper) TotalBondedTokens(ctx context.Context) (math.Int, error) {
	return k.totalActive(ctx)
}

// Delegation returns a validator's bond as its self-delegation; NPoS has no
// other delegations. It returns nil when there is none.
func (k Keeper) Delegation(ctx context.Context, delegator sdk.AccAddress, validator sdk.ValAddress) (stakingtypes.DelegationI, error) {
	if !bytes.Equal(delegator, validator) {
		return nil, nil
	}
	if ok, err := k.Validators.Has(ctx, validator); err != nil || !ok {
		return nil, err
	}
	bond, err := k.ActiveBond(ctx, delegator)
	if err != nil || !bond.IsPositive() {
		return nil, err
	}
	return stakingtypes.Delegation{
		DelegatorAddress: delegator.String(),
		ValidatorAddress: validator.String(),
		Shares:           math.LegacyNewDecFromInt(bond),
	}, nil
}

// IterateDelegations calls fn with the delegator's self-delegation, if it is a validator.
func (k Keeper) IterateDelegations(ctx context.Context, delegator sdk.AccAddress, fn func(index int64, delegation stakingtypes.DelegationI) (stop bool)) error {
	d, err := k.Delegation(ctx, delegator, sdk.ValAddress(delegator))
	if err != nil || d == nil {
		return err
	}
	fn(0, d)
	return nil
}

// MaxValidators is the number of validators an era elects.
func (k Keeper) MaxValidators(ctx context.Context) (uint32, error) {
	params, err := k.Params.Get(ctx)
	return params.ValidatorCount, err
}

// GetParams presents the module parameters as x/staking parameters, with
// the unbonding time relayers need to create IBC clients.
func (k Keeper) GetParams(ctx context.Context) (stakingtypes.Params, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return stakingtypes.Params{}, err
	}
	return stakingtypes.Params{
		UnbondingTime:     params.UnbondingTime(),
		MaxValidators:     params.ValidatorCount,
		MaxEntries:        types.MaxUnlockingChunks,
		HistoricalEntries: 0,
		BondDenom:         params.BondDenom,
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

// Jail removes the validator from the set at the end of this block and
// chills it: it must validate again (after unjailing) to be elected.
// Jailing a jailed validator does nothing.
func (k Keeper) Jail(ctx context.Context, consAddr sdk.ConsAddress) error {
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return err
	}
	if v.Jailed {
		return nil
	}
	v.Jailed, v.Chilled = true, true
	if err := k.setValidator(ctx, v); err != nil {
		return err
	}
	k.Logger(ctx).Info("validator jailed and chilled", "validator", v.OperatorAddress)
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeJail,
		sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress)))
	return k.markActiveSetStale(ctx)
}

// Unjail lifts a jailing. The validator stays chilled until it validates again.
func (k Keeper) Unjail(ctx context.Context, consAddr sdk.ConsAddress) error {
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return err
	}
	if !v.Jailed {
		return fmt.Errorf("%w: %s is not jailed", types.ErrInvalidValidator, v.OperatorAddress)
	}
	v.Jailed = false
	if err := k.setValidator(ctx, v); err != nil {
		return err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeUnjail,
		sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress)))
	return nil
}

// Slash is SlashWithInfractionReason without a reason.
func (k Keeper) Slash(ctx context.Context, consAddr sdk.ConsAddress, infractionHeight, power int64, fraction math.LegacyDec) (math.Int, error) {
	return k.SlashWithInfractionReason(ctx, consAddr, infractionHeight, power, fraction, stakingtypes.Infraction_INFRACTION_UNSPECIFIED)
}

// SlashWithInfractionReason slashes fraction of the stake that backed the
// validator in the era of the infraction: its own exposure and every
// nominator's, each taken from their current bond (active first, then
// unlocking). A validator not elected in that era loses fraction of the
// tokens its power then stood for. The slash applies at once, or after
// slash_defer_eras if set. It returns the amount slashed.
func (k Keeper) SlashWithInfractionReason(ctx context.Context, consAddr sdk.ConsAddress, infractionHeight, power int64, fraction math.LegacyDec, reason stakingtypes.Infraction) (math.Int, error) {
	if fraction.IsNil() || fraction.IsNegative() || fraction.GT(math.LegacyOneDec()) {
		return math.ZeroInt(), fmt.Errorf("%w: slash fraction %s is not in [0, 1]", types.ErrInvalidValidator, fraction)
	}
	v, err := k.GetValidatorByConsAddr(ctx, consAddr)
	if err != nil {
		return math.ZeroInt(), err
	}
	valAddr, err := k.validatorAddrCdc.StringToBytes(v.OperatorAddress)
	if err != nil {
		return math.ZeroInt(), err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return math.ZeroInt(), err
	}
	era, err := k.eraOf(ctx, infractionHeight)
	if err != nil {
		return math.ZeroInt(), err
	}
	slash := types.UnappliedSlash{Validator: v.OperatorAddress, OffenceEra: era, Own: math.ZeroInt()}
	o, err := k.exposure(ctx, era, valAddr)
	switch {
	case err == nil:
		slash.Own = fraction.MulInt(o.Own).TruncateInt()
		for page := uint32(0); page < o.PageCount; page++ {
			p, err := k.ExposurePages.Get(ctx, pageKey(era, valAddr, page))
			if err != nil {
				return math.ZeroInt(), err
			}
			for _, e := range p.Others {
				if amt := fraction.MulInt(e.Value).TruncateInt(); amt.IsPositive() {
					slash.Others = append(slash.Others, types.IndividualExposure{Who: e.Who, Value: amt})
				}
			}
		}
	case errors.Is(err, types.ErrNoExposure):
		slash.Own = fraction.MulInt(sdk.TokensFromConsensusPower(power, k.PowerReduction(ctx))).TruncateInt()
	default:
		return math.ZeroInt(), err
	}
	total := slash.Own
	for _, e := range slash.Others {
		total = total.Add(e.Value)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if params.SlashDeferEras == 0 {
		if _, err := k.applySlash(ctx, slash); err != nil {
			return math.ZeroInt(), err
		}
	} else {
		current, err := k.currentEra(ctx)
		if err != nil {
			return math.ZeroInt(), err
		}
		seq, err := k.SlashSequence.Next(ctx)
		if err != nil {
			return math.ZeroInt(), err
		}
		applyAt := current + uint64(params.SlashDeferEras)
		if err := k.UnappliedSlashes.Set(ctx, collections.Join(applyAt, seq), slash); err != nil {
			return math.ZeroInt(), err
		}
		sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeSlashDeferred,
			sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress),
			sdk.NewAttribute(types.AttributeKeyAmount, total.String()),
			sdk.NewAttribute(types.AttributeKeyEra, fmt.Sprint(applyAt))))
	}
	k.Logger(ctx).Info("validator slashed", "validator", v.OperatorAddress, "amount", total, "reason", reason.String(), "offence_era", era)
	return total, nil
}

// applySlash takes a slash from the bonds it names and burns it. A
// validator left below the minimum bond is chilled.
func (k Keeper) applySlash(ctx context.Context, s types.UnappliedSlash) (math.Int, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return math.ZeroInt(), err
	}
	valAddr, err := k.validatorAddrCdc.StringToBytes(s.Validator)
	if err != nil {
		return math.ZeroInt(), err
	}
	burned := math.ZeroInt()
	take := func(who sdk.AccAddress, amount math.Int) error {
		l, err := k.Ledgers.Get(ctx, who)
		if errors.Is(err, collections.ErrNotFound) {
			return nil // the account has unbonded and withdrawn everything
		}
		if err != nil {
			return err
		}
		burned = burned.Add(l.Slash(amount))
		return k.setLedger(ctx, who, l)
	}
	if err := take(stashOf(valAddr), s.Own); err != nil {
		return math.ZeroInt(), err
	}
	for _, e := range s.Others {
		who, err := k.accountAddrCdc.StringToBytes(e.Who)
		if err != nil {
			return math.ZeroInt(), err
		}
		if err := take(who, e.Value); err != nil {
			return math.ZeroInt(), err
		}
	}
	if burned.IsPositive() {
		if err := k.bankKeeper.BurnCoins(ctx, types.BondedPoolName, sdk.NewCoins(sdk.NewCoin(params.BondDenom, burned))); err != nil {
			return math.ZeroInt(), err
		}
	}
	v, err := k.GetValidator(ctx, valAddr)
	if err != nil {
		return math.ZeroInt(), err
	}
	bond, err := k.ActiveBond(ctx, stashOf(valAddr))
	if err != nil {
		return math.ZeroInt(), err
	}
	if !v.Chilled && bond.LT(params.MinValidatorBond) {
		v.Chilled = true
		if err := k.setValidator(ctx, v); err != nil {
			return math.ZeroInt(), err
		}
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeSlash,
		sdk.NewAttribute(types.AttributeKeyValidator, s.Validator),
		sdk.NewAttribute(types.AttributeKeyAmount, burned.String()),
		sdk.NewAttribute(types.AttributeKeyEra, fmt.Sprint(s.OffenceEra))))
	return burned, nil
}

// applyDueSlashes applies the deferred slashes due in era.
func (k Keeper) applyDueSlashes(ctx context.Context, era uint64) error {
	rng := collections.NewPrefixedPairRange[uint64, uint64](era)
	var due []types.UnappliedSlash
	err := k.UnappliedSlashes.Walk(ctx, rng, func(_ collections.Pair[uint64, uint64], s types.UnappliedSlash) (bool, error) {
		due = append(due, s)
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, s := range due {
		if _, err := k.applySlash(ctx, s); err != nil {
			return err
		}
	}
	return k.UnappliedSlashes.Clear(ctx, rng)
}
