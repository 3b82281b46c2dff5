package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// maxBatch is how many headers go to the enclave per call.
const maxBatch = 200

// sidecar relays between the node and the enclave. It is untrusted: the
// enclave verifies everything it is given.
type sidecar struct {
	chain    *chain
	enclave  api.EnclaveClient
	endpoint string
	log      io.Writer

	identity []byte
	bond     sdk.Coin // the bond to keep, topped up at start; zero: none
	// collateral is Intel's collateral for an SGX registration (--collateral);
	// nil: the chain uses what submit-collateral stored for the platform.
	collateral *registrytypes.Collateral
	started    time.Time
	synced     int64
	metrics    *metrics
	// codes caches contract modules by code id (enclave/core checks them).
	codes map[uint64][]byte
}

// register registers the worker unless the chain already has it.
func (s *sidecar) register(ctx context.Context) error {
	info, err := s.enclave.Info(ctx, &api.InfoRequest{})
	if err != nil {
		return fmt.Errorf("enclave: %w", err)
	}
	if info.ChainId != s.chain.chainID {
		return fmt.Errorf("the enclave follows chain %q, the node serves %q", info.ChainId, s.chain.chainID)
	}
	s.identity = info.IdentityPubkey
	w, err := s.chain.worker(ctx, info.IdentityPubkey)
	if err != nil {
		return err
	}
	if w != nil {
		fmt.Fprintf(s.log, "worker %x is registered (backend %s, operator %s)\n", info.IdentityPubkey, w.Backend, w.Operator)
		return s.topUpBond(ctx, w.Bond)
	}
	att, err := s.enclave.Attest(ctx, &api.AttestRequest{Operator: s.chain.operator()})
	if err != nil {
		return fmt.Errorf("enclave attestation: %w", err)
	}
	msg := &registrytypes.MsgRegisterWorker{Operator: s.chain.operator().String(), IdentityPubkey: info.IdentityPubkey,
		EcdhPubkey: info.EcdhPubkey, Evidence: att.Evidence, Endpoint: s.endpoint, Collateral: s.collateral}
	if err := s.chain.send(ctx, msg); err != nil {
		return fmt.Errorf("registering worker %x: %w", info.IdentityPubkey, err)
	}
	fmt.Fprintf(s.log, "registered worker %x (backend %s) as operator %s\n", info.IdentityPubkey, info.Backend, s.chain.operator())
	return s.topUpBond(ctx, sdk.Coin{Denom: s.bond.Denom, Amount: math.ZeroInt()})
}

// topUpBond bonds what the worker lacks of --bond (nothing if unset): after
// a registration, and after slashes for missed heartbeats took the bond
// below what the operator wants.
func (s *sidecar) topUpBond(ctx context.Context, current sdk.Coin) error {
	if s.bond.Amount.IsNil() || !s.bond.IsPositive() {
		return nil
	}
	if current.Denom != "" && current.Denom != s.bond.Denom {
		return fmt.Errorf("--bond is in %s but the worker bonds %s", s.bond.Denom, current.Denom)
	}
	if !current.Amount.IsNil() && current.Amount.GTE(s.bond.Amount) {
		return nil
	}
	missing := s.bond
	if !current.Amount.IsNil() {
		missing.Amount = s.bond.Amount.Sub(current.Amount)
	}
	msg := &registrytypes.MsgBondWorker{Operator: s.chain.operator().String(), IdentityPubkey: s.identity, Amount: missing}
	if err := s.chain.send(ctx, msg); err != nil {
		return fmt.Errorf("bonding %s to worker %x: %w", missing, s.identity, err)
	}
	fmt.Fprintf(s.log, "bonded %s to worker %x (now %s)\n", missing, s.identity, s.bond)
	return nil
}

// step brings the enclave up to the node's head: headers, then ingress
// messages proven at the head's predecessor, then egress to the chain.
func (s *sidecar) step(ctx context.Context) error {
	head, err := s.chain.height(ctx)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	info, err := s.enclave.Info(ctx, &api.InfoRequest{})
	if err != nil {
		return fmt.Errorf("enclave: %w", err)
	}
	from := info.SyncedHeight + 1
	if info.SyncedHeight == 0 {
		from = 1 // the anchor (block 1 by default)
	}
	for from <= head {
		to := min(head, from+maxBatch-1)
		batch, err := s.chain.lightBlocks(ctx, from, to)
		if err != nil {
			return err
		}
		res, err := s.enclave.SyncHeaders(ctx, &api.SyncHeadersRequest{LightBlocks: batch})
		if err != nil {
			return fmt.Errorf("enclave refused headers %d..%d: %w", from, to, err)
		}
		s.synced = res.Height
		from = to + 1
	}
	s.metrics.nodeHeight.Set(float64(head))
	s.metrics.enclaveHeight.Set(float64(s.synced))
	s.metrics.lag.Set(float64(head - s.synced))
	if err := s.deliver(ctx, head); err != nil {
		return err
	}
	return s.submitEgress(ctx)
}

// deliver feeds the enclave its pending ingress messages, then its
// contracts' calls, proven at head-1.
func (s *sidecar) deliver(ctx context.Context, head int64) error {
	at := head - 1
	if at < 1 {
		return nil
	}
	info, err := s.enclave.Info(ctx, &api.InfoRequest{})
	if err != nil {
		return err
	}
	length, _, err := s.chain.proven(ctx, ingress.LengthKey(s.identity), at)
	if err != nil {
		return err
	}
	if len(length) != 8 {
		return nil // an empty queue has no length yet
	}
	n := binary.BigEndian.Uint64(length)
	for seq := info.NextIngress; seq <= n; seq++ {
		msg, proof, err := s.chain.proven(ctx, ingress.MessageKey(s.identity, seq), at)
		if err != nil {
			return err
		}
		raw, err := proof.Marshal()
		if err != nil {
			return err
		}
		if _, err := s.enclave.Dispatch(ctx, &api.DispatchRequest{Height: at, Sequence: seq, Message: msg, Proof: raw}); err != nil {
			return fmt.Errorf("enclave refused ingress %d: %w", seq, err)
		}
		s.metrics.ingress.Inc()
		fmt.Fprintf(s.log, "delivered ingress message %d at height %d\n", seq, at)
	}
	// Assignments arrive through the enclave's own queue: ask again.
	if info, err = s.enclave.Info(ctx, &api.InfoRequest{}); err != nil {
		return err
	}
	return s.deliverContracts(ctx, at, info.Contracts)
}

// submitEgress sends the enclave's messages the chain has not accepted yet,
// in one transaction.
func (s *sidecar) submitEgress(ctx context.Context) error {
	next, err := s.chain.egressNext(ctx, s.identity)
	if err != nil {
		return err
	}
	out, err := s.enclave.TakeEgress(ctx, &api.TakeEgressRequest{From: next})
	if err != nil || len(out.Messages) == 0 {
		return err
	}
	var msgs []sdk.Msg
	for _, m := range out.Messages {
		msgs = append(msgs, &registrytypes.MsgSubmitEgress{Submitter: s.chain.operator().String(), Worker: s.identity,
			Sequence: m.Sequence, Payload: m.Payload, Signature: m.Signature})
	}
	if err := s.chain.send(ctx, msgs...); err != nil {
		return fmt.Errorf("submitting egress %d..%d: %w", next, next+uint64(len(msgs))-1, err)
	}
	s.metrics.egress.Add(float64(len(msgs)))
	fmt.Fprintf(s.log, "submitted egress %d..%d\n", next, next+uint64(len(msgs))-1)
	return nil
}
