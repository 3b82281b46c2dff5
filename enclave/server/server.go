// Package server serves enclave/core over the Enclave gRPC API
// (proto/phala/enclave/v1/api.proto), one call at a time.
package server

import (
	"context"
	"errors"
	"sync"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cometbft/cometbft/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
	"github.com/phala-cosmos/phala-cosmos/enclave/core"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/lightclient"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
	"github.com/phala-cosmos/phala-cosmos/enclave/restore"
)

// MaxHeadersPerCall bounds a SyncHeaders batch.
const MaxHeadersPerCall = 1000

// Server adapts an Enclave to the gRPC API.
type Server struct {
	mu      sync.Mutex
	enclave *core.Enclave
	chainID string
}

var _ api.EnclaveServer = (*Server)(nil)

// New serves e, which follows chainID.
func New(e *core.Enclave, chainID string) *Server { return &Server{enclave: e, chainID: chainID} }

// Info returns the enclave's public state.
func (s *Server) Info(context.Context, *api.InfoRequest) (*api.InfoResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.enclave.Info()
	var contracts []*api.ContractProgress
	for _, c := range i.Contracts {
		contracts = append(contracts, &api.ContractProgress{Contract: c.Contract, CodeId: c.CodeID, Next: c.Next, CodeLoaded: c.CodeLoaded,
			Restoring: c.Restoring, AssignedHeight: c.AssignedHeight})
	}
	return &api.InfoResponse{Contracts: contracts,
		Backend: string(i.Backend), MrEnclave: i.Measurement.MREnclave[:], MrSigner: i.Measurement.MRSigner[:],
		IsvProdId: uint32(i.Measurement.ISVProdID), IsvSvn: uint32(i.Measurement.ISVSVN), Debug: i.Measurement.Debug,
		IdentityPubkey: i.IdentityPubkey, EcdhPubkey: i.ECDHPubkey, SyncedHeight: i.SyncedHeight,
		NextIngress: i.NextIngress, NextEgress: i.NextEgress, Registered: i.Registered, Gatekeeper: i.Gatekeeper,
		MasterPublicKey: i.MasterPublicKey, MasterKeyGeneration: i.MasterKeyGeneration, ChainId: s.chainID,
	}, nil
}

// Attest returns registration evidence for an operator.
func (s *Server) Attest(_ context.Context, req *api.AttestRequest) (*api.AttestResponse, error) {
	if len(req.Operator) != 20 {
		return nil, status.Errorf(codes.InvalidArgument, "operator is %d bytes, want a 20-byte account address", len(req.Operator))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	evidence, err := s.enclave.Attest(req.Operator)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &api.AttestResponse{Evidence: evidence}, nil
}

// SyncHeaders verifies a batch of light blocks.
func (s *Server) SyncHeaders(_ context.Context, req *api.SyncHeadersRequest) (*api.SyncHeadersResponse, error) {
	if len(req.LightBlocks) > MaxHeadersPerCall {
		return nil, status.Errorf(codes.InvalidArgument, "%d headers in one call, at most %d", len(req.LightBlocks), MaxHeadersPerCall)
	}
	blocks := make([]*types.LightBlock, 0, len(req.LightBlocks))
	for i, raw := range req.LightBlocks {
		var pb cmtproto.LightBlock
		if err := pb.Unmarshal(raw); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "light block %d: %v", i, err)
		}
		lb, err := types.LightBlockFromProto(&pb)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "light block %d: %v", i, err)
		}
		blocks = append(blocks, lb)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.enclave.SyncHeaders(blocks)
	if err != nil {
		return nil, status.Error(code(err), err.Error())
	}
	return &api.SyncHeadersResponse{Height: h}, nil
}

