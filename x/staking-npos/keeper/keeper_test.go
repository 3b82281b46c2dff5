package keeper_test

import (
	"bytes"
	"errors"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

var pha = math.NewInt(1_000_000) // upha per PHA, also one unit of voting power

func bonds(n ...int64) []math.Int {
	out := make([]math.Int, len(n))
	for i, x := range n {
		out[i] = pha.MulRaw(x)
	}
	return out
}

// setup starts an app whose genesis has one validator per bond (in PHA).
func setup(t *testing.T, validatorCount uint32, bondsPHA ...math.Int) (*apptest.Genesis, sdk.Context, []abci.ValidatorUpdate) {
	t.Helper()
	g := apptest.New(t)
	for _, b := range bondsPHA {
		g.AddValidator(t, b)
	}
	if validatorCount > 0 {
		g.SetStakingParams(t, func(p *types.Params) { p.ValidatorCount = validatorCount })
	}
	ctx, updates := g.InitModules(t)
	return g, ctx, updates
}

func powerOf(t *testing.T, updates []abci.ValidatorUpdate, v apptest.Validator) (int64, bool) {
	t.Helper()
	want := v.ConsKey.PubKey().Bytes()
	for _, u := range updates {
		if bytes.Equal(u.PubKey.GetEd25519(), want) {
			return u.Power, true
		}
	}
	return 0, false
}

func TestInitGenesisReturnsValidatorSet(t *testing.T) {
	g, _, updates := setup(t, 0, bonds(10, 20, 30)...)
	if len(updates) != 3 {
		t.Fatalf("want 3 validator updates, got %d", len(updates))
	}
	for _, v := range g.Validators {
		power, ok := powerOf(t, updates, v)
		if !ok {
			t.Fatalf("validator %s missing from the initial set", v.ValAddress())
		}
		if want := v.Bond.Quo(pha).Int64(); power != want {
			t.Errorf("validator %s: power %d, want %d", v.ValAddress(), power, want)
		}
	}
}

func TestActiveSetKeepsLargestStakes(t *testing.T) {
	g, ctx, updates := setup(t, 2, bonds(10, 30, 20)...)
	k := g.App.StakingKeeper
	if len(updates) != 2 {
		t.Fatalf("validator_count 2: want 2 updates, got %d", len(updates))
	}
	if _, ok := powerOf(t, updates, g.Validators[0]); ok {
		t.Fatal("the smallest stake entered the active set")
	}
	st, power, err := k.Status(ctx, mustValidator(t, ctx, k, g.Validators[0]))
	if err != nil || st != types.VALIDATOR_STATUS_WAITING || power != 0 {
		t.Fatalf("smallest stake: status %v power %d err %v, want waiting 0", st, power, err)
	}
	total, err := k.TotalBondedTokens(ctx)
	if err != nil || !total.Equal(pha.MulRaw(50)) {
		t.Fatalf("TotalBondedTokens = %s, %v; want the active stake 50 PHA", total, err)
	}
	// Nothing changed: the next block sends no update, and recomputing the
	// set from scratch agrees with it.
	again, err := k.ApplyValidatorSetChanges(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("unchanged set produced updates %v, err %v", again, err)
	}
	again, err = k.RecomputeActiveSet(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("recomputing an unchanged set produced updates %v, err %v", again, err)
	}
}

func TestTiesAreBrokenByOperatorAddress(t *testing.T) {
	g, _, updates := setup(t, 1, bonds(10, 10, 10)...)
	lowest := g.Validators[0]
	for _, v := range g.Validators[1:] {
		if bytes.Compare(v.ValAddress(), lowest.ValAddress()) < 0 {
			lowest = v
		}
	}
	if len(updates) != 1 {
		t.Fatalf("want one active validator, got %d", len(updates))
	}
	if _, ok := powerOf(t, updates, lowest); !ok {
		t.Fatal("equal stakes: the lowest operator address should win")
	}
}

func TestJailRemovesAndUnjailRestores(t *testing.T) {
	g, ctx, _ := setup(t, 0, bonds(10, 20, 30)...)
	k := g.App.StakingKeeper
	v := g.Validators[1]

	if err := k.Jail(ctx, v.ConsAddress()); err != nil {
		t.Fatal(err)
	}
	if jailed, err := k.IsValidatorJailed(ctx, v.ConsAddress()); err != nil || !jailed {
		t.Fatalf("IsValidatorJailed = %v, %v", jailed, err)
	}
	updates, err := k.ApplyValidatorSetChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if power, ok := powerOf(t, updates, v); !ok || power != 0 || len(updates) != 1 {
		t.Fatalf("jailing should send exactly one removal (power 0), got %v", updates)
	}
	st, _, _ := k.Status(ctx, mustValidator(t, ctx, k, v))
	if st != types.VALIDATOR_STATUS_JAILED {
		t.Fatalf("status %v, want jailed", st)
	}
	if err := k.Jail(ctx, v.ConsAddress()); err != nil {
		t.Fatalf("jailing twice must be harmless: %v", err)
	}

	if err := k.Unjail(ctx, v.ConsAddress()); err != nil {
		t.Fatal(err)
	}
	updates, err = k.ApplyValidatorSetChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if power, ok := powerOf(t, updates, v); !ok || power != 20 {
		t.Fatalf("unjailed validator should return with power 20, got %v", updates)
	}
	if err := k.Unjail(ctx, v.ConsAddress()); !errors.Is(err, types.ErrInvalidValidator) {
		t.Fatalf("unjailing a free validator: err %v, want ErrInvalidValidator", err)
	}
}

func TestSlashBurnsFromTheBondedPool(t *testing.T) {
	g, ctx, _ := setup(t, 0, bonds(100, 100)...)
	k, bank := g.App.StakingKeeper, g.App.BankKeeper
	v := g.Validators[0]
	pool := authtypes.NewModuleAddress(types.BondedPoolName)
	supplyBefore := bank.GetSupply(ctx, appconfig.BondDenom).Amount

	burned, err := k.Slash(ctx, v.ConsAddress(), 1, 100, math.LegacyNewDecWithPrec(1, 1)) // 10% of 100 power
	if err != nil {
		t.Fatal(err)
	}
	if want := pha.MulRaw(10); !burned.Equal(want) {
		t.Fatalf("burned %s, want %s", burned, want)
	}
	if got := mustValidator(t, ctx, k, v).SelfBond; !got.Equal(pha.MulRaw(90)) {
		t.Fatalf("self bond after slash %s, want 90 PHA", got)
	}
	if got := bank.GetBalance(ctx, pool, appconfig.BondDenom).Amount; !got.Equal(pha.MulRaw(190)) {
		t.Fatalf("bonded pool holds %s, want 190 PHA", got)
	}
	if got := bank.GetSupply(ctx, appconfig.BondDenom).Amount; !supplyBefore.Sub(got).Equal(pha.MulRaw(10)) {
		t.Fatalf("supply fell by %s, want 10 PHA burned", supplyBefore.Sub(got))
	}
	updates, err := k.ApplyValidatorSetChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if power, ok := powerOf(t, updates, v); !ok || power != 90 {
		t.Fatalf("slashed validator should drop to power 90, got %v", updates)
	}

	// The slash is capped at what remains bonded.
	burned, err = k.Slash(ctx, v.ConsAddress(), 1, 1000, math.LegacyOneDec())
	if err != nil || !burned.Equal(pha.MulRaw(90)) {
		t.Fatalf("capped slash burned %s, %v; want all 90 PHA", burned, err)
	}
	for _, bad := range []math.LegacyDec{math.LegacyNewDec(-1), math.LegacyNewDec(2)} {
		if _, err := k.Slash(ctx, g.Validators[1].ConsAddress(), 1, 100, bad); err == nil {
			t.Fatalf("slash fraction %s accepted", bad)
		}
	}
	if got := mustValidator(t, ctx, k, g.Validators[1]).SelfBond; !got.Equal(pha.MulRaw(100)) {
		t.Fatalf("a refused slash changed the bond to %s", got)
	}
}

func TestSDKInterfacesPresentValidators(t *testing.T) {
	g, ctx, _ := setup(t, 1, bonds(10, 20)...)
	k := g.App.StakingKeeper
	active, waiting := g.Validators[1], g.Validators[0]

	sv, err := k.ValidatorByConsAddr(ctx, active.ConsAddress())
	if err != nil {
		t.Fatal(err)
	}
	if !sv.IsBonded() || !sv.GetBondedTokens().Equal(pha.MulRaw(20)) || sv.GetMoniker() != "validator" {
		t.Fatalf("active validator presented as %+v", sv)
	}
	sv, err = k.Validator(ctx, waiting.ValAddress())
	if err != nil {
		t.Fatal(err)
	}
	if sv.IsBonded() || sv.IsUnbonded() {
		t.Fatalf("a waiting candidate must be neither bonded nor unbonded (it stays slashable), got %v", sv.GetStatus())
	}
	if _, err := k.ValidatorByConsAddr(ctx, sdk.ConsAddress(bytes.Repeat([]byte{1}, 20))); !errors.Is(err, types.ErrValidatorNotFound) {
		t.Fatalf("unknown consensus address: %v", err)
	}

	// x/slashing's unjail reads the self-delegation; x/gov's tally iterates it.
	del, err := k.Delegation(ctx, active.Address, active.ValAddress())
	if err != nil || del == nil || !del.GetShares().Equal(math.LegacyNewDecFromInt(pha.MulRaw(20))) {
		t.Fatalf("self-delegation = %v, %v", del, err)
	}
	if del, err := k.Delegation(ctx, waiting.Address, active.ValAddress()); err != nil || del != nil {
		t.Fatalf("NPoS has no delegation to another validator, got %v, %v", del, err)
	}
	var seen []stakingtypes.DelegationI
	if err := k.IterateDelegations(ctx, active.Address, func(_ int64, d stakingtypes.DelegationI) bool {
		seen = append(seen, d)
		return false
	}); err != nil || len(seen) != 1 {
		t.Fatalf("IterateDelegations saw %d, %v", len(seen), err)
	}
	var bonded int
	if err := k.IterateBondedValidatorsByPower(ctx, func(int64, stakingtypes.ValidatorI) bool { bonded++; return false }); err != nil || bonded != 1 {
		t.Fatalf("IterateBondedValidatorsByPower saw %d, %v; want 1", bonded, err)
	}
	all, err := k.GetAllValidators(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("GetAllValidators = %d, %v", len(all), err)
	}
}

func TestGenesisRejectsAMismatchedBondedPool(t *testing.T) {
	g := apptest.New(t)
	g.AddValidator(t, pha.MulRaw(10))
	// Pretend the operator bonded 10 PHA more than the pool holds.
	var gs types.GenesisState
	cdc := g.App.AppCodec()
	cdc.MustUnmarshalJSON(g.State[types.ModuleName], &gs)
	gs.Validators[0].SelfBond = pha.MulRaw(20)
	g.State[types.ModuleName] = cdc.MustMarshalJSON(&gs)

	ctx := g.App.NewUncachedContext(false, ctxHeader())
	for _, name := range []string{authtypes.ModuleName, banktypes.ModuleName} {
		g.App.ModuleManager.Modules[name].(module.HasGenesis).InitGenesis(ctx, cdc, g.State[name])
	}
	_, err := g.App.StakingKeeper.InitGenesis(ctx, &gs)
	if !errors.Is(err, types.ErrBondedPoolMismatch) {
		t.Fatalf("genesis bonding more than the pool holds: err %v, want ErrBondedPoolMismatch", err)
	}
}

func TestGenesisExportRoundTrip(t *testing.T) {
	g, ctx, _ := setup(t, 0, bonds(10, 20)...)
	k := g.App.StakingKeeper
	if err := k.Jail(ctx, g.Validators[0].ConsAddress()); err != nil {
		t.Fatal(err)
	}
	exported, err := k.ExportGenesis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(exported.Validators) != 2 {
		t.Fatalf("exported %d validators, want 2", len(exported.Validators))
	}
	var jailed int
	for _, v := range exported.Validators {
		if v.Jailed {
			jailed++
		}
	}
	if jailed != 1 {
		t.Fatalf("exported %d jailed validators, want 1", jailed)
	}
	if err := exported.Validate(); err != nil {
		t.Fatalf("exported genesis does not validate: %v", err)
	}
}

func TestQueries(t *testing.T) {
	g, ctx, _ := setup(t, 1, bonds(10, 20)...)
	q := keeper.NewQuerier(g.App.StakingKeeper)

	all, err := q.Validators(ctx, &types.QueryValidatorsRequest{})
	if err != nil || len(all.Validators) != 2 {
		t.Fatalf("all validators: %d, %v", len(all.Validators), err)
	}
	active, err := q.Validators(ctx, &types.QueryValidatorsRequest{Status: types.VALIDATOR_STATUS_ACTIVE})
	if err != nil || len(active.Validators) != 1 || active.Validators[0].Power != 20 {
		t.Fatalf("active validators: %+v, %v", active, err)
	}
	waiting, err := q.Validators(ctx, &types.QueryValidatorsRequest{Status: types.VALIDATOR_STATUS_WAITING})
	if err != nil || len(waiting.Validators) != 1 || waiting.Validators[0].Validator.OperatorAddress != g.Validators[0].ValAddress().String() {
		t.Fatalf("waiting validators: %+v, %v", waiting, err)
	}
	if _, err := q.Validators(ctx, &types.QueryValidatorsRequest{Status: 42}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("unknown status filter: %v", err)
	}
	one, err := q.Validator(ctx, &types.QueryValidatorRequest{OperatorAddress: g.Validators[1].ValAddress().String()})
	if err != nil || one.Validator.Status != types.VALIDATOR_STATUS_ACTIVE {
		t.Fatalf("validator query: %+v, %v", one, err)
	}
	for _, tc := range []struct {
		addr string
		code codes.Code
	}{
		{"", codes.InvalidArgument},
		{"phala1notanaddress", codes.InvalidArgument},
		{sdk.ValAddress(bytes.Repeat([]byte{7}, 20)).String(), codes.NotFound},
	} {
		if _, err := q.Validator(ctx, &types.QueryValidatorRequest{OperatorAddress: tc.addr}); status.Code(err) != tc.code {
			t.Errorf("Validator(%q): %v, want %v", tc.addr, err, tc.code)
		}
	}
}

func TestUpdateParams(t *testing.T) {
	g, ctx, _ := setup(t, 0, bonds(10)...)
	k := g.App.StakingKeeper
	srv := keeper.NewMsgServerImpl(k)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	good := types.DefaultParams()
	good.ValidatorCount = 7

	for _, tc := range []struct {
		name    string
		msg     types.MsgUpdateParams
		wantErr error
	}{
		{"not the authority", types.MsgUpdateParams{Authority: g.Validators[0].Address.String(), Params: good}, types.ErrInvalidSigner},
		{"zero validators", types.MsgUpdateParams{Authority: gov, Params: func() types.Params { p := good; p.ValidatorCount = 0; return p }()}, types.ErrInvalidParams},
		{"bond denom change", types.MsgUpdateParams{Authority: gov, Params: func() types.Params { p := good; p.BondDenom = "uatom"; return p }()}, types.ErrInvalidParams},
		{"valid", types.MsgUpdateParams{Authority: gov, Params: good}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := k.Params.Get(ctx)
			_, err := srv.UpdateParams(ctx, &tc.msg)
			after, _ := k.Params.Get(ctx)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && before.String() != after.String() {
				t.Fatal("a refused update changed the params")
			}
			if tc.wantErr == nil && after.ValidatorCount != 7 {
				t.Fatalf("params not updated: %+v", after)
			}
		})
	}
}

