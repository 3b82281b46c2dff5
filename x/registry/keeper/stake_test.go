package keeper_test

import (
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/x/registry/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// registeredSimWorker registers a simulated worker for f's operator and
// returns its identity key.
func registeredSimWorker(t *testing.T, f *registryFixture) []byte {
	t.Helper()
	return registerSimWorkerKey(t, f, bytesOf(identityKeyByte))
}

// registerSimWorkerKey registers a simulated worker with identity key id.
func registerSimWorkerKey(t *testing.T, f *registryFixture, id []byte) []byte {
	t.Helper()
	return registerSimWorkerKeys(t, f, id, bytesOf(0x22))
}

// registerSimWorkerKeys registers a simulated worker with both its keys.
func registerSimWorkerKeys(t *testing.T, f *registryFixture, id, ecdh []byte) []byte {
	t.Helper()
	want, err := f.q.ReportData(f.ctx, &types.QueryReportDataRequest{
		Operator: f.operator.Address.String(), IdentityPubkey: hex.EncodeToString(id), EcdhPubkey: hex.EncodeToString(ecdh),
	})
	if err != nil {
		t.Fatal(err)
	}
	var data [64]byte
	if _, err := hex.Decode(data[:], []byte(want.ReportData)); err != nil {
		t.Fatal(err)
	}
	msg := f.registration(simReport(t, data), nil)
	msg.IdentityPubkey, msg.EcdhPubkey = id, ecdh
	if err := f.register(t, msg); err != nil {
		t.Fatal(err)
	}
	return id
}

func upha(n int64) sdk.Coin { return sdk.NewInt64Coin(appconfig.BondDenom, n) }

func (f *registryFixture) balance() math.Int {
	return f.bank.GetBalance(f.ctx, f.operator.Address, appconfig.BondDenom).Amount
}

func (f *registryFixture) inService(t *testing.T, id []byte) bool {
	t.Helper()
	res, err := f.q.Worker(f.ctx, &types.QueryWorkerRequest{IdentityPubkey: hex.EncodeToString(id)})
	if err != nil {
		t.Fatal(err)
	}
	return res.InService
}

// endBlockAt advances the block time and runs the module's end block.
func (f *registryFixture) endBlockAt(t *testing.T, at time.Time) {
	t.Helper()
	f.ctx = f.ctx.WithBlockTime(at).WithBlockHeight(f.ctx.BlockHeight() + 1)
	if err := f.k.EndBlock(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestWorkerStake(t *testing.T) {
	f := newRegistryFixture(t, func(p *types.Params) {
		allowSim(p)
		p.MinWorkerBond = upha(1000)
		p.UnbondingTime = time.Hour
	})
	id := registeredSimWorker(t, f)
	op := f.operator.Address.String()
	start := f.balance()
	if f.inService(t, id) {
		t.Fatal("an unbonded worker is in service")
	}

	for _, tc := range []struct {
		name string
		msg  *types.MsgBondWorker
		want error
	}{
		{"other denom", &types.MsgBondWorker{Operator: op, IdentityPubkey: id, Amount: sdk.NewInt64Coin("uatom", 5)}, types.ErrWrongDenom},
		{"zero", &types.MsgBondWorker{Operator: op, IdentityPubkey: id, Amount: upha(0)}, sdkerrors.ErrInvalidCoins},
		{"more than the balance", &types.MsgBondWorker{Operator: op, IdentityPubkey: id, Amount: sdk.NewCoin(appconfig.BondDenom, start.AddRaw(1))}, sdkerrors.ErrInsufficientFunds},
		{"a stranger's worker", &types.MsgBondWorker{Operator: sdk.AccAddress(bytesOf(5)[:20]).String(), IdentityPubkey: id, Amount: upha(5)}, types.ErrNotOperator},
		{"unknown worker", &types.MsgBondWorker{Operator: op, IdentityPubkey: bytesOf(0x77), Amount: upha(5)}, types.ErrWorkerNotFound},
	} {
		if _, err := f.srv.BondWorker(f.ctx, tc.msg); !errors.Is(err, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if !f.balance().Equal(start) {
		t.Fatal("refused bonds moved funds")
	}

	if _, err := f.srv.BondWorker(f.ctx, &types.MsgBondWorker{Operator: op, IdentityPubkey: id, Amount: upha(1500)}); err != nil {
		t.Fatal(err)
	}
	if !f.inService(t, id) || !f.balance().Equal(start.SubRaw(1500)) {
		t.Fatalf("after bonding 1500: in service %v, balance %s", f.inService(t, id), f.balance())
	}
	if _, err := f.srv.UnbondWorker(f.ctx, &types.MsgUnbondWorker{Operator: op, IdentityPubkey: id, Amount: upha(1501)}); !errors.Is(err, types.ErrInsufficientBond) {
		t.Fatalf("unbonding more than bonded: %v", err)
	}
	res, err := f.srv.UnbondWorker(f.ctx, &types.MsgUnbondWorker{Operator: op, IdentityPubkey: id, Amount: upha(600)})
	if err != nil || !res.ReleaseTime.Equal(insideWindow.Add(time.Hour)) {
		t.Fatalf("unbond: %v %v", res, err)
	}
	if f.inService(t, id) {
		t.Fatal("a worker bonded 900 < min 1000 is in service")
	}
	list, err := f.q.Unbondings(f.ctx, &types.QueryUnbondingsRequest{Operator: op})
	if err != nil || len(list.Unbondings) != 1 || !list.Unbondings[0].Amount.Equal(upha(600)) {
		t.Fatalf("unbondings %v %v", list, err)
	}

	f.endBlockAt(t, insideWindow.Add(time.Hour-time.Second))
	if !f.balance().Equal(start.SubRaw(1500)) {
		t.Fatal("stake returned before its release time")
	}
	f.endBlockAt(t, insideWindow.Add(time.Hour))
	if !f.balance().Equal(start.SubRaw(900)) {
		t.Fatalf("balance %s after release, want %s", f.balance(), start.SubRaw(900))
	}
	if list, _ := f.q.Unbondings(f.ctx, &types.QueryUnbondingsRequest{Operator: op}); len(list.Unbondings) != 0 {
		t.Fatal("a paid unbonding is still listed")
	}

	// Deregistration: out of service at once, removed with its bond later.
	dereg, err := f.srv.DeregisterWorker(f.ctx, &types.MsgDeregisterWorker{Operator: op, IdentityPubkey: id})
	if err != nil {
		t.Fatal(err)
	}
	if f.inService(t, id) {
		t.Fatal("a deregistering worker is in service")
	}
	for name, err := range map[string]error{
		"bond": func() error {
			_, err := f.srv.BondWorker(f.ctx, &types.MsgBondWorker{Operator: op, IdentityPubkey: id, Amount: upha(1)})
			return err
		}(),
		"deregister": func() error {
			_, err := f.srv.DeregisterWorker(f.ctx, &types.MsgDeregisterWorker{Operator: op, IdentityPubkey: id})
			return err
		}(),
	} {
		if !errors.Is(err, types.ErrWorkerDeregistering) {
			t.Fatalf("%s while deregistering: %v", name, err)
		}
	}
	f.endBlockAt(t, dereg.RemoveTime)
	if has, _ := f.k.Workers.Has(f.ctx, id); has {
		t.Fatal("the worker outlived its deregistration")
	}
	if !f.balance().Equal(start) {
		t.Fatalf("balance %s after removal, want everything back (%s)", f.balance(), start)
	}
	if held := f.bank.GetAllBalances(f.ctx, keeper.ModuleAddress()); !held.IsZero() {
		t.Fatalf("the module account still holds %s", held)
	}
}

func TestGatekeepers(t *testing.T) {
	f := newRegistryFixture(t, allowSim)
	id := registeredSimWorker(t, f)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	op := f.operator.Address.String()

	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: op, IdentityPubkey: id}); !errors.Is(err, types.ErrInvalidSigner) {
		t.Fatalf("added by the operator: %v", err)
	}
	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: bytesOf(0x77)}); !errors.Is(err, types.ErrWorkerNotFound) {
		t.Fatalf("unregistered gatekeeper: %v", err)
	}
	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: id}); !errors.Is(err, types.ErrGatekeeper) {
		t.Fatalf("added twice: %v", err)
	}
	list, err := f.q.Gatekeepers(f.ctx, &types.QueryGatekeepersRequest{})
	if err != nil || len(list.Gatekeepers) != 1 || list.Gatekeepers[0].Operator != op {
		t.Fatalf("gatekeepers %v %v", list, err)
	}
	if _, err := f.srv.DeregisterWorker(f.ctx, &types.MsgDeregisterWorker{Operator: op, IdentityPubkey: id}); !errors.Is(err, types.ErrGatekeeper) {
		t.Fatalf("a gatekeeper deregistered itself: %v", err)
	}
	if _, err := f.srv.RemoveGatekeeper(f.ctx, &types.MsgRemoveGatekeeper{Authority: gov, IdentityPubkey: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.RemoveGatekeeper(f.ctx, &types.MsgRemoveGatekeeper{Authority: gov, IdentityPubkey: id}); !errors.Is(err, types.ErrGatekeeper) {
		t.Fatalf("removed twice: %v", err)
	}
	if _, err := f.srv.DeregisterWorker(f.ctx, &types.MsgDeregisterWorker{Operator: op, IdentityPubkey: id}); err != nil {
		t.Fatalf("deregistering after removal: %v", err)
	}
}

func TestRenewWorker(t *testing.T) {
	f := newRegistryFixture(t, allowSim)
	id := registeredSimWorker(t, f)
	op := f.operator.Address.String()
	want, _ := f.q.ReportData(f.ctx, &types.QueryReportDataRequest{Operator: op, IdentityPubkey: hex.EncodeToString(id), EcdhPubkey: hex.EncodeToString(bytesOf(0x22))})
	var data [64]byte
	if _, err := hex.Decode(data[:], []byte(want.ReportData)); err != nil {
		t.Fatal(err)
	}
	later := insideWindow.Add(24 * time.Hour)
	f.ctx = f.ctx.WithBlockTime(later).WithBlockHeight(20)

	var other [64]byte
	if _, err := f.srv.RenewWorker(f.ctx, &types.MsgRenewWorker{Operator: op, IdentityPubkey: id, Evidence: simReport(t, other)}); !errors.Is(err, types.ErrReportDataBinding) {
		t.Fatalf("renewal with other report data: %v", err)
	}
	if _, err := f.srv.RenewWorker(f.ctx, &types.MsgRenewWorker{Operator: sdk.AccAddress(bytesOf(5)[:20]).String(), IdentityPubkey: id, Evidence: simReport(t, data)}); !errors.Is(err, types.ErrNotOperator) {
		t.Fatalf("renewal by a stranger: %v", err)
	}
	if _, err := f.srv.RenewWorker(f.ctx, &types.MsgRenewWorker{Operator: op, IdentityPubkey: id, Evidence: simReport(t, data)}); err != nil {
		t.Fatal(err)
	}
	w, _ := f.k.Workers.Get(f.ctx, id)
	if w.AttestedHeight != 20 || !w.AttestedTime.Equal(later) || w.RegisteredHeight != 7 {
		t.Fatalf("renewed worker %+v", w)
	}
}

func TestGenesisRoundTrip(t *testing.T) {
	f := newRegistryFixture(t, func(p *types.Params) {
		allowSim(p)
		p.MinWorkerBond = upha(10)
		p.HeartbeatPeriod = 1
	})
	id := registeredSimWorker(t, f)
	op := f.operator.Address.String()
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	if _, err := f.srv.BondWorker(f.ctx, &types.MsgBondWorker{Operator: op, IdentityPubkey: id, Amount: upha(50)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.UnbondWorker(f.ctx, &types.MsgUnbondWorker{Operator: op, IdentityPubkey: id, Amount: upha(20)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: id}); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t) // a heartbeat challenge
	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs.Workers) != 1 || len(gs.Unbondings) != 1 || len(gs.Gatekeepers) != 1 || !gs.Workers[0].Bond.Equal(upha(30)) ||
		len(gs.Stats) != 1 || len(gs.Challenges) != 1 {
		t.Fatalf("export %+v", gs)
	}
	if err := gs.Validate(); err != nil {
		t.Fatal(err)
	}
	// A new chain from this genesis, its module account holding the 50.
	g := apptest.New(t)
	g.AddValidator(t, math.NewInt(1_000_000))
	cdc := g.App.AppCodec()
	bankGen := banktypes.GetGenesisStateFromAppState(cdc, g.State)
	bankGen.Balances = append(bankGen.Balances, banktypes.Balance{Address: keeper.ModuleAddress().String(), Coins: sdk.NewCoins(upha(50))})
	g.State[banktypes.ModuleName] = cdc.MustMarshalJSON(bankGen)
	g.State[types.ModuleName] = cdc.MustMarshalJSON(gs)
	ctx, _ := g.InitModules(t)
	again, err := g.App.RegistryKeeper.ExportGenesis(ctx)
	if err != nil || again.String() != gs.String() {
		t.Fatalf("re-export differs (%v):\n%s\n%s", err, again, gs)
	}
	// Bonds that the module account does not hold are refused.
	gs.Workers[0].Bond = upha(31)
	if err := f.k.InitGenesis(f.ctx, gs); err == nil {
		t.Fatal("genesis bonds above the module account's balance accepted")
	}
}
