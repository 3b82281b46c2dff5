// Package keeper holds the state of x/staking-npos and the logic that turns
// bonded candidates into the CometBFT validator set.
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

// Keeper owns the validator candidates and the active validator set.
type Keeper struct {
	cdc           codec.BinaryCodec
	storeService  store.KVStoreService
	accountKeeper types.AccountKeeper
	bankKeeper    types.BankKeeper
	hooks         types.StakingHooks

	authority        string
	validatorAddrCdc address.Codec
	consensusAddrCdc address.Codec

	Schema collections.Schema
	// Params are the module parameters.
	Params collections.Item[types.Params]
	// Validators are all candidates by operator address.
	Validators collections.Map[sdk.ValAddress, types.Validator]
	// ValidatorsByConsAddr indexes candidates by consensus address.
	ValidatorsByConsAddr collections.Map[sdk.ConsAddress, sdk.ValAddress]
	// ActiveSet holds the CometBFT voting power of every validator in the
	// current set, as last sent to CometBFT.
	ActiveSet collections.Map[sdk.ValAddress, int64]
	// ActiveSetStale is set when a candidate or the params changed since the
	// active set was last computed, so unchanged blocks skip the work.
	ActiveSetStale collections.Item[bool]
}

// NewKeeper creates the keeper. authority is the account allowed to change
// params (the x/gov module account).
func NewKeeper(
	cdc codec.BinaryCodec, storeService store.KVStoreService,
	ak types.AccountKeeper, bk types.BankKeeper,
	authority string, validatorAddrCdc, consensusAddrCdc address.Codec,
) *Keeper {
	if ak.GetModuleAddress(types.BondedPoolName) == nil {
		panic(fmt.Sprintf("module account %s is not set", types.BondedPoolName))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc:              cdc,
		storeService:     storeService,
		accountKeeper:    ak,
		bankKeeper:       bk,
		authority:        authority,
		validatorAddrCdc: validatorAddrCdc,
		consensusAddrCdc: consensusAddrCdc,

		Params:               collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Validators:           collections.NewMap(sb, types.ValidatorsKey, "validators", sdk.ValAddressKey, codec.CollValue[types.Validator](cdc)),
		ValidatorsByConsAddr: collections.NewMap(sb, types.ValidatorsByConsAddrKey, "validators_by_cons_addr", sdk.ConsAddressKey, collcodec.KeyToValueCodec(sdk.ValAddressKey)),
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

// SetValidator stores a candidate, indexes its consensus address and marks
// the active set for recomputation at the end of the block.
func (k Keeper) SetValidator(ctx context.Context, v types.Validator) error {
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
	if err := k.ValidatorsByConsAddr.Set(ctx, consAddr, valAddr); err != nil {
		return err
	}
	return k.ActiveSetStale.Set(ctx, true)
}

// IsActive reports whether the validator is in the current CometBFT set.
func (k Keeper) IsActive(ctx context.Context, addr sdk.ValAddress) (bool, error) {
	return k.ActiveSet.Has(ctx, addr)
}

// Status returns where a candidate stands and its voting power.
func (k Keeper) Status(ctx context.Context, v types.Validator) (types.ValidatorStatus, int64, error) {
	valAddr, err := k.validatorAddrCdc.StringToBytes(v.OperatorAddress)
	if err != nil {
		return 0, 0, err
	}
	power, err := k.ActiveSet.Get(ctx, valAddr)
	switch {
	case err == nil:
		return types.VALIDATOR_STATUS_ACTIVE, power, nil
	case !errors.Is(err, collections.ErrNotFound):
		return 0, 0, err
	case v.Jailed:
		return types.VALIDATOR_STATUS_JAILED, 0, nil
	default:
		return types.VALIDATOR_STATUS_WAITING, 0, nil
	}
}

// TotalBonded is the sum of every candidate's bond, which the bonded pool holds.
func (k Keeper) TotalBonded(ctx context.Context) (math.Int, error) {
	total := math.ZeroInt()
	err := k.Validators.Walk(ctx, nil, func(_ sdk.ValAddress, v types.Validator) (bool, error) {
		total = total.Add(v.SelfBond)
		return false, nil
	})
	return total, err
}
