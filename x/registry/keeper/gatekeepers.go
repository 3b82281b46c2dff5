package keeper

import (
	"context"
	"encoding/hex"

	errorsmod "cosmossdk.io/errors"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// AddGatekeeper makes a registered, attested worker a gatekeeper and tells
// the enclaves concerned through their ingress queues: the newcomer that it
// is a gatekeeper (and whether it is the first, which generates the master
// key), the others that it joined.
func (k Keeper) AddGatekeeper(ctx context.Context, msg *types.MsgAddGatekeeper) error {
	if msg.Authority != k.authority {
		return errorsmod.Wrapf(types.ErrInvalidSigner, "expected %s, got %s", k.authority, msg.Authority)
	}
	w, err := k.Workers.Get(ctx, msg.IdentityPubkey)
	if err != nil {
		return errorsmod.Wrapf(types.ErrWorkerNotFound, "identity key %x: a gatekeeper must be a registered worker", msg.IdentityPubkey)
	}
	if w.DeregisterTime != nil {
		return errorsmod.Wrapf(types.ErrWorkerDeregistering, "worker %x is leaving", msg.IdentityPubkey)
	}
	if is, err := k.Gatekeepers.Has(ctx, msg.IdentityPubkey); err != nil {
		return err
	} else if is {
		return errorsmod.Wrapf(types.ErrGatekeeper, "worker %x is already a gatekeeper", msg.IdentityPubkey)
	}
	// Tell the existing gatekeepers (in key order), so one holding the
	// master key shares it with the newcomer.
	var existing [][]byte
	if err := k.Gatekeepers.Walk(ctx, nil, func(g []byte) (bool, error) {
		existing = append(existing, g)
		return false, nil
	}); err != nil {
		return err
	}
	for _, g := range existing {
		if _, err := k.Enqueue(ctx, g, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_GatekeeperAdded{
			GatekeeperAdded: &enclaveapi.GatekeeperAdded{Identity: w.IdentityPubkey, EcdhPubkey: w.EcdhPubkey}}}); err != nil {
			return err
		}
	}
	published, err := k.MasterKey.Has(ctx)
	if err != nil {
		return err
	}
	first := len(existing) == 0 && !published
	if _, err := k.Enqueue(ctx, w.IdentityPubkey, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_GatekeeperAppointed{
		GatekeeperAppointed: &enclaveapi.GatekeeperAppointed{First: first}}}); err != nil {
		return err
	}
	return k.Gatekeepers.Set(ctx, msg.IdentityPubkey)
}

// RemoveGatekeeper removes a gatekeeper; the worker stays registered.
func (k Keeper) RemoveGatekeeper(ctx context.Context, msg *types.MsgRemoveGatekeeper) error {
	if msg.Authority != k.authority {
		return errorsmod.Wrapf(types.ErrInvalidSigner, "expected %s, got %s", k.authority, msg.Authority)
	}
	if is, err := k.Gatekeepers.Has(ctx, msg.IdentityPubkey); err != nil {
		return err
	} else if !is {
		return errorsmod.Wrapf(types.ErrGatekeeper, "worker %x is not a gatekeeper", msg.IdentityPubkey)
	}
	return k.Gatekeepers.Remove(ctx, msg.IdentityPubkey)
}

func hexKey(b []byte) string { return hex.EncodeToString(b) }
