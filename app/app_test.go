package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/app/txsigner"
	npostypes "github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

var pha = math.NewInt(1_000_000)

// chain drives an app through ABCI block by block, as CometBFT would.
type chain struct {
	t       *testing.T
	g       *apptest.Genesis
	height  int64
	absent  map[string]bool // consensus addresses that do not sign
	updates []abci.ValidatorUpdate
}

func (c *chain) finalize(txs ...[]byte) *abci.ResponseFinalizeBlock {
	c.t.Helper()
	c.height++
	var votes []abci.VoteInfo
	if c.height > 1 {
		for _, v := range c.g.Validators {
			flag := cmtproto.BlockIDFlagCommit
			if c.absent[v.ConsAddress().String()] {
				flag = cmtproto.BlockIDFlagAbsent
			}
			votes = append(votes, abci.VoteInfo{
				Validator:   abci.Validator{Address: v.ConsAddress(), Power: v.Bond.Quo(pha).Int64()},
				BlockIdFlag: flag,
			})
		}
	}
	res, err := c.g.App.FinalizeBlock(&abci.RequestFinalizeBlock{
		Height:            c.height,
		Time:              apptest.GenesisTime.Add(time.Duration(c.height) * time.Second),
		Txs:               txs,
		DecidedLastCommit: abci.CommitInfo{Votes: votes},
		ProposerAddress:   c.g.Validators[0].ConsAddress(),
	})
	if err != nil {
		c.t.Fatalf("FinalizeBlock %d: %v", c.height, err)
	}
	if _, err := c.g.App.Commit(); err != nil {
		c.t.Fatalf("Commit %d: %v", c.height, err)
	}
	c.updates = append(c.updates, res.ValidatorUpdates...)
	return res
}

func (c *chain) ctx() sdk.Context {
	return c.g.App.NewUncachedContext(false, cmtproto.Header{ChainID: apptest.ChainID, Height: c.height})
}

func (c *chain) send(from, to apptest.Account, amount math.Int, chainID string, seq uint64) []byte {
	c.t.Helper()
	accNum := c.g.App.AccountKeeper.GetAccount(c.ctx(), from.Address).GetAccountNumber()
	bz, err := txsigner.Sign(c.g.App.TxConfig(),
		txsigner.Options{ChainID: chainID, GasLimit: 200_000},
		txsigner.Account{Key: from.Key, AccountNumber: accNum, Sequence: seq},
		banktypes.NewMsgSend(from.Address, to.Address, sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, amount))))
	if err != nil {
		c.t.Fatal(err)
	}
	return bz
}

func newChain(t *testing.T) (*chain, apptest.Account, apptest.Account) {
	g := apptest.New(t)
	for i := 0; i < 3; i++ {
		g.AddValidator(t, pha.MulRaw(100))
	}
	alice, bob := g.Fund(t, pha.MulRaw(1000)), g.Fund(t, pha.MulRaw(1000))
	var slashing slashingtypes.GenesisState
	g.App.AppCodec().MustUnmarshalJSON(g.State[slashingtypes.ModuleName], &slashing)
	slashing.Params.SignedBlocksWindow = 10
	slashing.Params.MinSignedPerWindow = math.LegacyNewDecWithPrec(5, 1)
	slashing.Params.SlashFractionDowntime = math.LegacyNewDecWithPrec(1, 2)
	g.State[slashingtypes.ModuleName] = g.App.AppCodec().MustMarshalJSON(&slashing)

	g.SetStakingParams(t, func(p *npostypes.Params) { p.SlashDeferEras = 0 })
	res := g.InitChain(t)
	if len(res.Validators) != 3 {
		t.Fatalf("InitChain returned %d validators, want the 3 genesis validators", len(res.Validators))
	}
	return &chain{t: t, g: g, absent: map[string]bool{}}, alice, bob
}

