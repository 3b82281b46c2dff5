package keeper

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

var _ registrytypes.ContractHooks = Keeper{}

// MaxShareSize bounds a sealed contract key share.
const MaxShareSize = 1024

// PublishContractKey applies a gatekeeper's answer to a contract's key
// request (x/registry has checked the signer is a gatekeeper; any
// gatekeeper's valid answer is as good as the one asked): the key and its
// signature are stored with the contract's empty state head, the resealed
// init is queued as call 1 and each scheduled worker the answer has a share
// for is told to run the contract; scheduled workers it has none for (drawn
// after the request was sent) are asked a share for. An init the
// gatekeeper could not open drops the contract and refunds it.
func (k Keeper) PublishContractKey(ctx sdk.Context, gatekeeper []byte, m *enclaveapi.ContractKeyPublished) error {
	addr := sdk.AccAddress(m.Contract)
	contract, err := k.Contracts.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return fmt.Errorf("no contract %x", m.Contract)
	} else if err != nil {
		return err
	}
	if contract.Key != nil {
		return fmt.Errorf("contract %s already has its key", addr)
	}
	if m.InitError != "" {
		// Only the gatekeeper asked last speaks for the request: a late
		// refusal from one passed over does not undo the retry.
		if req, err := k.KeyRequests.Get(ctx, addr); err == nil && !bytes.Equal(req.Gatekeeper, gatekeeper) {
			return fmt.Errorf("contract %s: gatekeeper %x refused the init, but %x was asked", addr, gatekeeper, req.Gatekeeper)
		}
		return k.dropContract(ctx, addr, contract, m.InitError)
	}
	if err := k.checkKeyAnswer(ctx, gatekeeper, m); err != nil {
		return fmt.Errorf("contract %s: %w", addr, err)
	}
	contract.Key = &types.ContractKey{
		PublicKey: m.PublicKey, Gatekeeper: gatekeeper, Signature: m.Signature,
		Generation: m.Generation, PublishedHeight: ctx.BlockHeight(),
	}
	if err := k.Contracts.Set(ctx, addr, contract); err != nil {
		return err
	}
	if err := k.Heads.Set(ctx, addr, enclaveapi.ContractStateHead{Contract: addr}); err != nil {
		return err
	}
	init, err := k.Calls.Get(ctx, collections.Join([]byte(addr), uint64(1)))
	if err != nil {
		return fmt.Errorf("contract %s: its init call: %w", addr, err)
	}
	digest := sha256.Sum256(m.ResealedInit)
	init.SealedDigest = digest[:]
	if err := k.Calls.Set(ctx, collections.Join([]byte(addr), uint64(1)), init); err != nil {
		return err
	}
	creator, err := sdk.AccAddressFromBech32(contract.Creator)
	if err != nil {
		return err
	}
	seq, err := k.registry.Enqueue(ctx, addr, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_ContractCall{ContractCall: &enclaveapi.ContractCall{
		Sequence: 1, Sender: creator, Nonce: init.Nonce, Sealed: m.ResealedInit, FuelLimit: init.FuelLimit,
		Height: ctx.BlockHeight(), TimeUnixNano: ctx.BlockTime().UnixNano(), Init: true,
	}}})
	if err != nil {
		return err
	}
	if seq != 1 {
		return fmt.Errorf("contract %s: its queue already holds %d calls before the init", addr, seq-1)
	}
	code, err := k.Codes.Get(ctx, contract.CodeId)
	if err != nil {
		return err
	}
	var missing [][]byte
	for _, w := range contract.Workers {
		i := slices.IndexFunc(m.Shares, func(s *enclaveapi.ContractKeyShare) bool { return bytes.Equal(s.Worker, w) })
		if i < 0 {
			missing = append(missing, w)
			continue
		}
		if err := k.assignContract(ctx, contract, code, m.Shares[i], false); err != nil {
			return err
		}
	}
	if err := k.KeyRequests.Remove(ctx, addr); err != nil {
		return err
	}
	if len(missing) > 0 {
		if err := k.awaitShares(ctx, addr, contract, missing); err != nil {
			return err
		}
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("contract_key_published",
		sdk.NewAttribute("contract", addr.String()), sdk.NewAttribute("public_key", fmt.Sprintf("%x", m.PublicKey)),
		sdk.NewAttribute("gatekeeper", fmt.Sprintf("%x", gatekeeper)), sdk.NewAttribute("generation", fmt.Sprint(m.Generation))))
	return nil
}

