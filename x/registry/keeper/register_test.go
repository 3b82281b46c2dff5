package keeper_test

import (
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"

	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
	"github.com/phala-cosmos/phala-cosmos/enclave/binding"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
	"github.com/phala-cosmos/phala-cosmos/x/registry/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

const (
	sgxTestdata     = "../../../enclave/attestation/testdata/"
	phalaMREnclave  = "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"
	phalaStatus     = "ConfigurationAndSWHardeningNeeded"
	realQuoteFMSPC  = "00a067110000"
	identityKeyByte = 0x11
)

var insideWindow = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// registryFixture is a chain whose policy admits the real Phala quote's
// enclave and platform, with one funded operator.
type registryFixture struct {
	ctx      sdk.Context
	k        keeper.Keeper
	bank     bankkeeper.Keeper
	srv      types.MsgServer
	q        keeper.Querier
	operator apptest.Account
	g        *apptest.Genesis
}

func newRegistryFixture(t testing.TB, mutate func(*types.Params)) *registryFixture {
	t.Helper()
	g := apptest.New(t)
	g.AddValidator(t, math.NewInt(1_000_000))
	op := g.Fund(t, math.NewInt(1_000_000))
	ctx, _ := g.InitModules(t)
	k := g.App.RegistryKeeper
	params := types.DefaultParams()
	params.AllowedEnclaves = []types.EnclaveIdentity{{MrEnclave: phalaMREnclave}}
	params.AcceptedTcbStatuses = append(params.AcceptedTcbStatuses, phalaStatus)
	if mutate != nil {
		mutate(&params)
	}
	if err := k.Params.Set(ctx, params); err != nil {
		t.Fatal(err)
	}
	ctx = ctx.WithBlockTime(insideWindow).WithBlockHeight(7).WithGasMeter(storetypes.NewInfiniteGasMeter())
	return &registryFixture{ctx: ctx, k: k, bank: g.App.BankKeeper, srv: keeper.NewMsgServerImpl(k), q: keeper.NewQuerier(k), operator: op, g: g}
}

func realCollateral(t testing.TB) *types.Collateral {
	t.Helper()
	b, err := os.ReadFile(sgxTestdata + "phala/sgx_quote_collateral.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := attestation.ParseCollateralJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	out := types.NewCollateral(c)
	return &out
}

func (f *registryFixture) registration(evidence []byte, c *types.Collateral) *types.MsgRegisterWorker {
	return &types.MsgRegisterWorker{
		Operator:       f.operator.Address.String(),
		IdentityPubkey: bytesOf(identityKeyByte),
		EcdhPubkey:     bytesOf(0x22),
		Evidence:       evidence,
		Collateral:     c,
		Endpoint:       "http://127.0.0.1:8000",
	}
}

func bytesOf(b byte) []byte { return []byte(strings.Repeat(string([]byte{b}), 32)) }

func readQuote(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(sgxTestdata + "phala/sgx_quote.bin")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// register runs a registration and checks a refusal left the worker record
// (or its absence) as it was.
func (f *registryFixture) register(t *testing.T, msg *types.MsgRegisterWorker) error {
	t.Helper()
	before, errBefore := f.k.Workers.Get(f.ctx, msg.IdentityPubkey)
	_, err := f.srv.RegisterWorker(f.ctx, msg)
	if err != nil {
		after, errAfter := f.k.Workers.Get(f.ctx, msg.IdentityPubkey)
		if (errBefore == nil) != (errAfter == nil) || before.String() != after.String() {
			t.Fatalf("a refused registration (%v) changed the worker record", err)
		}
	}
	return err
}

// TestRealQuoteFailsOnlyAtBinding registers a real Intel quote: every check
// passes (collateral, TCB status, measurement) until the report data, which
// Phala's sample sets to "Hello, world!" and so cannot commit to this chain.
func TestRealQuoteFailsOnlyAtBinding(t *testing.T) {
	f := newRegistryFixture(t, nil)
	before := f.ctx.GasMeter().GasConsumed()
	err := f.register(t, f.registration(readQuote(t), realCollateral(t)))
	if !errors.Is(err, types.ErrReportDataBinding) {
		t.Fatalf("err %v, want the binding step to fail", err)
	}
	if !strings.Contains(err.Error(), "report data 48656c6c6f2c20776f726c6421") {
		t.Fatalf("the error does not show the quote's report data: %v", err)
	}
	if used := f.ctx.GasMeter().GasConsumed() - before; used < keeper.QuoteVerificationGas {
		t.Fatalf("used %d gas, less than the verification's %d", used, keeper.QuoteVerificationGas)
	}
}

func TestRealQuoteRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params func(*types.Params)
		at     time.Time
		edit   func(*types.MsgRegisterWorker)
		want   error
		msg    string
	}{
		{name: "TCB status not accepted", params: func(p *types.Params) { p.AcceptedTcbStatuses = []string{"UpToDate"} },
			want: types.ErrAttestation, msg: "tcb status: TCB status ConfigurationAndSWHardeningNeeded"},
		{name: "measurement not allowed", params: func(p *types.Params) { p.AllowedEnclaves[0].MrEnclave = strings.Repeat("ab", 32) },
			want: types.ErrMeasurementNotAllowed, msg: "MRENCLAVE " + phalaMREnclave},
		{name: "ISVSVN too low", params: func(p *types.Params) { p.AllowedEnclaves[0].MinIsvSvn = 1 },
			want: types.ErrMeasurementNotAllowed, msg: "ISVSVN 0"},
		{name: "expired collateral", at: time.Date(2025, 7, 19, 10, 5, 0, 0, time.UTC),
			want: types.ErrAttestation, msg: "maximum collateral age"},
		{name: "before the collateral", at: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
			want: types.ErrAttestation, msg: "issued in the future"},
		{name: "no collateral stored", edit: func(m *types.MsgRegisterWorker) { m.Collateral = nil },
			want: types.ErrNoCollateral, msg: "FMSPC " + realQuoteFMSPC},
		{name: "flipped report body", edit: func(m *types.MsgRegisterWorker) { m.Evidence[48+100] ^= 1 },
			want: types.ErrAttestation, msg: "isv report signature"},
		{name: "truncated quote", edit: func(m *types.MsgRegisterWorker) { m.Evidence = m.Evidence[:1000] },
			want: types.ErrAttestation, msg: "parse quote"},
		{name: "simulation not allowed", edit: func(m *types.MsgRegisterWorker) { m.Evidence = simReport(t, [64]byte{}) },
			want: types.ErrSimulationNotAllowed, msg: "allow_simulation false"},
		{name: "bad endpoint", edit: func(m *types.MsgRegisterWorker) { m.Endpoint = "worker:8000" },
			want: types.ErrInvalidWorker, msg: "not an http(s) URL"},
		{name: "short identity key", edit: func(m *types.MsgRegisterWorker) { m.IdentityPubkey = m.IdentityPubkey[:31] },
			want: types.ErrInvalidWorker, msg: "identity_pubkey is 31 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newRegistryFixture(t, tc.params)
			if !tc.at.IsZero() {
				f.ctx = f.ctx.WithBlockTime(tc.at)
			}
			msg := f.registration(readQuote(t), realCollateral(t))
			if tc.edit != nil {
				tc.edit(msg)
			}
			err := f.register(t, msg)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestSubmitCollateral(t *testing.T) {
	f := newRegistryFixture(t, nil)
	submit := func(c *types.Collateral) (*types.MsgSubmitCollateralResponse, error) {
		return f.srv.SubmitCollateral(f.ctx, &types.MsgSubmitCollateral{Submitter: f.operator.Address.String(), Collateral: *c})
	}
	res, err := submit(realCollateral(t))
	if err != nil || res.Fmspc != realQuoteFMSPC {
		t.Fatalf("submit: %v %v", res, err)
	}
	got, err := f.q.Collateral(f.ctx, &types.QueryCollateralRequest{Fmspc: "00A067110000"})
	if err != nil {
		t.Fatal(err)
	}
	if rec := got.Collateral; rec.SubmittedHeight != 7 || rec.Submitter != f.operator.Address.String() ||
		!rec.Expires.Equal(time.Date(2025, 7, 19, 10, 1, 18, 0, time.UTC)) {
		t.Fatalf("record %+v", rec)
	}
	if _, err := submit(realCollateral(t)); !errors.Is(err, types.ErrCollateralNotNewer) {
		t.Fatalf("resubmission: %v", err)
	}
	bad := realCollateral(t)
	bad.TcbInfoSignature[0] ^= 1
	if _, err := submit(bad); !errors.Is(err, types.ErrInvalidCollateral) || !strings.Contains(err.Error(), "tcb info") {
		t.Fatalf("tampered collateral: %v", err)
	}

	// A registration without collateral now uses the stored one and gets
	// as far as the binding.
	msg := f.registration(readQuote(t), nil)
	if err := f.register(t, msg); !errors.Is(err, types.ErrReportDataBinding) {
		t.Fatalf("registration with stored collateral: %v", err)
	}
	if _, err := f.q.Collateral(f.ctx, &types.QueryCollateralRequest{Fmspc: "00906ed50000"}); err == nil || !strings.Contains(err.Error(), "no collateral") {
		t.Fatalf("unknown FMSPC: %v", err)
	}
}

// simReport makes a simulated report with the devnet's signer.
func simReport(t *testing.T, data [64]byte) []byte {
	t.Helper()
	s, err := sim.Open(t.TempDir(), tee.Measurement{MREnclave: [32]byte{9}, MRSigner: sim.Signer, ISVProdID: sim.DefaultProdID})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Quote(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func allowSim(p *types.Params) {
	p.AllowSimulation = true
	p.AllowedEnclaves = append(p.AllowedEnclaves, types.EnclaveIdentity{MrSigner: hex.EncodeToString(sim.Signer[:]), IsvProdId: sim.DefaultProdID})
}

func TestRegisterSimulatedWorker(t *testing.T) {
	f := newRegistryFixture(t, allowSim)
	want, err := f.q.ReportData(f.ctx, &types.QueryReportDataRequest{
		Operator: f.operator.Address.String(), IdentityPubkey: hex.EncodeToString(bytesOf(identityKeyByte)), EcdhPubkey: hex.EncodeToString(bytesOf(0x22)),
	})
	if err != nil || want.ChainId != apptest.ChainID || len(want.GenesisHash) != 64 {
		t.Fatalf("report data query: %+v %v", want, err)
	}
	var data [64]byte
	if _, err := hex.Decode(data[:], []byte(want.ReportData)); err != nil {
		t.Fatal(err)
	}

	// Evidence made for another operator, other keys or another chain is refused.
	other := binding.ReportData("other-chain", []byte("genesis"), bytesOf(identityKeyByte), bytesOf(0x22), f.operator.Address)
	if err := f.register(t, f.registration(simReport(t, other), nil)); !errors.Is(err, types.ErrReportDataBinding) {
		t.Fatalf("other chain's report data: %v", err)
	}
	msg := f.registration(simReport(t, data), nil)
	msg.EcdhPubkey = bytesOf(0x33)
	if err := f.register(t, msg); !errors.Is(err, types.ErrReportDataBinding) {
		t.Fatalf("swapped ECDH key: %v", err)
	}
	forged := simReport(t, data)
	forged[100] ^= 1
	if err := f.register(t, f.registration(forged, nil)); !errors.Is(err, types.ErrAttestation) {
		t.Fatalf("forged report: %v", err)
	}

	if err := f.register(t, f.registration(simReport(t, data), nil)); err != nil {
		t.Fatal(err)
	}
	got, err := f.q.Worker(f.ctx, &types.QueryWorkerRequest{IdentityPubkey: hex.EncodeToString(bytesOf(identityKeyByte))})
	if err != nil {
		t.Fatal(err)
	}
	w := got.Worker
	if w.Backend != "sim" || w.TcbStatus != keeper.TCBStatusSimulated || w.MrSigner != hex.EncodeToString(sim.Signer[:]) ||
		w.RegisteredHeight != 7 || !w.AttestedTime.Equal(insideWindow) || w.Operator != f.operator.Address.String() || w.Endpoint != "http://127.0.0.1:8000" {
		t.Fatalf("worker %+v", w)
	}
	if err := f.register(t, f.registration(simReport(t, data), nil)); !errors.Is(err, types.ErrWorkerExists) {
		t.Fatalf("second registration: %v", err)
	}
	list, err := f.q.Workers(f.ctx, &types.QueryWorkersRequest{})
	if err != nil || len(list.Workers) != 1 {
		t.Fatalf("workers: %v %v", list, err)
	}

	update := &types.MsgUpdateEndpoint{Operator: f.operator.Address.String(), IdentityPubkey: w.IdentityPubkey, Endpoint: "https://worker.example:9000"}
	stranger := *update
	stranger.Operator = sdk.AccAddress(bytesOf(5)[:20]).String()
	if _, err := f.srv.UpdateEndpoint(f.ctx, &stranger); !errors.Is(err, types.ErrNotOperator) {
		t.Fatalf("endpoint update by a stranger: %v", err)
	}
	if _, err := f.srv.UpdateEndpoint(f.ctx, update); err != nil {
		t.Fatal(err)
	}
	if w, _ := f.k.Workers.Get(f.ctx, w.IdentityPubkey); w.Endpoint != "https://worker.example:9000" {
		t.Fatalf("endpoint %q", w.Endpoint)
	}
	if _, err := f.q.Worker(f.ctx, &types.QueryWorkerRequest{IdentityPubkey: "zz"}); err == nil {
		t.Fatal("bad worker key accepted")
	}
}

// oasisRegistration is the oasis-core sample quote with its PCS collateral
// (which has no CRLs), at a block time inside its window.
func oasisRegistration(t *testing.T, f *registryFixture) *types.MsgRegisterWorker {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(sgxTestdata + "oasis/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tcb, tcbSig, err := attestation.SplitSignedBody(read("tcb_info_v3_fmspc_00606A000000.json"), "tcbInfo")
	if err != nil {
		t.Fatal(err)
	}
	qe, qeSig, err := attestation.SplitSignedBody(read("qe_identity_v2.json"), "enclaveIdentity")
	if err != nil {
		t.Fatal(err)
	}
	f.ctx = f.ctx.WithBlockTime(time.Unix(1671497404, 0))
	return f.registration(read("quote_v3_ecdsa_p256_pck_chain.bin"), &types.Collateral{
		TcbInfo: tcb, TcbInfoSignature: tcbSig, TcbInfoIssuerChain: read("tcb_info_v3_fmspc_00606A000000_certs.pem"),
		QeIdentity: qe, QeIdentitySignature: qeSig,
	})
}

// TestOasisQuote registers the second real quote: the chain requires CRLs by
// default, which its collateral lacks; with allow_missing_crl every other
// check passes and it fails exactly at the binding.
func TestOasisQuote(t *testing.T) {
	allowOasis := func(p *types.Params) {
		p.AllowedEnclaves = []types.EnclaveIdentity{{MrEnclave: "68823bc62f409ee33a32ea270cfe45d4b19a6fb3c8570d7bc186cbe062398e8f"}}
		p.AcceptedTcbStatuses = []string{"UpToDate", "SWHardeningNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate"}
	}
	f := newRegistryFixture(t, allowOasis)
	err := f.register(t, oasisRegistration(t, f))
	if !errors.Is(err, types.ErrAttestation) || !strings.Contains(err.Error(), "root ca crl: the collateral has no CRL") {
		t.Fatalf("without CRLs under the default policy: %v", err)
	}
	f = newRegistryFixture(t, func(p *types.Params) { allowOasis(p); p.AllowMissingCrl = true })
	if err := f.register(t, oasisRegistration(t, f)); !errors.Is(err, types.ErrReportDataBinding) {
		t.Fatalf("with allow_missing_crl: %v, want the binding step to fail", err)
	}
}