func mustValidator(t *testing.T, ctx sdk.Context, k *keeper.Keeper, v apptest.Validator) types.Validator {
	t.Helper()
	got, err := k.GetValidator(ctx, v.ValAddress())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func ctxHeader() cmtproto.Header {
	return cmtproto.Header{ChainID: apptest.ChainID, Height: 1, Time: apptest.GenesisTime}
}

// BenchmarkApplyValidatorSetChanges measures the end-of-block work of
// x/staking-npos with 1,000 candidates competing for 100 seats: a block where
// nothing changed (the common case), the full recomputation it used to do
// every block (the baseline), and a block where one validator is jailed.
func BenchmarkApplyValidatorSetChanges(b *testing.B) {
	g := apptest.New(b)
	for i := 0; i < 1000; i++ {
		g.AddValidator(b, pha.MulRaw(int64(10+i)))
	}
	ctx, _ := g.InitModules(b)
	k := g.App.StakingKeeper
	b.Run("unchanged", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := k.ApplyValidatorSetChanges(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full recomputation", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := k.RecomputeActiveSet(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one jailed and back", func(b *testing.B) {
		top := g.Validators[len(g.Validators)-1].ConsAddress()
		for i := 0; i < b.N; i++ {
			if err := k.Jail(ctx, top); err != nil {
				b.Fatal(err)
			}
			if _, err := k.ApplyValidatorSetChanges(ctx); err != nil {
				b.Fatal(err)
			}
			if err := k.Unjail(ctx, top); err != nil {
				b.Fatal(err)
			}
			if _, err := k.ApplyValidatorSetChanges(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
