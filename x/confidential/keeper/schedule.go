package keeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// MaxStaffedPerBlock bounds how many understaffed contracts one block gives
// workers to (the rest wait for the next blocks).
const MaxStaffedPerBlock = 64

// EndBlock keeps every contract staffed and its key requests answered:
// requests a gatekeeper left unanswered past their deadline go to the next
// gatekeeper; workers out of service (unresponsive, leaving, under-bonded,
// gone) are taken off their contracts; contracts short of workers are given
// new ones drawn at random, which receive the contract key from a
// gatekeeper and rebuild its state from the chain (data availability).
func (k Keeper) EndBlock(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := k.retryKeyRequests(sdkCtx); err != nil {
		return err
	}
	if err := k.releaseLostWorkers(sdkCtx); err != nil {
		return err
	}
	return k.staffContracts(sdkCtx)
}

// assign schedules worker on contract in the indexes (the caller updates
// the contract's record).
func (k Keeper) assign(ctx context.Context, contract, worker []byte) error {
	load, err := k.WorkerLoad.Get(ctx, worker)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if err := k.WorkerLoad.Set(ctx, worker, load+1); err != nil {
		return err
	}
	return k.Assigned.Set(ctx, collections.Join(worker, contract))
}

// unassign is assign undone.
func (k Keeper) unassign(ctx context.Context, contract, worker []byte) error {
	if err := k.Assigned.Remove(ctx, collections.Join(worker, contract)); err != nil {
		return err
	}
	load, err := k.WorkerLoad.Get(ctx, worker)
	if err != nil {
		return err
	}
	if load <= 1 {
		return k.WorkerLoad.Remove(ctx, worker)
	}
	return k.WorkerLoad.Set(ctx, worker, load-1)
}

// setStaffing records whether a contract has fewer workers than it should.
func (k Keeper) setStaffing(ctx context.Context, addr []byte, c types.Contract) error {
	if uint32(len(c.Workers)) < c.Replicas {
		return k.Understaffed.Set(ctx, addr)
	}
	return k.Understaffed.Remove(ctx, addr)
}

// schedule draws up to n workers for a contract among those in service,
// leaving out the ones it has.
func (k Keeper) schedule(ctx sdk.Context, candidates []registrytypes.Schedulable, contract []byte, have [][]byte, n int) ([]registrytypes.Schedulable, error) {
	candidates = slices.DeleteFunc(slices.Clone(candidates), func(c registrytypes.Schedulable) bool {
		return slices.ContainsFunc(have, func(w []byte) bool { return bytes.Equal(w, c.Identity) })
	})
	if n <= 0 || len(candidates) == 0 {
		return nil, nil
	}
	beacon, err := k.registry.BeaconValue(ctx)
	if err != nil {
		return nil, err
	}
	return types.Draw(types.ScheduleSeed(beacon, ctx.HeaderInfo().Hash, contract), candidates, n), nil
}

