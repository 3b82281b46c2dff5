package main

import (
	"context"
	"encoding/binary"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	confidentialtypes "github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// deliverContracts gives the enclave the code of every contract it is
// scheduled on (which it checks against the code hash it was assigned),
// then their pending calls, proven at height at.
func (s *sidecar) deliverContracts(ctx context.Context, at int64, contracts []*api.ContractProgress) error {
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
