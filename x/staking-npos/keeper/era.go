package keeper

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// BeginBlocker credits the block's proposer with era reward points.
func (k Keeper) BeginBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	proposer := sdk.ConsAddress(sdkCtx.BlockHeader().ProposerAddress)
	if len(proposer) == 0 {
		return nil
	}
	valAddr, err := k.ValidatorsByConsAddr.Get(ctx, proposer)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // not one of ours (e.g. a genesis placeholder)
	}
	if err != nil {
		return err
	}
	era, err := k.currentEra(ctx)
	if err != nil {
		return err
	}
	if ok, err := k.Exposures.Has(ctx, eraKey(era, valAddr)); err != nil || !ok {
		return err
	}
	points, err := k.RewardPoints.Get(ctx, eraKey(era, valAddr))
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	return k.RewardPoints.Set(ctx, eraKey(era, valAddr), points+types.PointsPerBlock)
}

// EndBlocker starts a new era when the current one has lasted era_length
// blocks, and returns the changes to the CometBFT validator set.
func (k Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	era, err := k.currentEra(ctx)
	if err != nil {
		return err
	}
	info, err := k.Eras.Get(ctx, era)
	if err != nil {
		return err
	}
	height := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if height >= info.StartHeight+int64(p.EraLength)-1 {
		return k.startNewEra(ctx, p, era)
	}
	return nil
}

// NextEraHeight is the height whose end block starts the era after era.
func NextEraHeight(info types.EraInfo, p types.Params) int64 {
	return info.StartHeight + int64(p.EraLength) - 1
}

// startNewEra closes era `ending` (its payout is minted) and opens the next
// one: election, exposures, due slashes, pruning of old history.
func (k Keeper) startNewEra(ctx context.Context, p types.Params, ending uint64) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := k.closeEra(ctx, p, ending); err != nil {
		return err
	}
	next := ending + 1
	if err := k.openEra(ctx, p, next, sdkCtx.BlockHeight()+1); err != nil {
		return err
	}
	if err := k.applyDueSlashes(ctx, next); err != nil {
		return err
	}
	if next > uint64(p.HistoryDepth) {
		if err := k.pruneEra(ctx, next-uint64(p.HistoryDepth)-1); err != nil {
			return err
		}
	}
	return nil
}

// openEra records era as starting at startHeight, runs its election and
// stores its exposures. If the election elects nobody, the previous era's
// exposures carry over so the chain keeps its validators.
func (k Keeper) openEra(ctx context.Context, p types.Params, era uint64, startHeight int64) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := k.CurrentEra.Set(ctx, era); err != nil {
		return err
	}
	if err := k.Eras.Set(ctx, era, types.EraInfo{Index: era, StartHeight: startHeight, StartTime: sdkCtx.BlockTime()}); err != nil {
		return err
	}
	out, err := k.elect(ctx, p)
	if err != nil {
		return err
	}
	if len(out.winners) == 0 && era > 0 {
		k.Logger(ctx).Error("election elected nobody; keeping the previous era's validators", "era", era)
		sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeElectionFailed, sdk.NewAttribute(types.AttributeKeyEra, strconv.FormatUint(era, 10))))
		if err := k.copyExposures(ctx, era-1, era); err != nil {
			return err
		}
	} else if err := k.storeExposures(ctx, p, era, out); err != nil {
		return err
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeNewEra,
		sdk.NewAttribute(types.AttributeKeyEra, strconv.FormatUint(era, 10)),
		sdk.NewAttribute(types.AttributeKeyElected, strconv.Itoa(len(out.winners)))))
	return k.markActiveSetStale(ctx)
}

// closeEra mints the ending era's payout into the reward pool, to be split
// by the era's reward points.
func (k Keeper) closeEra(ctx context.Context, p types.Params, era uint64) error {
	total := uint64(0)
	err := k.RewardPoints.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.ValAddress](era), func(_ collections.Pair[uint64, sdk.ValAddress], points uint64) (bool, error) {
		total += points
		return false, nil
	})
	if err != nil {
		return err
	}
	payout := math.ZeroInt()
	if total > 0 {
		payout = p.EraPayout(k.bankKeeper.GetSupply(ctx, p.BondDenom).Amount)
	}
	if payout.IsPositive() {
		if err := k.bankKeeper.MintCoins(ctx, types.RewardPoolName, sdk.NewCoins(sdk.NewCoin(p.BondDenom, payout))); err != nil {
			return err
		}
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeEraPayout,
		sdk.NewAttribute(types.AttributeKeyEra, strconv.FormatUint(era, 10)),
		sdk.NewAttribute(types.AttributeKeyAmount, payout.String())))
	return k.EraRewards.Set(ctx, era, types.EraRewards{Payout: payout, TotalPoints: total})
}

// copyExposures repeats era from's exposures as era to's.
func (k Keeper) copyExposures(ctx context.Context, from, to uint64) error {
	err := k.Exposures.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.ValAddress](from), func(key collections.Pair[uint64, sdk.ValAddress], o types.ExposureOverview) (bool, error) {
		return false, k.Exposures.Set(ctx, eraKey(to, key.K2()), o)
	})
	if err != nil {
		return err
	}
	return k.ExposurePages.Walk(ctx, collections.NewPrefixedTripleRange[uint64, sdk.ValAddress, uint32](from), func(key collections.Triple[uint64, sdk.ValAddress, uint32], page types.ExposurePage) (bool, error) {
		return false, k.ExposurePages.Set(ctx, pageKey(to, key.K2(), key.K3()), page)
	})
}

// pruneEra deletes everything kept about an era that left the history.
// Unclaimed rewards of the era stay in the reward pool.
func (k Keeper) pruneEra(ctx context.Context, era uint64) error {
	if err := k.Eras.Remove(ctx, era); err != nil {
		return err
	}
	if err := k.EraRewards.Remove(ctx, era); err != nil {
		return err
	}
	pair := collections.NewPrefixedPairRange[uint64, sdk.ValAddress](era)
	triple := collections.NewPrefixedTripleRange[uint64, sdk.ValAddress, uint32](era)
	if err := k.Exposures.Clear(ctx, pair); err != nil {
		return err
	}
	if err := k.RewardPoints.Clear(ctx, pair); err != nil {
		return err
	}
	if err := k.ExposurePages.Clear(ctx, triple); err != nil {
		return err
	}
	return k.ClaimedRewards.Clear(ctx, triple)
}

// eraOf returns the era that contained height, as far as the kept history
// reaches (the oldest kept era otherwise).
func (k Keeper) eraOf(ctx context.Context, height int64) (uint64, error) {
	current, err := k.currentEra(ctx)
	if err != nil {
		return 0, err
	}
	for era := current; ; era-- {
		info, err := k.Eras.Get(ctx, era)
		if errors.Is(err, collections.ErrNotFound) {
			return era + 1, nil
		}
		if err != nil {
			return 0, err
		}
		if info.StartHeight <= height || era == 0 {
			return era, nil
		}
	}
}

// exposure returns a validator's exposure in an era.
func (k Keeper) exposure(ctx context.Context, era uint64, val sdk.ValAddress) (types.ExposureOverview, error) {
	o, err := k.Exposures.Get(ctx, eraKey(era, val))
	if errors.Is(err, collections.ErrNotFound) {
		return o, fmt.Errorf("%w: %s in era %d", types.ErrNoExposure, val, era)
	}
	return o, err
}
