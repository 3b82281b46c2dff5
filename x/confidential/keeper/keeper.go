// Package keeper holds the state of x/confidential: the limits on contract
// code, encrypted messages and fuel.
package keeper

import (
	"context"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/store"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// Keeper owns the confidential-contract state.
type Keeper struct {
	authority string

	Schema collections.Schema
	// Params are the contract limits.
	Params collections.Item[types.Params]
}

// NewKeeper creates the keeper. authority is the account allowed to change
// the limits (the x/gov module account).
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, authority string) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		authority: authority,
		Params:    collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority returns the account allowed to update the limits.
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
