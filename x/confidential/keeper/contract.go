package keeper

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// ModuleAddress is the account holding prepaid fees until results arrive.
func ModuleAddress() sdk.AccAddress { return authtypes.NewModuleAddress(types.ModuleName) }

// checkCall applies the limits every sealed call obeys.
func checkCall(params types.Params, sealed []byte, fuel uint64) error {
	if uint64(len(sealed)) > params.MaxMessageSize {
		return errorsmod.Wrapf(types.ErrInvalidCall, "the sealed call is %d bytes, over max_message_size %d", len(sealed), params.MaxMessageSize)
	}
	if len(sealed) < envelope.Overhead {
		return errorsmod.Wrapf(types.ErrInvalidCall, "the sealed call is %d bytes, shorter than an envelope (%d)", len(sealed), envelope.Overhead)
	}
	if fuel == 0 || fuel > params.MaxFuelPerCall {
		return errorsmod.Wrapf(types.ErrFuelLimit, "%d is not in [1, max_fuel_per_call %d]", fuel, params.MaxFuelPerCall)
	}
	return nil
}

// prepay moves a call's fee for fuel from the sender to the module account.
func (k Keeper) prepay(ctx context.Context, params types.Params, sender sdk.AccAddress, fuel uint64) (sdk.Coin, error) {
	fee := params.Fee(fuel)
	if fee.IsPositive() {
		if err := k.bank.SendCoinsFromAccountToModule(ctx, sender, types.ModuleName, sdk.NewCoins(fee)); err != nil {
			return fee, errorsmod.Wrapf(err, "prepaying %s for %d fuel", fee, fuel)
		}
	}
	return fee, nil
}

// txHash is the hash of the transaction being delivered (CometBFT's), nil
// outside one.
func txHash(ctx sdk.Context) []byte {
	if len(ctx.TxBytes()) == 0 {
		return nil
	}
	h := sha256.Sum256(ctx.TxBytes())
	return h[:]
}

// recordCall stores a queued call and indexes it by its transaction.
func (k Keeper) recordCall(ctx context.Context, contract []byte, call types.Call) error {
	if err := k.Calls.Set(ctx, collections.Join(contract, call.Sequence), call); err != nil {
		return err
	}
	if len(call.TxHash) == 0 {
		return nil
	}
	return k.TxCalls.Set(ctx, call.TxHash, collections.Join(contract, call.Sequence))
}

// Instantiate creates a contract from a code, schedules it on workers and
// asks a gatekeeper for its key; the init becomes call 1 once the
// gatekeeper has resealed it to the contract key.
func (k Keeper) Instantiate(ctx context.Context, msg *types.MsgInstantiate) (sdk.AccAddress, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkCall(params, msg.SealedInit, msg.FuelLimit); err != nil {
		return nil, err
	}
	creator, err := sdk.AccAddressFromBech32(msg.Creator)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidCall, "creator: %v", err)
	}
	if has, err := k.Codes.Has(ctx, msg.CodeId); err != nil {
		return nil, err
	} else if !has {
		return nil, errorsmod.Wrapf(types.ErrCodeNotFound, "code %d (phalad q confidential codes lists them)", msg.CodeId)
	}
	addr := types.ContractAddress(msg.CodeId, creator, msg.Label)
	if has, err := k.Labels.Has(ctx, collections.Join([]byte(creator), msg.Label)); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrLabelTaken, "%q (contract %s)", msg.Label, addr)
	}
	mk, err := k.registry.CurrentMasterKey(ctx)
	if errors.Is(err, registrytypes.ErrNoMasterKey) {
		return nil, errorsmod.Wrap(types.ErrNoGatekeeper, err.Error())
	} else if err != nil {
		return nil, err
	}
	candidates, err := k.registry.Schedulable(ctx)
	if err != nil {
		return nil, err
	}
	workers, err := k.schedule(sdkCtx, candidates, addr, nil, int(params.Replicas))
	if err != nil {
		return nil, err
	}
	if len(workers) == 0 {
		return nil, errorsmod.Wrap(types.ErrNoWorkers, "no registered worker is in service (bonded, responsive, not a gatekeeper, benchmark reported)")
	}
	fee, err := k.prepay(ctx, params, creator, msg.FuelLimit)
	if err != nil {
		return nil, err
	}

	contract := types.Contract{
		Address: addr.String(), CodeId: msg.CodeId, Creator: msg.Creator, Label: msg.Label,
		CreatedHeight: sdkCtx.BlockHeight(), Queued: 1, Replicas: params.Replicas,
	}
	for _, w := range workers {
		contract.Workers = append(contract.Workers, w.Identity)
		if err := k.assign(ctx, addr, w.Identity); err != nil {
			return nil, err
		}
	}
	if err := k.Contracts.Set(ctx, addr, contract); err != nil {
		return nil, err
	}
	if err := k.setStaffing(ctx, addr, contract); err != nil {
		return nil, err
	}
	if err := k.Labels.Set(ctx, collections.Join([]byte(creator), msg.Label), addr); err != nil {
		return nil, err
	}
	call := types.Call{Sequence: 1, Sender: msg.Creator, FuelLimit: msg.FuelLimit, Fee: fee, TxHash: txHash(sdkCtx), Height: sdkCtx.BlockHeight(), Nonce: msg.Nonce}
	if err := k.recordCall(ctx, addr, call); err != nil {
		return nil, err
	}
	gatekeeper, err := k.askGatekeeper(sdkCtx, addr, contract, types.KeyRequest{Init: &enclaveapi.ContractKeyRequest{
		Contract: addr, Creator: creator, Nonce: msg.Nonce, SealedInit: msg.SealedInit, Generation: mk.Generation}})
	if err != nil {
		return nil, err
	}
	attrs := []sdk.Attribute{
		sdk.NewAttribute("contract", addr.String()), sdk.NewAttribute("code_id", fmt.Sprint(msg.CodeId)),
		sdk.NewAttribute("creator", msg.Creator), sdk.NewAttribute("label", msg.Label),
		sdk.NewAttribute("gatekeeper", fmt.Sprintf("%x", gatekeeper)),
	}
	for _, w := range workers {
		attrs = append(attrs, sdk.NewAttribute("worker", fmt.Sprintf("%x", w.Identity)))
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent("instantiate", attrs...))
	return addr, nil
}