// Dispatch delivers an ingress message with its proof.
func (s *Server) Dispatch(_ context.Context, req *api.DispatchRequest) (*api.DispatchResponse, error) {
	var proof cmtcrypto.ProofOps
	if err := proof.Unmarshal(req.Proof); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "proof: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if len(req.Destination) == 0 {
		err = s.enclave.Dispatch(req.Height, req.Sequence, req.Message, &proof)
	} else {
		err = s.enclave.DispatchContract(req.Destination, req.Height, req.Sequence, req.Message, &proof)
	}
	if err != nil {
		return nil, status.Error(code(err), err.Error())
	}
	return &api.DispatchResponse{}, nil
}

// LoadCode keeps a contract module for the enclave's contracts.
func (s *Server) LoadCode(_ context.Context, req *api.LoadCodeRequest) (*api.LoadCodeResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.enclave.LoadCode(req.Code)
	if err != nil {
		return nil, status.Error(code(err), err.Error())
	}
	return &api.LoadCodeResponse{Contracts: uint32(n)}, nil
}

// RestoreContract takes a batch of a contract's state proven at a height.
func (s *Server) RestoreContract(_ context.Context, req *api.RestoreContractRequest) (*api.RestoreContractResponse, error) {
	var headProof cmtcrypto.ProofOps
	if err := headProof.Unmarshal(req.HeadProof); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "head proof: %v", err)
	}
	entries := make([]core.RestoreEntry, len(req.Entries))
	for i, en := range req.Entries {
		entries[i] = core.RestoreEntry{ID: en.Id, Sealed: en.Sealed, Proof: &cmtcrypto.ProofOps{}}
		if err := entries[i].Proof.Unmarshal(en.Proof); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "proof of entry %d: %v", i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.enclave.RestoreContract(req.Contract, req.Height, req.Head, &headProof, entries)
	if err != nil {
		return nil, status.Error(code(err), err.Error())
	}
	return &api.RestoreContractResponse{Received: p.Received, Done: p.Done, Next: p.Next}, nil
}

// Query answers a sealed user query; it never sees the plaintext outside
// the enclave.
func (s *Server) Query(_ context.Context, req *api.QueryEnvelope) (*api.QueryEnvelope, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sealed, err := s.enclave.Query(req.Sealed)
	if err != nil {
		return nil, status.Error(code(err), err.Error())
	}
	return &api.QueryEnvelope{Sealed: sealed}, nil
}

// TakeEgress returns signed egress from a sequence number on.
func (s *Server) TakeEgress(_ context.Context, req *api.TakeEgressRequest) (*api.TakeEgressResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &api.TakeEgressResponse{}
	for _, m := range s.enclave.TakeEgress(req.From) {
		out.Messages = append(out.Messages, &api.SignedEgress{Sequence: m.Sequence, Payload: m.Payload, Signature: m.Signature})
	}
	return out, nil
}

// code maps refusals to gRPC codes a sidecar can act on.
func code(err error) codes.Code {
	switch {
	case errors.Is(err, ingress.ErrReplay):
		return codes.AlreadyExists
	case errors.Is(err, ingress.ErrGap), errors.Is(err, core.ErrNotSynced), errors.Is(err, lightclient.ErrNotNewer),
		errors.Is(err, core.ErrNotAssigned), errors.Is(err, core.ErrNoCode), errors.Is(err, core.ErrRestoring),
		errors.Is(err, core.ErrNotRestoring):
		return codes.FailedPrecondition
	case errors.Is(err, core.ErrWrongCode):
		return codes.InvalidArgument
	case errors.Is(err, ingress.ErrNotProven), errors.Is(err, lightclient.ErrVerification), errors.Is(err, lightclient.ErrMalformed),
		errors.Is(err, lightclient.ErrWrongChain), errors.Is(err, lightclient.ErrAnchorMismatch), errors.Is(err, query.ErrRequest),
		errors.Is(err, restore.ErrHead), errors.Is(err, restore.ErrEntry), errors.Is(err, contractstate.ErrOpen):
		return codes.InvalidArgument
	}
	return codes.Internal
}
