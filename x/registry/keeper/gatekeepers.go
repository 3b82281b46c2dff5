package keeper

import (
	"context"
	"encoding/hex"

	errorsmod "cosmossdk.io/errors"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// AddGatekeeper makes a registered, attested worker a gatekeeper.
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