// Execute queues a command sealed to the contract's key: the fee for its
// fuel is prepaid, its funds move to the contract's account, and it is
// appended to the contract's queue for its workers to read.
func (k Keeper) Execute(ctx context.Context, msg *types.MsgExecute) (uint64, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	params, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	if err := checkCall(params, msg.Sealed, msg.FuelLimit); err != nil {
		return 0, err
	}
	sender, err := sdk.AccAddressFromBech32(msg.Sender)
	if err != nil {
		return 0, errorsmod.Wrapf(types.ErrInvalidCall, "sender: %v", err)
	}
	addr, err := sdk.AccAddressFromBech32(msg.Contract)
	if err != nil {
		return 0, errorsmod.Wrapf(types.ErrContractNotFound, "address %q: %v", msg.Contract, err)
	}
	contract, err := k.Contracts.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, errorsmod.Wrapf(types.ErrContractNotFound, "%s (phalad q confidential contracts lists them)", msg.Contract)
	} else if err != nil {
		return 0, err
	}
	if contract.Key == nil {
		return 0, errorsmod.Wrapf(types.ErrKeyNotPublished, "contract %s: its gatekeeper has not published the key yet; retry in a few blocks", msg.Contract)
	}
	nonce := collections.Join3([]byte(addr), []byte(sender), msg.Nonce)
	if used, err := k.Nonces.Has(ctx, nonce); err != nil {
		return 0, err
	} else if used {
		return 0, errorsmod.Wrapf(types.ErrNonceReused, "nonce %x of %s on contract %s", msg.Nonce, msg.Sender, msg.Contract)
	}
	if err := k.Nonces.Set(ctx, nonce); err != nil {
		return 0, err
	}
	fee, err := k.prepay(ctx, params, sender, msg.FuelLimit)
	if err != nil {
		return 0, err
	}
	if !msg.Funds.IsZero() {
		if err := k.bank.SendCoins(ctx, sender, addr, msg.Funds); err != nil {
			return 0, errorsmod.Wrapf(err, "moving %s to contract %s", msg.Funds, msg.Contract)
		}
	}
	seq := contract.Queued + 1
	queued, err := k.registry.Enqueue(ctx, addr, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_ContractCall{ContractCall: &enclaveapi.ContractCall{
		Sequence: seq, Sender: sender, Nonce: msg.Nonce, Sealed: msg.Sealed, FuelLimit: msg.FuelLimit,
		Height: sdkCtx.BlockHeight(), TimeUnixNano: sdkCtx.BlockTime().UnixNano(), Funds: msg.Funds.String(),
	}}})
	if err != nil {
		return 0, err
	}
	// The queue holds the resealed init at 1 once the gatekeeper answers,
	// so commands start at 2; the registry's numbering must agree.
	if queued != seq {
		return 0, fmt.Errorf("contract %s: queue position %d, but call %d", msg.Contract, queued, seq)
	}
	contract.Queued = seq
	if err := k.Contracts.Set(ctx, addr, contract); err != nil {
		return 0, err
	}
	digest := sha256.Sum256(msg.Sealed)
	call := types.Call{Sequence: seq, Sender: msg.Sender, FuelLimit: msg.FuelLimit, Fee: fee, Funds: msg.Funds, TxHash: txHash(sdkCtx),
		Height: sdkCtx.BlockHeight(), Nonce: msg.Nonce, SealedDigest: digest[:]}
	if err := k.recordCall(ctx, addr, call); err != nil {
		return 0, err
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent("execute",
		sdk.NewAttribute("contract", msg.Contract), sdk.NewAttribute("sequence", fmt.Sprint(seq)),
		sdk.NewAttribute("sender", msg.Sender), sdk.NewAttribute("fuel_limit", fmt.Sprint(msg.FuelLimit)),
		sdk.NewAttribute("funds", msg.Funds.String())))
	return seq, nil
}
