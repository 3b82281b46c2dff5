package keeper

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// Bounds of a result, beyond which a worker's result is refused.
const (
	// MaxResultEvents and MaxResultSends bound a result's events and
	// payments (the runtime's limits, DefaultLimits).
	MaxResultEvents = 64
	MaxResultSends  = 16
	// MaxResultWrites bounds the state entries one call changes.
	MaxResultWrites = 1024
	// MaxEventAttributes bounds one event's attributes.
	MaxEventAttributes = 32
	// MaxEventBytes bounds one event's type, keys and values together.
	MaxEventBytes = 4 << 10
)

// ApplyContractResult applies a scheduled worker's result of a contract's
// call (x/registry has checked its signature and order). Results apply in
// the order of the contract's queue: the first valid one for the next call
// wins; a later replica's result for an applied call is compared by digest,
// and a mismatch is recorded as a fault of that worker. Applying pays the
// worker's operator for the fuel used and refunds the rest of the fee; a
// failed call also refunds its funds and changes nothing else, a successful
// one stores its sealed state writes, emits its events and makes its
// payments.
func (k Keeper) ApplyContractResult(ctx sdk.Context, worker []byte, m *enclaveapi.ContractResult) error {
	addr := sdk.AccAddress(m.Contract)
	contract, err := k.Contracts.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return fmt.Errorf("no contract %x", m.Contract)
	} else if err != nil {
		return err
	}
	if !slices.ContainsFunc(contract.Workers, func(w []byte) bool { return bytes.Equal(w, worker) }) {
		return fmt.Errorf("worker %x is not scheduled on contract %s", worker, addr)
	}
	head, err := k.Heads.Get(ctx, addr)
	if err != nil {
		return fmt.Errorf("contract %s has no state head (its key is not published): %w", addr, err)
	}
	key := collections.Join([]byte(addr), m.Sequence)
	switch {
	case m.Sequence >= 1 && m.Sequence <= head.Applied:
		return k.compareReplica(ctx, addr, worker, m)
	case m.Sequence != head.Applied+1:
		return fmt.Errorf("contract %s: a result of call %d, but call %d is next", addr, m.Sequence, head.Applied+1)
	}
	call, err := k.Calls.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("contract %s: call %d: %w", addr, m.Sequence, err)
	}
	if err := checkResult(call, m); err != nil {
		return fmt.Errorf("contract %s call %d: %w", addr, m.Sequence, err)
	}
	if m.Error == "" {
		if head.Balance, err = balanceAfter(head.Balance, call.Funds, m.Sends); err != nil {
			return fmt.Errorf("contract %s call %d: %w", addr, m.Sequence, err)
		}
	}
	sender, err := sdk.AccAddressFromBech32(call.Sender)
	if err != nil {
		return err
	}
	paid, err := k.settleFee(ctx, worker, sender, call, m.FuelUsed)
	if err != nil {
		return err
	}
	result := types.Result{
		Sequence: m.Sequence, Worker: worker, Error: m.Error, SealedOutput: m.SealedOutput, FuelUsed: m.FuelUsed,
		FeePaid: paid, Height: ctx.BlockHeight(), Digest: m.Digest, SealedDigest: call.SealedDigest, Sender: call.Sender, TxHash: call.TxHash,
	}
	if m.Error != "" {
		if !call.Funds.IsZero() {
			if err := k.bank.SendCoins(ctx, addr, sender, call.Funds); err != nil {
				return fmt.Errorf("refunding %s to %s: %w", call.Funds, sender, err)
			}
		}
	} else {
		if head.Entries, err = k.commit(ctx, addr, head.Entries, m); err != nil {
			return err
		}
		result.PaymentError = k.pay(ctx, addr, m.Sends)
	}
	if err := k.Results.Set(ctx, key, result); err != nil {
		return err
	}
	if err := k.Calls.Remove(ctx, key); err != nil {
		return err
	}
	head.Applied = m.Sequence
	if err := k.Heads.Set(ctx, addr, head); err != nil {
		return err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("contract_result",
		sdk.NewAttribute("contract", addr.String()), sdk.NewAttribute("sequence", fmt.Sprint(m.Sequence)),
		sdk.NewAttribute("worker", fmt.Sprintf("%x", worker)), sdk.NewAttribute("error", m.Error),
		sdk.NewAttribute("fuel_used", fmt.Sprint(m.FuelUsed)), sdk.NewAttribute("fee_paid", paid.String()),
		sdk.NewAttribute("tx_hash", fmt.Sprintf("%X", call.TxHash))))
	return nil
}

