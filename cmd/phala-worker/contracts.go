package main

import (
	"context"
	"encoding/binary"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/restore"
	confidentialtypes "github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// deliverContracts gives the enclave the code of every contract it is
// scheduled on (which it checks against the code hash it was assigned),
// then their pending calls, proven at height at.
func (s *sidecar) deliverContracts(ctx context.Context, at int64, contracts []*api.ContractProgress) error {
	var err error
	for _, c := range contracts {
		if !c.CodeLoaded {
			code, err := s.code(ctx, c.CodeId)
			if err != nil {
				return err
			}
			if _, err := s.enclave.LoadCode(ctx, &api.LoadCodeRequest{Code: code}); err != nil {
				return fmt.Errorf("enclave refused code %d of contract %s: %w", c.CodeId, sdk.AccAddress(c.Contract), err)
			}
		}
		if c.Restoring {
			if c.AssignedHeight > at {
				continue // assigned after at: restore at a later round
			}
			if c.Next, err = s.restore(ctx, at, c.Contract); err != nil {
				return err
			}
		}
		length, _, err := s.chain.proven(ctx, ingress.LengthKey(c.Contract), at)
		if err != nil {
			return err
		}
		if len(length) != 8 {
			continue // nothing queued yet
		}
		n := binary.BigEndian.Uint64(length)
		if c.Next > n {
			continue
		}
		for seq := c.Next; seq <= n; seq++ {
			msg, proof, err := s.chain.proven(ctx, ingress.MessageKey(c.Contract, seq), at)
			if err != nil {
				return err
			}
			raw, err := proof.Marshal()
			if err != nil {
				return err
			}
			if _, err := s.enclave.Dispatch(ctx, &api.DispatchRequest{Height: at, Sequence: seq, Message: msg, Proof: raw,
				Destination: c.Contract}); err != nil {
				return fmt.Errorf("enclave refused call %d of contract %s: %w", seq, sdk.AccAddress(c.Contract), err)
			}
			s.metrics.contractCalls.Inc()
			fmt.Fprintf(s.log, "ran call %d of contract %s at height %d\n", seq, sdk.AccAddress(c.Contract), at)
		}
	}
	return nil
}

// restoreBatch bounds the entries sent to the enclave in one call (each
// carries a proof of a couple of kilobytes).
const restoreBatch = 256

// restore gives the enclave a contract's state as of height at, which it
// was assigned to rebuild from the chain: the contract's state head and
// every sealed entry, each with its proof, in batches. It returns the call
// the enclave runs next.
func (s *sidecar) restore(ctx context.Context, at int64, contract []byte) (uint64, error) {
	head, headProof, err := s.chain.provenIn(ctx, restore.StoreKey, restore.HeadKey(contract), at)
	if err != nil {
		return 0, fmt.Errorf("state head of contract %s: %w", sdk.AccAddress(contract), err)
	}
	rawHeadProof, err := headProof.Marshal()
	if err != nil {
		return 0, err
	}
	req := &api.RestoreContractRequest{Contract: contract, Height: at, Head: head, HeadProof: rawHeadProof}
	send := func() (*api.RestoreContractResponse, error) {
		res, err := s.enclave.RestoreContract(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("enclave refused the state of contract %s at height %d: %w", sdk.AccAddress(contract), at, err)
		}
		req.Entries = nil
		return res, nil
	}
	var page *query.PageRequest
	for {
		var list confidentialtypes.QueryContractStateResponse
		err := s.chain.queryAt(ctx, "/phala.confidential.v1.Query/ContractState",
			&confidentialtypes.QueryContractStateRequest{Address: sdk.AccAddress(contract).String(), Pagination: page}, &list, at)
		if err != nil {
			return 0, fmt.Errorf("state of contract %s at height %d: %w", sdk.AccAddress(contract), at, err)
		}
		for _, e := range list.Entries {
			sealed, proof, err := s.chain.provenIn(ctx, restore.StoreKey, restore.StateKey(contract, e.Id), at)
			if err != nil {
				return 0, err
			}
			raw, err := proof.Marshal()
			if err != nil {
				return 0, err
			}
			req.Entries = append(req.Entries, &api.RestoreEntry{Id: e.Id, Sealed: sealed, Proof: raw})
			if len(req.Entries) == restoreBatch {
				if _, err := send(); err != nil {
					return 0, err
				}
			}
		}
		if list.Pagination == nil || len(list.Pagination.NextKey) == 0 {
			break
		}
		page = &query.PageRequest{Key: list.Pagination.NextKey}
	}
	res, err := send()
	if err != nil {
		return 0, err
	}
	if !res.Done {
		return 0, fmt.Errorf("contract %s: the enclave holds %d state entries after all were sent at height %d", sdk.AccAddress(contract), res.Received, at)
	}
	fmt.Fprintf(s.log, "restored contract %s from the chain at height %d: %d state entries, next call %d\n", sdk.AccAddress(contract), at, res.Received, res.Next)
	return res.Next, nil
}

// code returns a code's module, uncompressed, fetched from the node once.
func (s *sidecar) code(ctx context.Context, id uint64) ([]byte, error) {
	if b, ok := s.codes[id]; ok {
		return b, nil
	}
	var res confidentialtypes.QueryCodeBytesResponse
	if err := s.chain.query(ctx, "/phala.confidential.v1.Query/CodeBytes", &confidentialtypes.QueryCodeBytesRequest{CodeId: id}, &res); err != nil {
		return nil, fmt.Errorf("code %d: %w", id, err)
	}
	module, err := confidentialtypes.DecodeUpload(res.Data, confidentialtypes.MaxCodeSizeCeiling)
	if err != nil {
		return nil, fmt.Errorf("code %d: %w", id, err)
	}
	if s.codes == nil {
		s.codes = map[uint64][]byte{}
	}
	s.codes[id] = module
	return module, nil
}
