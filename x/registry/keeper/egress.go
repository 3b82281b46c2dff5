package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/egress"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// EgressWindow is how many accepted egress messages per worker are
// remembered for recognising replicas' duplicates.
const EgressWindow = 64

// EgressVerificationGas is charged for the signature check, before it.
const EgressVerificationGas = 1_000

// SubmitEgress accepts a worker's signed message in sequence. The sequence
// number is consumed once the signature and order check out, whatever the
// payload's fate, so the channel never stalls; a payload that cannot apply
// is reported in rejected and changes nothing.
func (k Keeper) SubmitEgress(ctx context.Context, msg *types.MsgSubmitEgress) (duplicate bool, rejected string, err error) {
	if has, err := k.Workers.Has(ctx, msg.Worker); err != nil {
		return false, "", err
	} else if !has {
		return false, "", errorsmod.Wrapf(types.ErrWorkerNotFound, "identity key %x", msg.Worker)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	sdkCtx.GasMeter().ConsumeGas(EgressVerificationGas, "egress signature verification")
	if !egress.Verify(sdkCtx.ChainID(), msg.Worker, msg.Sequence, msg.Payload, msg.Signature) {
		return false, "", errorsmod.Wrapf(types.ErrEgressSignature, "message %d of worker %x on chain %q", msg.Sequence, msg.Worker, sdkCtx.ChainID())
	}
	next, err := k.EgressNext.Get(ctx, msg.Worker)
	if errors.Is(err, collections.ErrNotFound) {
		next = 1
	} else if err != nil {
		return false, "", err
	}
	digest := sha256.Sum256(msg.Payload)
	switch {
	case msg.Sequence < next:
		seen, err := k.EgressDigests.Get(ctx, collections.Join(msg.Worker, msg.Sequence))
		if err == nil && bytes.Equal(seen, digest[:]) {
			return true, "", nil
		}
		return false, "", errorsmod.Wrapf(types.ErrEgressReplay, "message %d of worker %x: the next is %d", msg.Sequence, msg.Worker, next)
	case msg.Sequence > next:
		return false, "", errorsmod.Wrapf(types.ErrEgressGap, "message %d of worker %x: the next is %d", msg.Sequence, msg.Worker, next)
	}
	if err := k.EgressNext.Set(ctx, msg.Worker, next+1); err != nil {
		return false, "", err
	}
	if err := k.EgressDigests.Set(ctx, collections.Join(msg.Worker, msg.Sequence), digest[:]); err != nil {
		return false, "", err
	}
	if msg.Sequence > EgressWindow {
		if err := k.EgressDigests.Remove(ctx, collections.Join(msg.Worker, msg.Sequence-EgressWindow)); err != nil {
			return false, "", err
		}
	}
	// The payload applies in a cache, so a refused one leaves no trace.
	cache, write := sdkCtx.CacheContext()
	if err := k.applyEgress(cache, msg.Worker, msg.Payload); err != nil {
		return false, err.Error(), nil
	}
	write()
	return false, "", nil
}

// applyEgress carries out an enclave's message.
func (k Keeper) applyEgress(ctx sdk.Context, worker, payload []byte) error {
	var m enclaveapi.EgressMessage
	if err := m.Unmarshal(payload); err != nil {
		return fmt.Errorf("payload is not an EgressMessage: %v", err)
	}
	switch body := m.Body.(type) {
	case *enclaveapi.EgressMessage_MasterKeyPublished:
		return k.publishMasterKey(ctx, worker, body.MasterKeyPublished)
	case *enclaveapi.EgressMessage_MasterKeyShare:
		return k.relayMasterKeyShare(ctx, worker, body.MasterKeyShare)
	case *enclaveapi.EgressMessage_Heartbeat:
		return k.acceptHeartbeat(ctx, worker, body.Heartbeat)
	case *enclaveapi.EgressMessage_BenchmarkResult:
		return k.recordBenchmark(ctx, worker, body.BenchmarkResult)
	case *enclaveapi.EgressMessage_Randomness:
		return k.acceptRandomness(ctx, worker, body.Randomness)
	case *enclaveapi.EgressMessage_ContractKeyPublished:
		if err := k.contractGatekeeper(ctx, worker); err != nil {
			return err
		}
		return k.contracts.PublishContractKey(ctx, worker, body.ContractKeyPublished)
	case *enclaveapi.EgressMessage_ContractKeyShared:
		if err := k.contractGatekeeper(ctx, worker); err != nil {
			return err
		}
		return k.contracts.ShareContractKey(ctx, worker, body.ContractKeyShared)
	case *enclaveapi.EgressMessage_ContractResult:
		if k.contracts == nil {
			return errors.New("this chain runs no contracts")
		}
		return k.contracts.ApplyContractResult(ctx, worker, body.ContractResult)
	default:
		return errors.New("payload carries no known message")
	}
}

// contractGatekeeper refuses contract key messages from a worker that is
// not a gatekeeper, or on a chain without contracts.
func (k Keeper) contractGatekeeper(ctx sdk.Context, worker []byte) error {
	if is, err := k.Gatekeepers.Has(ctx, worker); err != nil {
		return err
	} else if !is {
		return fmt.Errorf("worker %x is not a gatekeeper", worker)
	}
	if k.contracts == nil {
		return errors.New("this chain runs no contracts")
	}
	return nil
}

// publishMasterKey stores a master public key from a gatekeeper: the first
// generation once, then each generation a rotation asked its leader for.
func (k Keeper) publishMasterKey(ctx sdk.Context, worker []byte, m *enclaveapi.MasterKeyPublished) error {
	if is, err := k.Gatekeepers.Has(ctx, worker); err != nil {
		return err
	} else if !is {
		return fmt.Errorf("worker %x is not a gatekeeper", worker)
	}
	if len(m.PublicKey) != 32 {
		return fmt.Errorf("master public key is %d bytes, want 32", len(m.PublicKey))
	}
	_, err := k.MasterKey.Get(ctx)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		return k.publishFirstMasterKey(ctx, worker, m)
	case err != nil:
		return err
	}
	rot, err := k.Rotation.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return errors.New("the master key is already published and no rotation is pending")
	} else if err != nil {
		return err
	}
	if !bytes.Equal(worker, rot.Leader) {
		return fmt.Errorf("the rotation to generation %d is led by gatekeeper %x, not %x", rot.Generation, rot.Leader, worker)
	}
	if m.Generation != rot.Generation {
		return fmt.Errorf("generation %d published, but the rotation is to generation %d", m.Generation, rot.Generation)
	}
	mk := types.MasterKey{PublicKey: m.PublicKey, PublishedBy: worker, PublishedHeight: ctx.BlockHeight(), Generation: m.Generation}
	if err := k.setMasterKey(ctx, mk); err != nil {
		return err
	}
	if err := k.Rotation.Remove(ctx); err != nil {
		return err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("master_key_rotated", sdk.NewAttribute("generation", fmt.Sprint(mk.Generation)),
		sdk.NewAttribute("public_key", hexKey(m.PublicKey)), sdk.NewAttribute("gatekeeper", hexKey(worker))))
	// The leader shares the new generation with every other gatekeeper.
	return k.tellOfGatekeepers(ctx, worker)
}

