// Package keeper holds the state of x/registry: the attestation policy that
// decides which enclaves may register as workers.
package keeper

import (
	"context"
	"crypto/sha256"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/store"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// Keeper owns the registry state.
type Keeper struct {
	authority string

	Schema collections.Schema
	// Params is the attestation policy.
	Params collections.Item[types.Params]
	// Workers maps identity keys to registered workers.
	Workers collections.Map[[]byte, types.Worker]
	// Collateral maps FMSPCs (lower-case hex) to verified Intel collateral.
	Collateral collections.Map[string, types.CollateralRecord]
	// GenesisHash is SHA-256 of the genesis app state, which worker report
	// data commits to. Set by the app at InitChain; not exported.
	GenesisHash collections.Item[[]byte]
}

// NewKeeper creates the keeper. authority is the account allowed to change
// the policy (the x/gov module account).
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, authority string) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		authority:   authority,
		Params:      collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Workers:     collections.NewMap(sb, types.WorkersKey, "workers", collections.BytesKey, codec.CollValue[types.Worker](cdc)),
		Collateral:  collections.NewMap(sb, types.CollateralKey, "collateral", collections.StringKey, codec.CollValue[types.CollateralRecord](cdc)),
		GenesisHash: collections.NewItem(sb, types.GenesisHashKey, "genesis_hash", collections.BytesValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// SetGenesisHash records SHA-256 of the genesis app state (the app calls it
// from InitChainer with the bytes CometBFT passed).
func (k Keeper) SetGenesisHash(ctx context.Context, appState []byte) error {
	h := sha256.Sum256(appState)
	return k.GenesisHash.Set(ctx, h[:])
}

// Authority returns the account allowed to update the policy.
func (k Keeper) Authority() string { return k.authority }

// InitGenesis loads the genesis state.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	return k.Params.Set(ctx, gs.Params)
}

// ExportGenesis exports the module state.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.GenesisState{Params: params}, nil
}