// askGatekeeper sends a contract's key request (req.Init) or share request
// (req.Awaiting) to the next gatekeeper in line (attempt after attempt,
// round the candidates) and records it with its deadline. It returns the
// gatekeeper asked.
func (k Keeper) askGatekeeper(ctx sdk.Context, addr []byte, c types.Contract, req types.KeyRequest) ([]byte, error) {
	generation := uint32(0)
	switch {
	case req.Init != nil:
		generation = req.Init.Generation
	case c.Key != nil:
		generation = c.Key.Generation
	default:
		return nil, fmt.Errorf("contract %s: a share request before its key", sdk.AccAddress(addr))
	}
	candidates, err := k.registry.GatekeeperCandidates(ctx, generation)
	if err != nil {
		return nil, err
	}
	if len(candidates) == 0 {
		return nil, errorsmod.Wrap(types.ErrNoGatekeeper, "the gatekeeper set is empty")
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	req.Attempt++
	req.Gatekeeper = candidates[int((req.Attempt-1)%uint32(len(candidates)))]
	req.Deadline = ctx.BlockHeight() + int64(params.KeyRequestTimeout)
	var msg enclaveapi.IngressMessage
	kind := "key"
	if req.Init != nil {
		if req.Init.Workers, err = k.contractWorkers(ctx, c.Workers); err != nil {
			return nil, err
		}
		msg.Body = &enclaveapi.IngressMessage_ContractKeyRequest{ContractKeyRequest: req.Init}
	} else {
		kind = "shares"
		workers, err := k.contractWorkers(ctx, req.Awaiting)
		if err != nil {
			return nil, err
		}
		msg.Body = &enclaveapi.IngressMessage_ContractShareRequest{ContractShareRequest: &enclaveapi.ContractShareRequest{
			Contract: addr, Generation: generation, Workers: workers}}
	}
	if _, err := k.registry.Enqueue(ctx, req.Gatekeeper, msg); err != nil {
		return nil, err
	}
	if err := k.KeyRequests.Set(ctx, addr, req); err != nil {
		return nil, err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("contract_key_requested",
		sdk.NewAttribute("contract", sdk.AccAddress(addr).String()), sdk.NewAttribute("kind", kind),
		sdk.NewAttribute("gatekeeper", fmt.Sprintf("%x", req.Gatekeeper)), sdk.NewAttribute("attempt", fmt.Sprint(req.Attempt)),
		sdk.NewAttribute("deadline", fmt.Sprint(req.Deadline))))
	return req.Gatekeeper, nil
}

// contractWorkers are the identity and X25519 keys of workers, as
// registered (workers no longer registered are left out).
func (k Keeper) contractWorkers(ctx context.Context, ids [][]byte) ([]*enclaveapi.ContractWorker, error) {
	var out []*enclaveapi.ContractWorker
	for _, id := range ids {
		w, _, err := k.registry.WorkerStatus(ctx, id)
		if errors.Is(err, registrytypes.ErrWorkerNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, &enclaveapi.ContractWorker{Identity: id, EcdhPubkey: w.EcdhPubkey})
	}
	return out, nil
}

// awaitShares adds workers to those of a contract (whose key is published)
// awaiting a share, and asks a gatekeeper unless a request is in flight
// (its answer leaves them waiting, and they are asked for right after).
func (k Keeper) awaitShares(ctx sdk.Context, addr []byte, c types.Contract, workers [][]byte) error {
	req, err := k.KeyRequests.Get(ctx, addr)
	inFlight := err == nil
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	req.Awaiting = append(req.Awaiting, workers...)
	if inFlight {
		return k.KeyRequests.Set(ctx, addr, req)
	}
	_, err = k.askGatekeeper(ctx, addr, c, req)
	return err
}

// retryKeyRequests asks the next gatekeeper for every request whose
// deadline has passed; with no gatekeeper at all, the request waits.
func (k Keeper) retryKeyRequests(ctx sdk.Context) error {
	var due [][]byte
	err := k.KeyRequests.Walk(ctx, nil, func(addr []byte, req types.KeyRequest) (bool, error) {
		if req.Deadline < ctx.BlockHeight() {
			due = append(due, addr)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, addr := range due {
		req, err := k.KeyRequests.Get(ctx, addr)
		if err != nil {
			return err
		}
		c, err := k.Contracts.Get(ctx, addr)
		if err != nil {
			return err
		}
		if _, err := k.askGatekeeper(ctx, addr, c, req); errors.Is(err, types.ErrNoGatekeeper) {
			continue
		} else if err != nil {
			return err
		}
	}
	return nil
}

// releaseLostWorkers takes every worker that is no longer in service off
// its contracts, telling its enclave (ContractUnassigned) in case it comes
// back.
func (k Keeper) releaseLostWorkers(ctx sdk.Context) error {
	var lost [][]byte
	err := k.WorkerLoad.Walk(ctx, nil, func(worker []byte, _ uint64) (bool, error) {
		_, in, err := k.registry.WorkerStatus(ctx, worker)
		if err != nil && !errors.Is(err, registrytypes.ErrWorkerNotFound) {
			return true, err
		}
		if !in {
			lost = append(lost, worker)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, worker := range lost {
		var contracts [][]byte
		err := k.Assigned.Walk(ctx, collections.NewPrefixedPairRange[[]byte, []byte](worker), func(key collections.Pair[[]byte, []byte]) (bool, error) {
			contracts = append(contracts, key.K2())
			return false, nil
		})
		if err != nil {
			return err
		}
		for _, addr := range contracts {
			if err := k.releaseWorker(ctx, addr, worker); err != nil {
				return err
			}
		}
	}
	return nil
}

// releaseWorker takes one lost worker off one contract.
func (k Keeper) releaseWorker(ctx sdk.Context, addr, worker []byte) error {
	c, err := k.Contracts.Get(ctx, addr)
	if err != nil {
		return err
	}
	c.Workers = slices.DeleteFunc(c.Workers, func(w []byte) bool { return bytes.Equal(w, worker) })
	if err := k.Contracts.Set(ctx, addr, c); err != nil {
		return err
	}
	if err := k.unassign(ctx, addr, worker); err != nil {
		return err
	}
	if err := k.setStaffing(ctx, addr, c); err != nil {
		return err
	}
	if req, err := k.KeyRequests.Get(ctx, addr); err == nil {
		req.Awaiting = slices.DeleteFunc(req.Awaiting, func(w []byte) bool { return bytes.Equal(w, worker) })
		if err := k.KeyRequests.Set(ctx, addr, req); err != nil {
			return err
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if _, _, err := k.registry.WorkerStatus(ctx, worker); err == nil {
		if _, err := k.registry.Enqueue(ctx, worker, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_ContractUnassigned{
			ContractUnassigned: &enclaveapi.ContractUnassigned{Contract: addr}}}); err != nil {
			return err
		}
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("contract_worker_released",
		sdk.NewAttribute("contract", sdk.AccAddress(addr).String()), sdk.NewAttribute("worker", fmt.Sprintf("%x", worker)),
		sdk.NewAttribute("reason", "the worker is out of service")))
	return nil
}

// staffContracts gives understaffed contracts workers drawn among those in
// service; those with a published key get it from a gatekeeper and
// restore the state from the chain.
func (k Keeper) staffContracts(ctx sdk.Context) error {
	var short [][]byte
	err := k.Understaffed.Walk(ctx, nil, func(addr []byte) (bool, error) {
		short = append(short, addr)
		return len(short) == MaxStaffedPerBlock, nil
	})
	if err != nil || len(short) == 0 {
		return err
	}
	candidates, err := k.registry.Schedulable(ctx)
	if err != nil || len(candidates) == 0 {
		return err
	}
	for _, addr := range short {
		c, err := k.Contracts.Get(ctx, addr)
		if err != nil {
			return err
		}
		drawn, err := k.schedule(ctx, candidates, addr, c.Workers, int(c.Replicas)-len(c.Workers))
		if err != nil {
			return err
		}
		if len(drawn) == 0 {
			continue
		}
		var added [][]byte
		for _, w := range drawn {
			c.Workers = append(c.Workers, w.Identity)
			added = append(added, w.Identity)
			if err := k.assign(ctx, addr, w.Identity); err != nil {
				return err
			}
			ctx.EventManager().EmitEvent(sdk.NewEvent("contract_worker_scheduled",
				sdk.NewAttribute("contract", sdk.AccAddress(addr).String()), sdk.NewAttribute("worker", fmt.Sprintf("%x", w.Identity))))
		}
		if err := k.Contracts.Set(ctx, addr, c); err != nil {
			return err
		}
		if err := k.setStaffing(ctx, addr, c); err != nil {
			return err
		}
		// Before the key, the key request (re-sent with the workers of the
		// moment, or answered without them) covers them.
		if c.Key != nil {
			if err := k.awaitShares(ctx, addr, c, added); err != nil && !errors.Is(err, types.ErrNoGatekeeper) {
				return err
			}
		}
	}
	return nil
}

// ShareContractKey applies a gatekeeper's answer to a share request: each
// awaited worker still scheduled is assigned the contract, to rebuild its
// state from the chain first. An answer with an error sends the request to
// the next gatekeeper.
func (k Keeper) ShareContractKey(ctx sdk.Context, gatekeeper []byte, m *enclaveapi.ContractKeyShared) error {
	addr := sdk.AccAddress(m.Contract)
	c, err := k.Contracts.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return fmt.Errorf("no contract %x", m.Contract)
	} else if err != nil {
		return err
	}
	req, err := k.KeyRequests.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) || (err == nil && req.Init != nil) {
		return fmt.Errorf("contract %s awaits no key shares", addr)
	} else if err != nil {
		return err
	}
	if c.Key == nil || m.Generation != c.Key.Generation {
		return fmt.Errorf("contract %s: shares of generation %d, its key is of another", addr, m.Generation)
	}
	if m.Error != "" {
		if !bytes.Equal(gatekeeper, req.Gatekeeper) {
			return fmt.Errorf("contract %s: gatekeeper %x was not asked", addr, gatekeeper)
		}
		ctx.EventManager().EmitEvent(sdk.NewEvent("contract_key_share_failed",
			sdk.NewAttribute("contract", addr.String()), sdk.NewAttribute("gatekeeper", fmt.Sprintf("%x", gatekeeper)),
			sdk.NewAttribute("reason", truncate(m.Error, 256))))
		candidates, err := k.registry.GatekeeperCandidates(ctx, c.Key.Generation)
		if err != nil {
			return err
		}
		if len(candidates) == 0 || int(req.Attempt)%len(candidates) == 0 {
			return nil // every gatekeeper failed this round: the next starts at the deadline
		}
		_, err = k.askGatekeeper(ctx, addr, c, req)
		return err
	}
	code, err := k.Codes.Get(ctx, c.CodeId)
	if err != nil {
		return err
	}
	assigned := 0
	for _, share := range m.Shares {
		awaited := slices.ContainsFunc(req.Awaiting, func(w []byte) bool { return bytes.Equal(w, share.Worker) })
		if !awaited || len(share.Share) == 0 || len(share.Share) > MaxShareSize {
			continue
		}
		if err := k.assignContract(ctx, c, code, share, true); err != nil {
			return err
		}
		req.Awaiting = slices.DeleteFunc(req.Awaiting, func(w []byte) bool { return bytes.Equal(w, share.Worker) })
		assigned++
	}
	if assigned == 0 {
		return fmt.Errorf("contract %s: no share for a worker that awaits one", addr)
	}
	if len(req.Awaiting) == 0 {
		return k.KeyRequests.Remove(ctx, addr)
	}
	req.Attempt = 0
	_, err = k.askGatekeeper(ctx, addr, c, req)
	return err
}

// assignContract tells a scheduled worker to run the contract with its
// share of the key: from call 1 (a new contract), or after rebuilding the
// state from the chain (restore).
func (k Keeper) assignContract(ctx sdk.Context, c types.Contract, code types.Code, share *enclaveapi.ContractKeyShare, restore bool) error {
	addr := sdk.MustAccAddressFromBech32(c.Address)
	msg := &enclaveapi.ContractAssigned{Contract: addr, CodeId: code.CodeId, CodeHash: code.CodeHash, PublicKey: c.Key.PublicKey,
		Share: share.Share, Restore: restore}
	if !restore {
		msg.FromSequence = 1
	}
	if _, err := k.registry.Enqueue(ctx, share.Worker, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_ContractAssigned{ContractAssigned: msg}}); err != nil {
		return err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("contract_assigned",
		sdk.NewAttribute("contract", c.Address), sdk.NewAttribute("worker", fmt.Sprintf("%x", share.Worker)),
		sdk.NewAttribute("restore", fmt.Sprint(restore))))
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
