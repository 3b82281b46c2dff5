// Package keeper holds the state of x/staking-npos: bonds, candidates,
// nominations, eras with their elections, exposures and rewards, and the
// active CometBFT validator set.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	"cosmossdk.io/log"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// Keeper owns the NPoS state.
type Keeper struct {
	cdc           codec.BinaryCodec
	storeService  store.KVStoreService
	accountKeeper types.AccountKeeper
	bankKeeper    types.BankKeeper
	hooks         types.StakingHooks

	authority        string
	accountAddrCdc   address.Codec
	validatorAddrCdc address.Codec
	consensusAddrCdc address.Codec

	Schema collections.Schema
	// Params are the module parameters.
	Params collections.Item[types.Params]
	// Ledgers are the bonds, by stash account.
	Ledgers collections.Map[sdk.AccAddress, types.Ledger]
	// TotalActive is the sum of every ledger's active bond.
	TotalActive collections.Item[math.Int]
	// Validators are all candidates by operator address.
	Validators collections.Map[sdk.ValAddress, types.Validator]
	// ValidatorsByConsAddr indexes candidates by consensus address.
	ValidatorsByConsAddr collections.Map[sdk.ConsAddress, sdk.ValAddress]
	// Nominators are the nominations, by stash account.
	Nominators collections.Map[sdk.AccAddress, types.Nominations]
	// CurrentEra is the index of the era in progress.
	CurrentEra collections.Item[uint64]
	// Eras records when each era of the kept history started.
	Eras collections.Map[uint64, types.EraInfo]
	// Exposures are the stake behind each validator elected in an era.
	Exposures collections.Map[collections.Pair[uint64, sdk.ValAddress], types.ExposureOverview]
	// ExposurePages hold the nominators of each exposure, page by page.
	ExposurePages collections.Map[collections.Triple[uint64, sdk.ValAddress, uint32], types.ExposurePage]
	// RewardPoints are the points each validator earned in an era.
	RewardPoints collections.Map[collections.Pair[uint64, sdk.ValAddress], uint64]
	// EraRewards are the payout of each finished era and its total points.
	EraRewards collections.Map[uint64, types.EraRewards]
	// ClaimedRewards records the exposure pages already paid.
	ClaimedRewards collections.KeySet[collections.Triple[uint64, sdk.ValAddress, uint32]]
	// UnappliedSlashes are deferred slashes, by the era they apply in.
	UnappliedSlashes collections.Map[collections.Pair[uint64, uint64], types.UnappliedSlash]
	// SlashSequence numbers deferred slashes.
	SlashSequence collections.Sequence
	// ActiveSet holds the CometBFT voting power of every validator in the
	// current set, as last sent to CometBFT.
	ActiveSet collections.Map[sdk.ValAddress, int64]
	// ActiveSetStale is set when the active set may have changed (a new era,
	// a jailing) so that unchanged blocks skip its recomputation.
	ActiveSetStale collections.Item[bool]
}