// checkResult bounds a result against its call.
func checkResult(call types.Call, m *enclaveapi.ContractResult) error {
	switch {
	case m.FuelUsed > call.FuelLimit:
		return fmt.Errorf("fuel used %d is over the call's limit %d", m.FuelUsed, call.FuelLimit)
	case len(m.Digest) != sha256.Size:
		return fmt.Errorf("the digest is %d bytes, want %d", len(m.Digest), sha256.Size)
	case len(m.SealedOutput) > int(types.MaxMessageSizeCeiling)+envelope.Overhead:
		return fmt.Errorf("the sealed output is %d bytes", len(m.SealedOutput))
	case len(m.Events) > MaxResultEvents || len(m.Sends) > MaxResultSends || len(m.Writes) > MaxResultWrites:
		return fmt.Errorf("%d events, %d payments, %d writes: over %d, %d, %d", len(m.Events), len(m.Sends), len(m.Writes),
			MaxResultEvents, MaxResultSends, MaxResultWrites)
	case m.Error != "" && (len(m.Events) > 0 || len(m.Sends) > 0 || len(m.Writes) > 0):
		return errors.New("a failed call cannot change state, emit events or pay")
	}
	for i, w := range m.Writes {
		if len(w.Id) != contractstate.IDSize || len(w.Sealed) > int(types.MaxMessageSizeCeiling) {
			return fmt.Errorf("state write %d: a %d-byte id and %d sealed bytes", i, len(w.Id), len(w.Sealed))
		}
		if i > 0 && bytes.Compare(m.Writes[i-1].Id, w.Id) >= 0 {
			return errors.New("state writes are not sorted by id, or repeat one")
		}
	}
	for i, ev := range m.Events {
		size := len(ev.Type)
		for _, at := range ev.Attributes {
			size += len(at.Key) + len(at.Value)
		}
		if ev.Type == "" || len(ev.Attributes) > MaxEventAttributes || size > MaxEventBytes {
			return fmt.Errorf("event %d: type %q with %d attributes of %d bytes", i, ev.Type, len(ev.Attributes), size)
		}
	}
	return nil
}

// settleFee pays the worker's operator for the fuel used, at the price the
// sender prepaid (rounded up), and refunds the rest of the fee.
func (k Keeper) settleFee(ctx sdk.Context, worker []byte, sender sdk.AccAddress, call types.Call, used uint64) (sdk.Coin, error) {
	paid := sdk.NewCoin(call.Fee.Denom, math.ZeroInt())
	if call.Fee.Amount.IsNil() || !call.Fee.IsPositive() || call.FuelLimit == 0 {
		return paid, nil
	}
	limit := math.NewIntFromUint64(call.FuelLimit)
	paid.Amount = call.Fee.Amount.Mul(math.NewIntFromUint64(used)).Add(limit.SubRaw(1)).Quo(limit)
	w, _, err := k.registry.WorkerStatus(ctx, worker)
	if err != nil {
		return paid, err
	}
	to, err := sdk.AccAddressFromBech32(w.Operator)
	if err != nil {
		return paid, err
	}
	if paid.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, sdk.NewCoins(paid)); err != nil {
			return paid, err
		}
	}
	if refund := call.Fee.Sub(paid); refund.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, sender, sdk.NewCoins(refund)); err != nil {
			return paid, err
		}
	}
	return paid, nil
}

// balanceAfter is a contract's balance as its enclaves account it after a
// successful call: the call's funds in, its payments out. A payment beyond
// the balance (which no correct enclave makes) refuses the result.
func balanceAfter(balance string, funds sdk.Coins, sends []*enclaveapi.ContractSend) (string, error) {
	coins, err := sdk.ParseCoinsNormalized(balance)
	if err != nil {
		return "", fmt.Errorf("the contract's balance %q: %w", balance, err)
	}
	coins = coins.Add(funds...)
	for _, s := range sends {
		amount, ok := math.NewIntFromString(s.Amount)
		if !ok || !amount.IsPositive() {
			return "", fmt.Errorf("payment of %q%s: not a positive amount", s.Amount, s.Denom)
		}
		paid := sdk.Coin{Denom: s.Denom, Amount: amount}
		if err := paid.Validate(); err != nil {
			return "", fmt.Errorf("payment of %s%s: %w", s.Amount, s.Denom, err)
		}
		left, negative := coins.SafeSub(paid)
		if negative {
			return "", fmt.Errorf("payment of %s is over the contract's balance %s", paid, coins)
		}
		coins = left
	}
	return coins.String(), nil
}

