// Package testchain makes synthetic CometBFT light blocks signed by real
// ed25519 validator keys, for tests that need headers a live network would
// not produce (forged, under-signed, time-reversing, other chains). Tests
// only.
package testchain

import (
	"crypto/sha256"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
)

// ChainID is the synthetic chain's id.
const ChainID = "phala-test-1"

// GenesisTime is block 0's time; block h is h seconds later.
var GenesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ValSet is a validator set with its private keys.
type ValSet struct {
	Set  *types.ValidatorSet
	Keys map[string]types.PrivValidator // by address
}

// NewValSet makes validators with the given powers.
func NewValSet(t testing.TB, powers ...int64) ValSet {
	t.Helper()
	vs := ValSet{Keys: map[string]types.PrivValidator{}}
	var vals []*types.Validator
	for _, p := range powers {
		pv := types.NewMockPV()
		vals = append(vals, pv.ExtractIntoValidator(p))
		vs.Keys[string(vals[len(vals)-1].Address)] = pv
	}
	vs.Set = types.NewValidatorSet(vals)
	return vs
}

// Spec describes one synthetic block.
type Spec struct {
	ChainID string
	Height  int64
	Time    time.Time
	Vals    ValSet // signs the block
	Next    ValSet // named as next validators
	Signers int    // how many validators (in set order) sign; 0 = all
	AppHash []byte
}

// Block makes and signs one light block.
func Block(t testing.TB, s Spec) *types.LightBlock {
	t.Helper()
	if s.ChainID == "" {
		s.ChainID = ChainID
	}
	appHash := s.AppHash
	if appHash == nil {
		h := sha256.Sum256([]byte{byte(s.Height), byte(s.Height >> 8)})
		appHash = h[:]
	}
	header := &types.Header{
		Version:            cmtversion.Consensus{Block: version.BlockProtocol},
		ChainID:            s.ChainID,
		Height:             s.Height,
		Time:               s.Time,
		ValidatorsHash:     s.Vals.Set.Hash(),
		NextValidatorsHash: s.Next.Set.Hash(),
		ConsensusHash:      make([]byte, 32),
		AppHash:            appHash,
		LastResultsHash:    make([]byte, 32),
		ProposerAddress:    s.Vals.Set.Proposer.Address,
	}
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
	commit := &types.Commit{Height: s.Height, BlockID: blockID}
	for i, v := range s.Vals.Set.Validators {
		if s.Signers > 0 && i >= s.Signers {
			commit.Signatures = append(commit.Signatures, types.NewCommitSigAbsent())
			continue
		}
		vote := &types.Vote{
			Type: cmtproto.PrecommitType, Height: s.Height, BlockID: blockID, Timestamp: s.Time,
			ValidatorAddress: v.Address, ValidatorIndex: int32(i),
		}
		pb := vote.ToProto()
		if err := s.Vals.Keys[string(v.Address)].SignVote(s.ChainID, pb); err != nil {
			t.Fatal(err)
		}
		vote.Signature = pb.Signature
		commit.Signatures = append(commit.Signatures, vote.CommitSig())
	}
	return &types.LightBlock{SignedHeader: &types.SignedHeader{Header: header, Commit: commit}, ValidatorSet: s.Vals.Set}
}

// Chain makes n consecutive blocks, one second apart; the validator set
// changes to next from height changeAt on (0: never).
func Chain(t testing.TB, n int, vals, next ValSet, changeAt int64) []*types.LightBlock {
	t.Helper()
	var out []*types.LightBlock
	for h := int64(1); h <= int64(n); h++ {
		signing, named := vals, vals
		if changeAt > 0 && h >= changeAt {
			signing = next
		}
		if changeAt > 0 && h+1 >= changeAt {
			named = next
		}
		out = append(out, Block(t, Spec{Height: h, Time: GenesisTime.Add(time.Duration(h) * time.Second), Vals: signing, Next: named}))
	}
	return out
}