// NewKeeper creates the keeper. authority is the account allowed to change
// params (the x/gov module account).
func NewKeeper(
	cdc codec.BinaryCodec, storeService store.KVStoreService,
	ak types.AccountKeeper, bk types.BankKeeper, authority string,
	accountAddrCdc, validatorAddrCdc, consensusAddrCdc address.Codec,
) *Keeper {
	for _, name := range []string{types.BondedPoolName, types.RewardPoolName} {
		if ak.GetModuleAddress(name) == nil {
			panic(fmt.Sprintf("module account %s is not set", name))
		}
	}
	sb := collections.NewSchemaBuilder(storeService)
	eraVal := collections.PairKeyCodec(collections.Uint64Key, sdk.ValAddressKey)
	eraValPage := collections.TripleKeyCodec(collections.Uint64Key, sdk.ValAddressKey, collections.Uint32Key)
	k := &Keeper{
		cdc:              cdc,
		storeService:     storeService,
		accountKeeper:    ak,
		bankKeeper:       bk,
		authority:        authority,
		accountAddrCdc:   accountAddrCdc,
		validatorAddrCdc: validatorAddrCdc,
		consensusAddrCdc: consensusAddrCdc,

		Params:               collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Ledgers:              collections.NewMap(sb, types.LedgersKey, "ledgers", sdk.AccAddressKey, codec.CollValue[types.Ledger](cdc)),
		TotalActive:          collections.NewItem(sb, types.TotalActiveKey, "total_active", sdk.IntValue),
		Validators:           collections.NewMap(sb, types.ValidatorsKey, "validators", sdk.ValAddressKey, codec.CollValue[types.Validator](cdc)),
		ValidatorsByConsAddr: collections.NewMap(sb, types.ValidatorsByConsAddrKey, "validators_by_cons_addr", sdk.ConsAddressKey, collcodec.KeyToValueCodec(sdk.ValAddressKey)),
		Nominators:           collections.NewMap(sb, types.NominatorsKey, "nominators", sdk.AccAddressKey, codec.CollValue[types.Nominations](cdc)),
		CurrentEra:           collections.NewItem(sb, types.CurrentEraKey, "current_era", collections.Uint64Value),
		Eras:                 collections.NewMap(sb, types.ErasKey, "eras", collections.Uint64Key, codec.CollValue[types.EraInfo](cdc)),
		Exposures:            collections.NewMap(sb, types.ExposuresKey, "exposures", eraVal, codec.CollValue[types.ExposureOverview](cdc)),
		ExposurePages:        collections.NewMap(sb, types.ExposurePagesKey, "exposure_pages", eraValPage, codec.CollValue[types.ExposurePage](cdc)),
		RewardPoints:         collections.NewMap(sb, types.RewardPointsKey, "reward_points", eraVal, collections.Uint64Value),
		EraRewards:           collections.NewMap(sb, types.EraRewardsKey, "era_rewards", collections.Uint64Key, codec.CollValue[types.EraRewards](cdc)),
		ClaimedRewards:       collections.NewKeySet(sb, types.ClaimedRewardsKey, "claimed_rewards", eraValPage),
		UnappliedSlashes:     collections.NewMap(sb, types.UnappliedSlashesKey, "unapplied_slashes", collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key), codec.CollValue[types.UnappliedSlash](cdc)),
		SlashSequence:        collections.NewSequence(sb, types.SlashSequenceKey, "slash_sequence"),
		ActiveSet:            collections.NewMap(sb, types.ActiveSetKey, "active_set", sdk.ValAddressKey, collections.Int64Value),
		ActiveSetStale:       collections.NewItem(sb, types.ActiveSetStaleKey, "active_set_stale", collections.BoolValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// SetHooks installs the hooks called on set changes. It may be called once.
func (k *Keeper) SetHooks(h types.StakingHooks) {
	if k.hooks != nil {
		panic("staking-npos hooks are already set")
	}
	k.hooks = h
}

// Authority returns the account allowed to update params.
func (k Keeper) Authority() string { return k.authority }

// Logger returns the module logger.
func (k Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// PowerReduction is the number of bonded base units per unit of CometBFT voting power.
func (k Keeper) PowerReduction(context.Context) math.Int { return sdk.DefaultPowerReduction }

// GetLedger returns the bond of stash.
func (k Keeper) GetLedger(ctx context.Context, stash sdk.AccAddress) (types.Ledger, error) {
	l, err := k.Ledgers.Get(ctx, stash)
	if errors.Is(err, collections.ErrNotFound) {
		return l, fmt.Errorf("%w: %s", types.ErrNotBonded, stash)
	}
	return l, err
}

// ActiveBond returns stash's active bond, zero if it has none.
func (k Keeper) ActiveBond(ctx context.Context, stash sdk.AccAddress) (math.Int, error) {
	l, err := k.Ledgers.Get(ctx, stash)
	if errors.Is(err, collections.ErrNotFound) {
		return math.ZeroInt(), nil
	}
	return l.Active, err
}

// setLedger stores a ledger (deleting it when empty) and keeps TotalActive.
func (k Keeper) setLedger(ctx context.Context, stash sdk.AccAddress, l types.Ledger) error {
	before, err := k.ActiveBond(ctx, stash)
	if err != nil {
		return err
	}
	total, err := k.totalActive(ctx)
	if err != nil {
		return err
	}
	if err := k.TotalActive.Set(ctx, total.Sub(before).Add(l.Active)); err != nil {
		return err
	}
	if l.Total.IsZero() {
		return k.Ledgers.Remove(ctx, stash)
	}
	return k.Ledgers.Set(ctx, stash, l)
}

func (k Keeper) totalActive(ctx context.Context) (math.Int, error) {
	t, err := k.TotalActive.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return math.ZeroInt(), nil
	}
	return t, err
}

// GetValidator returns the candidate with the given operator address.
func (k Keeper) GetValidator(ctx context.Context, addr sdk.ValAddress) (types.Validator, error) {
	v, err := k.Validators.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return v, fmt.Errorf("%w: %s", types.ErrValidatorNotFound, addr)
	}
	return v, err
}

// GetValidatorByConsAddr returns the candidate signing with the given consensus address.
func (k Keeper) GetValidatorByConsAddr(ctx context.Context, consAddr sdk.ConsAddress) (types.Validator, error) {
	valAddr, err := k.ValidatorsByConsAddr.Get(ctx, consAddr)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Validator{}, fmt.Errorf("%w: no validator signs with consensus address %s", types.ErrValidatorNotFound, consAddr)
	}
	if err != nil {
		return types.Validator{}, err
	}
	return k.GetValidator(ctx, valAddr)
}