func TestTransactionsThroughABCI(t *testing.T) {
	c, alice, bob := newChain(t)
	c.finalize()
	bobBefore := c.g.App.BankKeeper.GetBalance(c.ctx(), bob.Address, appconfig.BondDenom).Amount

	good := c.send(alice, bob, pha.MulRaw(5), apptest.ChainID, 0)
	wrongChain := c.send(alice, bob, pha, "some-other-chain", 1)
	garbage := []byte{0x0a, 0xff, 0xff, 0x01}
	res := c.finalize(good, garbage, wrongChain)

	if r := res.TxResults[0]; r.Code != 0 {
		t.Fatalf("valid send failed: code %d %s", r.Code, r.Log)
	}
	if r := res.TxResults[1]; r.Code != sdkerrors.ErrTxDecode.ABCICode() || !strings.Contains(r.Log, "tx parse error") {
		t.Fatalf("garbage tx: code %d log %q, want a tx parse error", r.Code, r.Log)
	}
	if r := res.TxResults[2]; r.Code != sdkerrors.ErrUnauthorized.ABCICode() || !strings.Contains(r.Log, "chain-id ("+apptest.ChainID+")") {
		t.Fatalf("wrong chain-id: code %d log %q, want a signature failure naming the chain-id", r.Code, r.Log)
	}
	if got := c.g.App.BankKeeper.GetBalance(c.ctx(), bob.Address, appconfig.BondDenom).Amount; !got.Sub(bobBefore).Equal(pha.MulRaw(5)) {
		t.Fatalf("bob received %s, want exactly 5 PHA (the refused txs must move nothing)", got.Sub(bobBefore))
	}
	// A replay of the included transaction is refused (its sequence is used).
	res = c.finalize(good)
	if r := res.TxResults[0]; r.Code != sdkerrors.ErrWrongSequence.ABCICode() {
		t.Fatalf("replayed tx: code %d %q, want wrong sequence", r.Code, r.Log)
	}
}

func TestDowntimeJailsThroughSlashing(t *testing.T) {
	c, _, _ := newChain(t)
	offline := c.g.Validators[2]
	c.absent[offline.ConsAddress().String()] = true
	k := c.g.App.StakingKeeper

	for c.height < 20 {
		c.finalize()
		if jailed, _ := k.IsValidatorJailed(c.ctx(), offline.ConsAddress()); jailed {
			break
		}
	}
	if jailed, err := k.IsValidatorJailed(c.ctx(), offline.ConsAddress()); err != nil || !jailed {
		t.Fatalf("after %d blocks offline the validator is not jailed (%v)", c.height, err)
	}
	var removed bool
	for _, u := range c.updates {
		if bytes.Equal(u.PubKey.GetEd25519(), offline.ConsKey.PubKey().Bytes()) && u.Power == 0 {
			removed = true
		}
	}
	if !removed {
		t.Fatalf("no power-0 update removed the jailed validator from CometBFT's set: %v", c.updates)
	}
	l, err := k.GetLedger(c.ctx(), sdk.AccAddress(offline.ValAddress()))
	if err != nil {
		t.Fatal(err)
	}
	if want := pha.MulRaw(99); !l.Active.Equal(want) { // 1% downtime slash of the 100 PHA exposure
		t.Fatalf("bond after downtime slash %s, want %s", l.Active, want)
	}

	// Export and start a new chain from it: the jailed validator stays out.
	exported, err := c.g.App.ExportAppStateAndValidators(false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(exported.Validators) != 2 {
		t.Fatalf("export lists %d validators, want the 2 still active", len(exported.Validators))
	}
	fresh := apptest.New(t)
	if err := json.Unmarshal(exported.AppState, &fresh.State); err != nil {
		t.Fatal(err)
	}
	if res := fresh.InitChain(t); len(res.Validators) != 2 {
		t.Fatalf("the exported state starts a chain with %d validators, want 2", len(res.Validators))
	}
}

// TestGenesisHashRecorded checks InitChain records SHA-256 of the genesis
// app state, which worker attestations commit to (x/registry).
func TestGenesisHashRecorded(t *testing.T) {
	c, _, _ := newChain(t)
	c.finalize()
	got, err := c.g.App.RegistryKeeper.GenesisHash.Get(c.ctx())
	want := sha256.Sum256(c.g.StateJSON(t))
	if err != nil || !bytes.Equal(got, want[:]) {
		t.Fatalf("genesis hash %x (%v), want %x", got, err, want)
	}
}
