package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// InitGenesis loads the genesis state.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	var next uint64
	for i, c := range gs.Codes {
		if err := k.Codes.Set(ctx, c.CodeId, c); err != nil {
			return err
		}
		if err := k.CodeBytes.Set(ctx, c.CodeId, gs.CodeBytes[i]); err != nil {
			return err
		}
		next = max(next, c.CodeId)
	}
	if err := k.NextCodeID.Set(ctx, next); err != nil {
		return err
	}
	for _, c := range gs.Contracts {
		addr, creator, err := contractAddresses(c)
		if err != nil {
			return err
		}
		if err := k.Contracts.Set(ctx, addr, c); err != nil {
			return err
		}
		if err := k.Labels.Set(ctx, collections.Join([]byte(creator), c.Label), addr); err != nil {
			return err
		}
		for _, w := range c.Workers {
			if err := k.assign(ctx, addr, w); err != nil {
				return err
			}
		}
		if err := k.setStaffing(ctx, addr, c); err != nil {
			return err
		}
	}
	for _, h := range gs.Heads {
		if err := k.Heads.Set(ctx, h.Contract, h); err != nil {
			return err
		}
	}
	for _, r := range gs.KeyRequests {
		if err := k.KeyRequests.Set(ctx, sdk.MustAccAddressFromBech32(r.Contract), r.Request); err != nil {
			return err
		}
	}
	for _, gc := range gs.Calls {
		addr := sdk.MustAccAddressFromBech32(gc.Contract)
		if err := k.Calls.Set(ctx, collections.Join([]byte(addr), gc.Call.Sequence), gc.Call); err != nil {
			return err
		}
		if len(gc.Call.TxHash) > 0 {
			if err := k.TxCalls.Set(ctx, gc.Call.TxHash, collections.Join([]byte(addr), gc.Call.Sequence)); err != nil {
				return err
			}
		}
	}
	for _, n := range gs.Nonces {
		contract, sender := sdk.MustAccAddressFromBech32(n.Contract), sdk.MustAccAddressFromBech32(n.Sender)
		if err := k.Nonces.Set(ctx, collections.Join3([]byte(contract), []byte(sender), n.Nonce)); err != nil {
			return err
		}
	}
	for _, e := range gs.State {
		contract := sdk.MustAccAddressFromBech32(e.Contract)
		if err := k.State.Set(ctx, collections.Join([]byte(contract), e.Id), e.Sealed); err != nil {
			return err
		}
	}
	for _, r := range gs.Results {
		key := collections.Join([]byte(sdk.MustAccAddressFromBech32(r.Contract)), r.Result.Sequence)
		if err := k.Results.Set(ctx, key, r.Result); err != nil {
			return err
		}
		if len(r.Result.TxHash) > 0 {
			if err := k.TxCalls.Set(ctx, r.Result.TxHash, key); err != nil {
				return err
			}
		}
	}
	return nil
}

func contractAddresses(c types.Contract) (addr, creator sdk.AccAddress, err error) {
	if addr, err = sdk.AccAddressFromBech32(c.Address); err != nil {
		return nil, nil, fmt.Errorf("contract %q: %w", c.Address, err)
	}
	if creator, err = sdk.AccAddressFromBech32(c.Creator); err != nil {
		return nil, nil, fmt.Errorf("contract %s creator %q: %w", c.Address, c.Creator, err)
	}
	return addr, creator, nil
}

// ExportGenesis exports the module state.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Codes.Walk(ctx, nil, func(id uint64, c types.Code) (bool, error) {
		b, err := k.CodeBytes.Get(ctx, id)
		gs.Codes, gs.CodeBytes = append(gs.Codes, c), append(gs.CodeBytes, b)
		return false, err
	}); err != nil {
		return nil, err
	}
	if err := k.Contracts.Walk(ctx, nil, func(_ []byte, c types.Contract) (bool, error) {
		gs.Contracts = append(gs.Contracts, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Calls.Walk(ctx, nil, func(key collections.Pair[[]byte, uint64], c types.Call) (bool, error) {
		gs.Calls = append(gs.Calls, types.GenesisCall{Contract: sdk.AccAddress(key.K1()).String(), Call: c})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Nonces.Walk(ctx, nil, func(key collections.Triple[[]byte, []byte, []byte]) (bool, error) {
		gs.Nonces = append(gs.Nonces, types.GenesisNonce{
			Contract: sdk.AccAddress(key.K1()).String(), Sender: sdk.AccAddress(key.K2()).String(), Nonce: key.K3()})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.State.Walk(ctx, nil, func(key collections.Pair[[]byte, []byte], sealed []byte) (bool, error) {
		gs.State = append(gs.State, types.GenesisStateEntry{Contract: sdk.AccAddress(key.K1()).String(), Id: key.K2(), Sealed: sealed})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Results.Walk(ctx, nil, func(key collections.Pair[[]byte, uint64], r types.Result) (bool, error) {
		gs.Results = append(gs.Results, types.GenesisResult{Contract: sdk.AccAddress(key.K1()).String(), Result: r})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Heads.Walk(ctx, nil, func(_ []byte, h enclaveapi.ContractStateHead) (bool, error) {
		gs.Heads = append(gs.Heads, h)
		return false, nil
	}); err != nil {
		return nil, err
	}
	err = k.KeyRequests.Walk(ctx, nil, func(addr []byte, r types.KeyRequest) (bool, error) {
		gs.KeyRequests = append(gs.KeyRequests, types.GenesisKeyRequest{Contract: sdk.AccAddress(addr).String(), Request: r})
		return false, nil
	})
	return gs, err
}