// setValidator stores a candidate and indexes its consensus address.
func (k Keeper) setValidator(ctx context.Context, v types.Validator) error {
	valAddr, err := k.validatorAddrCdc.StringToBytes(v.OperatorAddress)
	if err != nil {
		return err
	}
	consAddr, err := v.ConsAddress()
	if err != nil {
		return err
	}
	if err := k.Validators.Set(ctx, valAddr, v); err != nil {
		return err
	}
	return k.ValidatorsByConsAddr.Set(ctx, consAddr, valAddr)
}

// markActiveSetStale asks the end of this block to recompute the active set.
func (k Keeper) markActiveSetStale(ctx context.Context) error { return k.ActiveSetStale.Set(ctx, true) }

// currentEra returns the era in progress.
func (k Keeper) currentEra(ctx context.Context) (uint64, error) {
	era, err := k.CurrentEra.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return era, err
}

// CurrentEraIndex returns the era in progress, for modules that act at era
// changes (x/registry pays worker rewards then).
func (k Keeper) CurrentEraIndex(ctx context.Context) (uint64, error) { return k.currentEra(ctx) }

// Status returns where a candidate stands and its voting power.
func (k Keeper) Status(ctx context.Context, v types.Validator) (types.ValidatorStatus, int64, error) {
	valAddr, err := k.validatorAddrCdc.StringToBytes(v.OperatorAddress)
	if err != nil {
		return 0, 0, err
	}
	power, err := k.ActiveSet.Get(ctx, valAddr)
	switch {
	case err == nil:
		return types.VALIDATOR_STATUS_ELECTED, power, nil
	case !errors.Is(err, collections.ErrNotFound):
		return 0, 0, err
	case v.Jailed:
		return types.VALIDATOR_STATUS_JAILED, 0, nil
	case v.Chilled:
		return types.VALIDATOR_STATUS_CHILLED, 0, nil
	default:
		return types.VALIDATOR_STATUS_WAITING, 0, nil
	}
}

// stashOf is the account of a validator operator.
func stashOf(val sdk.ValAddress) sdk.AccAddress { return sdk.AccAddress(val) }

func eraKey(era uint64, val sdk.ValAddress) collections.Pair[uint64, sdk.ValAddress] {
	return collections.Join(era, val)
}

func pageKey(era uint64, val sdk.ValAddress, page uint32) collections.Triple[uint64, sdk.ValAddress, uint32] {
	return collections.Join3(era, val, page)
}
