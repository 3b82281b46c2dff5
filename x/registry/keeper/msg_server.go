package keeper

import (
	"context"
	"encoding/hex"
	"fmt"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

var _ types.MsgServer = msgServer{}

type msgServer struct{ k Keeper }

// NewMsgServerImpl returns the module's transaction service.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k: k} }

// UpdateParams replaces the attestation policy; only the authority may.
func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidSigner, "expected %s, got %s", m.k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidParams, err.Error())
	}
	if err := m.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}

// RegisterWorker admits a TEE worker after verifying its attestation.
func (m msgServer) RegisterWorker(ctx context.Context, msg *types.MsgRegisterWorker) (*types.MsgRegisterWorkerResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	w, err := m.k.RegisterWorker(ctx, msg)
	if err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent("worker_registered",
		sdk.NewAttribute("identity_pubkey", hex.EncodeToString(w.IdentityPubkey)),
		sdk.NewAttribute("operator", w.Operator),
		sdk.NewAttribute("backend", w.Backend),
		sdk.NewAttribute("mr_enclave", w.MrEnclave),
		sdk.NewAttribute("tcb_status", w.TcbStatus)))
	return &types.MsgRegisterWorkerResponse{}, nil
}

// UpdateEndpoint changes a worker's endpoint; only its operator may.
func (m msgServer) UpdateEndpoint(ctx context.Context, msg *types.MsgUpdateEndpoint) (*types.MsgUpdateEndpointResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	w, err := m.k.Workers.Get(ctx, msg.IdentityPubkey)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrWorkerNotFound, "identity key %x", msg.IdentityPubkey)
	}
	if w.Operator != msg.Operator {
		return nil, errorsmod.Wrapf(types.ErrNotOperator, "worker %x is operated by %s", msg.IdentityPubkey, w.Operator)
	}
	w.Endpoint = msg.Endpoint
	if err := m.k.Workers.Set(ctx, w.IdentityPubkey, w); err != nil {
		return nil, err
	}
	return &types.MsgUpdateEndpointResponse{}, nil
}

// SubmitCollateral verifies and caches Intel collateral; anyone may.
func (m msgServer) SubmitCollateral(ctx context.Context, msg *types.MsgSubmitCollateral) (*types.MsgSubmitCollateralResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	rec, err := m.k.SubmitCollateral(ctx, msg.Submitter, msg.Collateral)
	if err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent("collateral_submitted",
		sdk.NewAttribute("fmspc", rec.Fmspc), sdk.NewAttribute("expires", rec.Expires.UTC().Format("2006-01-02T15:04:05Z"))))
	return &types.MsgSubmitCollateralResponse{Fmspc: rec.Fmspc}, nil
}

// RenewWorker refreshes a worker's attestation.
func (m msgServer) RenewWorker(ctx context.Context, msg *types.MsgRenewWorker) (*types.MsgRenewWorkerResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	w, err := m.k.RenewWorker(ctx, msg)
	if err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent("worker_renewed",
		sdk.NewAttribute("identity_pubkey", hex.EncodeToString(w.IdentityPubkey)),
		sdk.NewAttribute("mr_enclave", w.MrEnclave), sdk.NewAttribute("tcb_status", w.TcbStatus)))
	return &types.MsgRenewWorkerResponse{}, nil
}

// BondWorker adds stake to a worker.
func (m msgServer) BondWorker(ctx context.Context, msg *types.MsgBondWorker) (*types.MsgBondWorkerResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if _, err := m.k.BondWorker(ctx, msg); err != nil {
		return nil, err
	}
	return &types.MsgBondWorkerResponse{}, nil
}

// UnbondWorker starts returning stake.
func (m msgServer) UnbondWorker(ctx context.Context, msg *types.MsgUnbondWorker) (*types.MsgUnbondWorkerResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	release, err := m.k.UnbondWorker(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgUnbondWorkerResponse{ReleaseTime: release}, nil
}

// DeregisterWorker takes a worker out of service.
func (m msgServer) DeregisterWorker(ctx context.Context, msg *types.MsgDeregisterWorker) (*types.MsgDeregisterWorkerResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	remove, err := m.k.DeregisterWorker(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgDeregisterWorkerResponse{RemoveTime: remove}, nil
}

// AddGatekeeper adds a gatekeeper (governance).
func (m msgServer) AddGatekeeper(ctx context.Context, msg *types.MsgAddGatekeeper) (*types.MsgAddGatekeeperResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	return &types.MsgAddGatekeeperResponse{}, m.k.AddGatekeeper(ctx, msg)
}

// RemoveGatekeeper removes a gatekeeper (governance).
func (m msgServer) RemoveGatekeeper(ctx context.Context, msg *types.MsgRemoveGatekeeper) (*types.MsgRemoveGatekeeperResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	return &types.MsgRemoveGatekeeperResponse{}, m.k.RemoveGatekeeper(ctx, msg)
}

// RotateMasterKey orders a master key rotation (governance).
func (m msgServer) RotateMasterKey(ctx context.Context, msg *types.MsgRotateMasterKey) (*types.MsgRotateMasterKeyResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	r, err := m.k.RotateMasterKey(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgRotateMasterKeyResponse{Generation: r.Generation, Leader: r.Leader}, nil
}

// SubmitEgress delivers an enclave's signed message.
func (m msgServer) SubmitEgress(ctx context.Context, msg *types.MsgSubmitEgress) (*types.MsgSubmitEgressResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	duplicate, rejected, err := m.k.SubmitEgress(ctx, msg)
	if err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent("egress",
		sdk.NewAttribute("worker", hex.EncodeToString(msg.Worker)),
		sdk.NewAttribute("sequence", fmt.Sprint(msg.Sequence)),
		sdk.NewAttribute("duplicate", fmt.Sprint(duplicate)),
		sdk.NewAttribute("rejected", rejected)))
	return &types.MsgSubmitEgressResponse{Duplicate: duplicate, Rejected: rejected}, nil
}
