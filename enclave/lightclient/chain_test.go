package lightclient

import (
	"crypto/sha256"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
)

// A synthetic chain signed by real ed25519 validator keys, for tests that
// need headers a live network would not produce (forged, under-signed,
// time-reversing, other chains).

const testChainID = "phala-test-1"

var genesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// valSet is a validator set with its private keys.
type valSet struct {
	set  *types.ValidatorSet
	keys map[string]types.PrivValidator // by address
}

func newValSet(t testing.TB, powers ...int64) valSet {
	t.Helper()
	vs := valSet{keys: map[string]types.PrivValidator{}}
	var vals []*types.Validator
	for _, p := range powers {
		pv := types.NewMockPV()
		vals = append(vals, pv.ExtractIntoValidator(p))
		vs.keys[string(vals[len(vals)-1].Address)] = pv
	}
	vs.set = types.NewValidatorSet(vals)
	return vs
}

// blockSpec describes one synthetic block.
type blockSpec struct {
	chainID string
	height  int64
	time    time.Time
	vals    valSet // signs the block
	next    valSet // named as next validators
	signers int    // how many validators (in set order) sign; 0 = all
	appHash []byte
}

func makeBlock(t testing.TB, s blockSpec) *types.LightBlock {
	t.Helper()
	if s.chainID == "" {
		s.chainID = testChainID
	}
	appHash := s.appHash
	if appHash == nil {
		h := sha256.Sum256([]byte{byte(s.height), byte(s.height >> 8)})
		appHash = h[:]
	}
	header := &types.Header{
		Version:            cmtversion.Consensus{Block: version.BlockProtocol},
		ChainID:            s.chainID,
		Height:             s.height,
		Time:               s.time,
		ValidatorsHash:     s.vals.set.Hash(),
		NextValidatorsHash: s.next.set.Hash(),
		ConsensusHash:      make([]byte, 32),
		AppHash:            appHash,
		LastResultsHash:    make([]byte, 32),
		ProposerAddress:    s.vals.set.Proposer.Address,
	}
	blockID := types.BlockID{Hash: header.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: make([]byte, 32)}}
	commit := &types.Commit{Height: s.height, BlockID: blockID}
	for i, v := range s.vals.set.Validators {
		if s.signers > 0 && i >= s.signers {
			commit.Signatures = append(commit.Signatures, types.NewCommitSigAbsent())
			continue
		}
		vote := &types.Vote{
			Type: cmtproto.PrecommitType, Height: s.height, BlockID: blockID, Timestamp: s.time,
			ValidatorAddress: v.Address, ValidatorIndex: int32(i),
		}
		pb := vote.ToProto()
		if err := s.vals.keys[string(v.Address)].SignVote(s.chainID, pb); err != nil {
			t.Fatal(err)
		}
		vote.Signature = pb.Signature
		commit.Signatures = append(commit.Signatures, vote.CommitSig())
	}
	return &types.LightBlock{SignedHeader: &types.SignedHeader{Header: header, Commit: commit}, ValidatorSet: s.vals.set}
}

// testChain makes n consecutive blocks, one second apart; the validator set
// changes to next from height changeAt on (0: never).
func testChain(t testing.TB, n int, vals, next valSet, changeAt int64) []*types.LightBlock {
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
		out = append(out, makeBlock(t, blockSpec{height: h, time: genesisTime.Add(time.Duration(h) * time.Second), vals: signing, next: named}))
	}
	return out
}

func anchorOf(lb *types.LightBlock) TrustAnchor {
	return TrustAnchor{ChainID: lb.ChainID, Height: lb.Height, Hash: lb.Hash()}
}