// checkKeyAnswer checks a gatekeeper's key publication: a signed key of a
// published master key generation, a resealed init of a sane size, and
// shares of a sane size for distinct workers.
func (k Keeper) checkKeyAnswer(ctx sdk.Context, gatekeeper []byte, m *enclaveapi.ContractKeyPublished) error {
	mk, err := k.registry.CurrentMasterKey(ctx)
	if err != nil {
		return err
	}
	if m.Generation == 0 || m.Generation > mk.Generation {
		return fmt.Errorf("master key generation %d is not published (current %d)", m.Generation, mk.Generation)
	}
	if !contractkey.Verify(gatekeeper, ctx.ChainID(), m.Contract, m.PublicKey, m.Generation, m.Signature) {
		return fmt.Errorf("the gatekeeper's signature of the key does not verify")
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if n := uint64(len(m.ResealedInit)); n < envelope.Overhead || n > params.MaxMessageSize {
		return fmt.Errorf("the resealed init is %d bytes, not in [%d, %d]", n, envelope.Overhead, params.MaxMessageSize)
	}
	if len(m.Shares) > types.MaxReplicasCeiling {
		return fmt.Errorf("%d key shares, over %d", len(m.Shares), types.MaxReplicasCeiling)
	}
	for i, s := range m.Shares {
		if len(s.Share) == 0 || len(s.Share) > MaxShareSize {
			return fmt.Errorf("key share %d is %d bytes, want 1..%d", i, len(s.Share), MaxShareSize)
		}
		if slices.ContainsFunc(m.Shares[:i], func(o *enclaveapi.ContractKeyShare) bool { return bytes.Equal(o.Worker, s.Worker) }) {
			return fmt.Errorf("two key shares for worker %x", s.Worker)
		}
	}
	return nil
}

// dropContract removes a contract whose init did not open and refunds the
// init's fee to its creator; the label may be used again.
func (k Keeper) dropContract(ctx sdk.Context, addr sdk.AccAddress, contract types.Contract, reason string) error {
	creator, err := sdk.AccAddressFromBech32(contract.Creator)
	if err != nil {
		return err
	}
	key := collections.Join([]byte(addr), uint64(1))
	init, err := k.Calls.Get(ctx, key)
	if err != nil {
		return err
	}
	if init.Fee.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, creator, sdk.NewCoins(init.Fee)); err != nil {
			return err
		}
	}
	if err := k.Calls.Remove(ctx, key); err != nil {
		return err
	}
	if len(init.TxHash) > 0 {
		if err := k.TxCalls.Remove(ctx, init.TxHash); err != nil {
			return err
		}
	}
	if err := k.Labels.Remove(ctx, collections.Join([]byte(creator), contract.Label)); err != nil {
		return err
	}
	if err := k.Contracts.Remove(ctx, addr); err != nil {
		return err
	}
	for _, w := range contract.Workers {
		if err := k.unassign(ctx, addr, w); err != nil {
			return err
		}
	}
	if err := k.Understaffed.Remove(ctx, addr); err != nil {
		return err
	}
	if err := k.KeyRequests.Remove(ctx, addr); err != nil {
		return err
	}
	reason = truncate(reason, 256)
	ctx.EventManager().EmitEvent(sdk.NewEvent("instantiate_failed",
		sdk.NewAttribute("contract", addr.String()), sdk.NewAttribute("creator", contract.Creator),
		sdk.NewAttribute("reason", reason), sdk.NewAttribute("refund", init.Fee.String())))
	return nil
}
