package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// payoutStakers pays page of a validator's reward for a finished era. The
// validator's share of the era payout is its share of the era's points; its
// commission comes first, the rest goes to its stakers pro rata to their
// exposure. Page 0 pays the validator (commission and own stake), every page
// pays its nominators. Amounts round down; the dust stays in the pool.
func (k Keeper) payoutStakers(ctx context.Context, val sdk.ValAddress, era uint64, page uint32) (sdk.Coin, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return sdk.Coin{}, err
	}
	current, err := k.currentEra(ctx)
	if err != nil {
		return sdk.Coin{}, err
	}
	if era >= current {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrEraOutOfHistory, "era %d has not ended (current era %d)", era, current)
	}
	if current-era > uint64(p.HistoryDepth) {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrEraOutOfHistory, "era %d is more than history_depth (%d) eras old", era, p.HistoryDepth)
	}
	rewards, err := k.EraRewards.Get(ctx, era)
	if errors.Is(err, collections.ErrNotFound) {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrEraOutOfHistory, "no rewards are kept for era %d", era)
	} else if err != nil {
		return sdk.Coin{}, err
	}
	o, err := k.exposure(ctx, era, val)
	if err != nil {
		return sdk.Coin{}, err
	}
	if page >= o.PageCount {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrNoExposure, "exposure of %s in era %d has %d pages, page %d asked", val, era, o.PageCount, page)
	}
	key := pageKey(era, val, page)
	if claimed, err := k.ClaimedRewards.Has(ctx, key); err != nil {
		return sdk.Coin{}, err
	} else if claimed {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrRewardAlreadyClaimed, "page %d of %s in era %d", page, val, era)
	}
	if err := k.ClaimedRewards.Set(ctx, key); err != nil {
		return sdk.Coin{}, err
	}

	points, err := k.RewardPoints.Get(ctx, eraKey(era, val))
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return sdk.Coin{}, err
	}
	paid := math.ZeroInt()
	if rewards.TotalPoints == 0 || points == 0 || !o.Total.IsPositive() {
		return sdk.NewCoin(p.BondDenom, paid), nil
	}
	share := rewards.Payout.Mul(math.NewIntFromUint64(points)).Quo(math.NewIntFromUint64(rewards.TotalPoints))
	commission := o.Commission.MulInt(share).TruncateInt()
	stakers := share.Sub(commission)
	pay := func(to string, amount math.Int) error {
		if !amount.IsPositive() {
			return nil
		}
		addr, err := k.accountAddrCdc.StringToBytes(to)
		if err != nil {
			return err
		}
		if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.RewardPoolName, addr, sdk.NewCoins(sdk.NewCoin(p.BondDenom, amount))); err != nil {
			return fmt.Errorf("paying %s%s to %s: %w", amount, p.BondDenom, to, err)
		}
		paid = paid.Add(amount)
		emit(ctx, types.EventTypeReward, sdk.NewAttribute(types.AttributeKeyStash, to), sdk.NewAttribute(types.AttributeKeyAmount, amount.String()),
			sdk.NewAttribute(types.AttributeKeyEra, fmt.Sprint(era)))
		return nil
	}
	if page == 0 {
		own := stakers.Mul(o.Own).Quo(o.Total)
		if err := pay(stashOf(val).String(), commission.Add(own)); err != nil {
			return sdk.Coin{}, err
		}
	}
	exposurePage, err := k.ExposurePages.Get(ctx, key)
	if err != nil {
		return sdk.Coin{}, err
	}
	for _, e := range exposurePage.Others {
		if err := pay(e.Who, stakers.Mul(e.Value).Quo(o.Total)); err != nil {
			return sdk.Coin{}, err
		}
	}
	return sdk.NewCoin(p.BondDenom, paid), nil
}
