package keeper_test

import (
	"bytes"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

var pha = math.NewInt(1_000_000) // upha per PHA, also one unit of voting power

func phas(n int64) math.Int { return pha.MulRaw(n) }

func coin(n math.Int) sdk.Coin { return sdk.NewCoin(appconfig.BondDenom, n) }

const testEraLength = 10

// env is an app whose x/staking-npos is driven block by block.
type env struct {
	t       *testing.T
	g       *apptest.Genesis
	ctx     sdk.Context
	k       *keeper.Keeper
	srv     types.MsgServer
	updates []abci.ValidatorUpdate // of genesis, then of the last block
}

// newEnv starts an app with 10-block eras and immediate slashing; setup adds
// genesis validators and nominators.
func newEnv(t *testing.T, setup func(g *apptest.Genesis)) *env {
	t.Helper()
	g := apptest.New(t)
	g.SetStakingParams(t, func(p *types.Params) {
		p.EraLength = testEraLength
		p.SlashDeferEras = 0
		p.UnbondingEras = 2
		p.HistoryDepth = 3
		p.ExpectedBlockTime = time.Second
	})
	setup(g)
	ctx, updates := g.InitModules(t)
	return &env{t: t, g: g, ctx: ctx, k: g.App.StakingKeeper, srv: keeper.NewMsgServerImpl(g.App.StakingKeeper), updates: updates}
}

// block runs one more block proposed by proposer (nil: nobody of ours).
func (e *env) block(proposer *apptest.Validator) []abci.ValidatorUpdate {
	e.t.Helper()
	header := e.ctx.BlockHeader()
	header.Height++
	header.Time = header.Time.Add(time.Second)
	header.ProposerAddress = nil
	if proposer != nil {
		header.ProposerAddress = proposer.ConsAddress()
	}
	e.ctx = e.ctx.WithBlockHeader(header)
	if err := e.k.BeginBlocker(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	if err := e.k.EndBlocker(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	updates, err := e.k.ApplyValidatorSetChanges(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.updates = updates
	return updates
}

// nextEra runs blocks (proposed round-robin by the given validators) until a
// new era starts, and returns the validator updates of that block.
func (e *env) nextEra(proposers ...apptest.Validator) []abci.ValidatorUpdate {
	e.t.Helper()
	start := e.era()
	for i := 0; i < 10*testEraLength; i++ {
		var p *apptest.Validator
		if len(proposers) > 0 {
			p = &proposers[i%len(proposers)]
		}
		updates := e.block(p)
		if e.era() != start {
			return updates
		}
	}
	e.t.Fatal("no new era")
	return nil
}

func (e *env) era() uint64 {
	era, err := e.k.CurrentEra.Get(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return era
}

func (e *env) header() cmtproto.Header { return e.ctx.BlockHeader() }

func (e *env) status(v apptest.Validator) types.ValidatorStatus {
	e.t.Helper()
	val, err := e.k.GetValidator(e.ctx, v.ValAddress())
	if err != nil {
		e.t.Fatal(err)
	}
	st, _, err := e.k.Status(e.ctx, val)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *env) ledger(addr sdk.AccAddress) types.Ledger {
	e.t.Helper()
	l, err := e.k.GetLedger(e.ctx, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

func (e *env) balance(addr sdk.AccAddress) math.Int {
	return e.g.App.BankKeeper.GetBalance(e.ctx, addr, appconfig.BondDenom).Amount
}

// powerOf finds v's power in updates.
func powerOf(updates []abci.ValidatorUpdate, v apptest.Validator) (int64, bool) {
	want := v.ConsKey.PubKey().Bytes()
	for _, u := range updates {
		if bytes.Equal(u.PubKey.GetEd25519(), want) {
			return u.Power, true
		}
	}
	return 0, false
}