// publishFirstMasterKey stores generation 1 and asks its publisher for
// randomness, so heartbeat challenges need not wait for the next era.
func (k Keeper) publishFirstMasterKey(ctx sdk.Context, worker []byte, m *enclaveapi.MasterKeyPublished) error {
	if m.Generation > 1 {
		return fmt.Errorf("generation %d published before generation 1", m.Generation)
	}
	if err := k.setMasterKey(ctx, types.MasterKey{PublicKey: m.PublicKey, PublishedBy: worker, PublishedHeight: ctx.BlockHeight(), Generation: 1}); err != nil {
		return err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("master_key_published",
		sdk.NewAttribute("public_key", hexKey(m.PublicKey)), sdk.NewAttribute("gatekeeper", hexKey(worker))))
	round, err := k.RewardedEra.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	_, err = k.Enqueue(ctx, worker, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_RandomnessRequest{
		RandomnessRequest: &enclaveapi.RandomnessRequest{Round: round}}})
	return err
}

// setMasterKey makes mk the current generation and records it in the history.
func (k Keeper) setMasterKey(ctx context.Context, mk types.MasterKey) error {
	if err := k.MasterKey.Set(ctx, mk); err != nil {
		return err
	}
	return k.MasterKeyHistory.Set(ctx, mk.Generation, mk)
}

// relayMasterKeyShare queues a gatekeeper's encrypted master key for another
// gatekeeper, which reads it from its ingress queue with a proof.
func (k Keeper) relayMasterKeyShare(ctx sdk.Context, worker []byte, m *enclaveapi.MasterKeyShare) error {
	for _, g := range [][]byte{worker, m.To} {
		if is, err := k.Gatekeepers.Has(ctx, g); err != nil {
			return err
		} else if !is {
			return fmt.Errorf("worker %x is not a gatekeeper", g)
		}
	}
	if bytes.Equal(worker, m.To) {
		return errors.New("a gatekeeper cannot share the master key with itself")
	}
	mk, err := k.MasterKeyHistory.Get(ctx, m.Generation)
	if errors.Is(err, collections.ErrNotFound) {
		return fmt.Errorf("no master key of generation %d is published", m.Generation)
	} else if err != nil {
		return err
	}
	if len(m.Share) == 0 || len(m.Share) > 1024 {
		return fmt.Errorf("share is %d bytes, want 1..1024", len(m.Share))
	}
	seq, err := k.Enqueue(ctx, m.To, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_MasterKeyShare{
		MasterKeyShare: &enclaveapi.MasterKeyShare{From: worker, To: m.To, Share: m.Share, MasterPublicKey: mk.PublicKey, Generation: mk.Generation}}})
	if err != nil {
		return err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("master_key_shared",
		sdk.NewAttribute("from", hexKey(worker)), sdk.NewAttribute("to", hexKey(m.To)), sdk.NewAttribute("ingress_sequence", fmt.Sprint(seq))))
	return nil
}