// commit stores a successful call's sealed writes, emits its events and
// returns the contract's new number of state entries.
func (k Keeper) commit(ctx sdk.Context, addr sdk.AccAddress, entries uint64, m *enclaveapi.ContractResult) (uint64, error) {
	for _, w := range m.Writes {
		key := collections.Join([]byte(addr), w.Id)
		had, err := k.State.Has(ctx, key)
		if err != nil {
			return 0, err
		}
		switch {
		case len(w.Sealed) == 0 && had:
			err = k.State.Remove(ctx, key)
			entries--
		case len(w.Sealed) > 0:
			err = k.State.Set(ctx, key, w.Sealed)
			if !had {
				entries++
			}
		}
		if err != nil {
			return 0, err
		}
	}
	for _, ev := range m.Events {
		attrs := []sdk.Attribute{sdk.NewAttribute("contract", addr.String())}
		for _, at := range ev.Attributes {
			attrs = append(attrs, sdk.NewAttribute(at.Key, at.Value))
		}
		ctx.EventManager().EmitEvent(sdk.NewEvent("confidential."+ev.Type, attrs...))
	}
	return entries, nil
}

// pay makes a successful call's payments from the contract's account. The
// enclave checked them against the contract's balance, so they fail only
// for a recipient the bank refuses (a module account); such a payment is
// skipped and reported, since the contract's state already reflects it.
func (k Keeper) pay(ctx sdk.Context, addr sdk.AccAddress, sends []*enclaveapi.ContractSend) string {
	var failed []string
	for _, s := range sends {
		amount, ok := math.NewIntFromString(s.Amount)
		to, err := sdk.AccAddressFromBech32(s.To)
		if err == nil && k.bank.BlockedAddr(to) {
			err = errors.New("a module account may not receive payments")
		}
		if err == nil && ok {
			coin := sdk.Coin{Denom: s.Denom, Amount: amount}
			if err = coin.Validate(); err == nil {
				cache, write := ctx.CacheContext()
				if err = k.bank.SendCoins(cache, addr, to, sdk.NewCoins(coin)); err == nil {
					write()
					continue
				}
			}
		}
		if err == nil {
			err = errors.New("malformed amount")
		}
		failed = append(failed, fmt.Sprintf("%s%s to %s: %v", s.Amount, s.Denom, s.To, err))
	}
	if len(failed) == 0 {
		return ""
	}
	msg := fmt.Sprintf("%d payment(s) failed: %v", len(failed), failed)
	ctx.EventManager().EmitEvent(sdk.NewEvent("contract_payment_failed", sdk.NewAttribute("contract", addr.String()), sdk.NewAttribute("reason", msg)))
	return msg
}

// compareReplica checks another worker's result of an applied call against
// the applied one; a different digest is recorded as the worker's fault.
func (k Keeper) compareReplica(ctx sdk.Context, addr sdk.AccAddress, worker []byte, m *enclaveapi.ContractResult) error {
	applied, err := k.Results.Get(ctx, collections.Join([]byte(addr), m.Sequence))
	if err != nil {
		return err
	}
	if bytes.Equal(applied.Worker, worker) {
		return fmt.Errorf("contract %s: worker %x already gave the result of call %d", addr, worker, m.Sequence)
	}
	if bytes.Equal(applied.Digest, m.Digest) {
		return nil
	}
	if err := k.Faults.Set(ctx, collections.Join3([]byte(addr), m.Sequence, worker)); err != nil {
		return err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("contract_replica_fault",
		sdk.NewAttribute("contract", addr.String()), sdk.NewAttribute("sequence", fmt.Sprint(m.Sequence)),
		sdk.NewAttribute("worker", fmt.Sprintf("%x", worker)), sdk.NewAttribute("applied_from", fmt.Sprintf("%x", applied.Worker))))
	return nil
}
