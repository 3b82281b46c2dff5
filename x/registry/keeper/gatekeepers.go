package keeper

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

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
	existing, err := k.gatekeeperList(ctx)
	if err != nil {
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

// gatekeeperList returns the gatekeepers' identity keys in key order.
func (k Keeper) gatekeeperList(ctx context.Context) ([][]byte, error) {
	var out [][]byte
	err := k.Gatekeepers.Walk(ctx, nil, func(g []byte) (bool, error) {
		out = append(out, g)
		return false, nil
	})
	return out, err
}

// tellOfGatekeepers queues, for gatekeeper to, a GatekeeperAdded for every
// other gatekeeper, so it shares the master key (every generation) with them.
func (k Keeper) tellOfGatekeepers(ctx context.Context, to []byte) error {
	all, err := k.gatekeeperList(ctx)
	if err != nil {
		return err
	}
	for _, g := range all {
		if bytes.Equal(g, to) {
			continue
		}
		w, err := k.Workers.Get(ctx, g)
		if err != nil {
			return err
		}
		if _, err := k.Enqueue(ctx, to, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_GatekeeperAdded{
			GatekeeperAdded: &enclaveapi.GatekeeperAdded{Identity: g, EcdhPubkey: w.EcdhPubkey}}}); err != nil {
			return err
		}
	}
	return nil
}

// RotateMasterKey asks a gatekeeper (the leader) to generate the next
// generation of the master key. The current key stays until the leader's
// enclave publishes the new one; old generations stay for old data.
func (k Keeper) RotateMasterKey(ctx context.Context, msg *types.MsgRotateMasterKey) (types.MasterKeyRotation, error) {
	if msg.Authority != k.authority {
		return types.MasterKeyRotation{}, errorsmod.Wrapf(types.ErrInvalidSigner, "expected %s, got %s", k.authority, msg.Authority)
	}
	current, err := k.MasterKey.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.MasterKeyRotation{}, errorsmod.Wrap(types.ErrRotation, "no master key is published yet: nothing to rotate")
	} else if err != nil {
		return types.MasterKeyRotation{}, err
	}
	leader := msg.Leader
	if len(leader) == 0 {
		gatekeepers, err := k.gatekeeperList(ctx)
		if err != nil {
			return types.MasterKeyRotation{}, err
		}
		for _, g := range gatekeepers {
			if bytes.Equal(g, current.PublishedBy) {
				leader = g
			}
		}
		if leader == nil && len(gatekeepers) > 0 {
			leader = gatekeepers[0]
		}
		if leader == nil {
			return types.MasterKeyRotation{}, errorsmod.Wrap(types.ErrRotation, "there is no gatekeeper to generate the new key")
		}
	} else if is, err := k.Gatekeepers.Has(ctx, leader); err != nil {
		return types.MasterKeyRotation{}, err
	} else if !is {
		return types.MasterKeyRotation{}, errorsmod.Wrapf(types.ErrRotation, "leader %x is not a gatekeeper", leader)
	}
	rot := types.MasterKeyRotation{Generation: current.Generation + 1, Leader: leader, RequestedHeight: sdk.UnwrapSDKContext(ctx).BlockHeight()}
	if err := k.Rotation.Set(ctx, rot); err != nil {
		return types.MasterKeyRotation{}, err
	}
	if _, err := k.Enqueue(ctx, leader, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_MasterKeyRotation{
		MasterKeyRotation: &enclaveapi.MasterKeyRotation{Generation: rot.Generation}}}); err != nil {
		return types.MasterKeyRotation{}, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent("master_key_rotation_ordered",
		sdk.NewAttribute("generation", fmt.Sprint(rot.Generation)), sdk.NewAttribute("leader", hexKey(leader))))
	return rot, nil
}

func hexKey(b []byte) string { return hex.EncodeToString(b) }
