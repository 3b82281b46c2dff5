package keeper_test

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

var (
	helloOnce sync.Once
	helloWasm []byte
)

// hello is contracts/hello built as `make contracts` builds it.
func hello(t testing.TB) []byte {
	helloOnce.Do(func() { helloWasm = wasmbuild.Build(t, "../../../contracts/hello") })
	return helloWasm
}

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// deliver runs fn as baseapp runs a message: on a cached store written back
// only if fn succeeds.
func deliver(ctx sdk.Context, fn func(sdk.Context) error) error {
	cached, write := ctx.CacheContext()
	if err := fn(cached); err != nil {
		return err
	}
	write()
	return nil
}

func TestStoreCode(t *testing.T) {
	module := hello(t)
	g := apptest.New(t)
	alice := g.Fund(t, math.NewInt(1_000_000_000))
	g.AddValidator(t, math.NewInt(1_000_000))
	ctx, _ := g.InitModules(t)
	k := g.App.ConfidentialKeeper
	srv, q := keeper.NewMsgServerImpl(k), keeper.NewQuerier(k)
	hash := sha256.Sum256(module)

	store := func(upload []byte) (*types.MsgStoreCodeResponse, error) {
		var res *types.MsgStoreCodeResponse
		err := deliver(ctx, func(ctx sdk.Context) (err error) {
			res, err = srv.StoreCode(ctx, &types.MsgStoreCode{Sender: alice.Address.String(), WasmByteCode: upload})
			return err
		})
		return res, err
	}

	for i, upload := range [][]byte{module, gzipped(t, module)} {
		res, err := store(upload)
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		if res.CodeId != uint64(i+1) || !bytes.Equal(res.CodeHash, hash[:]) {
			t.Fatalf("upload %d: id %d hash %x, want id %d hash %x", i, res.CodeId, res.CodeHash, i+1, hash)
		}
		code, err := q.Code(ctx, &types.QueryCodeRequest{CodeId: res.CodeId})
		if err != nil {
			t.Fatal(err)
		}
		if code.Code.Size_ != uint64(len(module)) || code.Code.StoredSize != uint64(len(upload)) || code.Code.Gzip != (i == 1) || code.Code.Creator != alice.Address.String() {
			t.Fatalf("upload %d: stored %+v", i, code.Code)
		}
		got, err := q.CodeBytes(ctx, &types.QueryCodeBytesRequest{CodeId: res.CodeId})
		if err != nil || !bytes.Equal(got.Data, upload) || got.Gzip != (i == 1) {
			t.Fatalf("upload %d: code bytes differ (gzip %v, err %v)", i, got.GetGzip(), err)
		}
	}
	if len(gzipped(t, module)) >= len(module)/2 {
		t.Fatalf("gzip saves little: %d of %d bytes", len(gzipped(t, module)), len(module))
	}

	params, _ := k.Params.Get(ctx)
	huge := make([]byte, params.MaxCodeSize+1)
	copy(huge, module)
	for name, upload := range map[string][]byte{
		"not wasm":           []byte("#!/bin/sh\necho hello\n"),
		"truncated module":   module[:len(module)/2],
		"bad gzip":           gzipped(t, module)[:100],
		"over the size":      huge,
		"gzip bomb":          gzipped(t, huge),
		"gzip with trailer":  append(gzipped(t, module), "junk"...),
		"no contract export": bytes.Replace(module, []byte("phala_handle"), []byte("phala_hxndle"), 1),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := store(upload); !errors.Is(err, types.ErrInvalidCode) {
				t.Fatalf("err %v, want ErrInvalidCode", err)
			}
		})
	}
	list, err := q.Codes(ctx, &types.QueryCodesRequest{Pagination: &query.PageRequest{Limit: 10, CountTotal: true}})
	if err != nil || len(list.Codes) != 2 || list.Pagination.Total != 2 {
		t.Fatalf("after refused uploads: %d codes (%v), want 2", len(list.GetCodes()), err)
	}
	if next, _ := k.NextCodeID.Peek(ctx); next != 2 {
		t.Fatalf("a refused upload used a code id: next %d", next)
	}
	if _, err := q.Code(ctx, &types.QueryCodeRequest{CodeId: 3}); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown code: %v, want NotFound", err)
	}
}

// network is a genesis with a funded user, a code, workers and a gatekeeper
// with a published master key, all set directly in the registry.
type network struct {
	ctx         sdk.Context
	g           *apptest.Genesis
	k           keeper.Keeper
	srv         types.MsgServer
	user        apptest.Account
	codeID      uint64
	workers     [][]byte
	gatekeeper  []byte
	gkKey       ed25519.PrivateKey
	gkEgress    uint64
	unreachable []byte
}

func identity(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newNetwork(t testing.TB, withMasterKey bool) *network {
	t.Helper()
	module := hello(t)
	g := apptest.New(t)
	n := &network{g: g, user: g.Fund(t, math.NewInt(10_000_000_000))}
	g.AddValidator(t, math.NewInt(1_000_000))
	n.ctx, _ = g.InitModules(t)
	n.k, n.srv = g.App.ConfidentialKeeper, keeper.NewMsgServerImpl(g.App.ConfidentialKeeper)
	res, err := n.srv.StoreCode(n.ctx, &types.MsgStoreCode{Sender: n.user.Address.String(), WasmByteCode: module})
	if err != nil {
		t.Fatal(err)
	}
	n.codeID = res.CodeId

	reg := g.App.RegistryKeeper
	bond := registrytypes.DefaultMinWorkerBond
	add := func(id []byte, score uint64, unresponsive bool) {
		w := registrytypes.Worker{IdentityPubkey: id, EcdhPubkey: append([]byte{0xec}, id[1:]...), Operator: n.user.Address.String(), Bond: bond}
		if err := reg.Workers.Set(n.ctx, id, w); err != nil {
			t.Fatal(err)
		}
		st := registrytypes.WorkerStats{IdentityPubkey: id, PerformanceScore: score, Unresponsive: unresponsive, Slashed: math.ZeroInt(), Rewarded: math.ZeroInt()}
		if err := reg.Stats.Set(n.ctx, id, st); err != nil {
			t.Fatal(err)
		}
	}
	gkPub, gkKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	n.gatekeeper, n.gkKey, n.unreachable = gkPub, gkKey, identity(9)
	add(n.gatekeeper, 500, false)
	if err := reg.Gatekeepers.Set(n.ctx, n.gatekeeper); err != nil {
		t.Fatal(err)
	}
	add(n.unreachable, 900, true)
	add(identity(8), 0, false) // no benchmark yet: weight 0
	for b := byte(2); b <= 4; b++ {
		add(identity(b), 100*uint64(b), false)
		n.workers = append(n.workers, identity(b))
	}
	if withMasterKey {
		mk := registrytypes.MasterKey{PublicKey: identity(7), PublishedBy: n.gatekeeper, PublishedHeight: 1, Generation: 1}
		if err := reg.MasterKey.Set(n.ctx, mk); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func (n *network) balance(addr sdk.AccAddress) math.Int {
	return n.g.App.BankKeeper.GetBalance(n.ctx, addr, appconfig.BondDenom).Amount
}

func (n *network) ingress(t testing.TB, dest []byte, seq uint64) *enclaveapi.IngressMessage {
	t.Helper()
	msg, err := n.g.App.RegistryKeeper.Ingress.Get(n.ctx, ingress.MessageKey(dest, seq)[1:])
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return &msg
}

func nonce(t testing.TB) []byte {
	b := make([]byte, types.NonceSize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// sealed stands for a ciphertext: the chain only checks its size.
func sealed(plaintext string) []byte {
	return append(make([]byte, envelope.Overhead), plaintext...)
}

func (n *network) instantiate(t testing.TB, msg *types.MsgInstantiate) (string, error) {
	t.Helper()
	var addr string
	err := deliver(n.ctx, func(ctx sdk.Context) error {
		res, err := n.srv.Instantiate(ctx, msg)
		if err == nil {
			addr = res.Address
		}
		return err
	})
	return addr, err
}

func TestInstantiate(t *testing.T) {
	t.Run("no master key", func(t *testing.T) {
		n := newNetwork(t, false)
		msg := &types.MsgInstantiate{Creator: n.user.Address.String(), CodeId: n.codeID, Label: "a", Nonce: nonce(t), SealedInit: sealed("{}"), FuelLimit: 1_000_000}
		if _, err := n.instantiate(t, msg); !errors.Is(err, types.ErrNoGatekeeper) {
			t.Fatalf("err %v, want ErrNoGatekeeper", err)
		}
	})

	n := newNetwork(t, true)
	params := types.DefaultParams()
	params.Replicas = 2
	if err := n.k.Params.Set(n.ctx, params); err != nil {
		t.Fatal(err)
	}
	creator := n.user.Address.String()
	msg := &types.MsgInstantiate{Creator: creator, CodeId: n.codeID, Label: "counter", Nonce: nonce(t), SealedInit: sealed(`{"start":1}`), FuelLimit: 3_000_000}
	before := n.balance(n.user.Address)
	addr, err := n.instantiate(t, msg)
	if err != nil {
		t.Fatal(err)
	}
	if want := types.ContractAddress(n.codeID, n.user.Address, "counter").String(); addr != want {
		t.Fatalf("address %s, want %s", addr, want)
	}
	paid := before.Sub(n.balance(n.user.Address))
	if fee := params.Fee(msg.FuelLimit); !paid.Equal(fee.Amount) || !n.balance(keeper.ModuleAddress()).Equal(fee.Amount) {
		t.Fatalf("paid %s, module holds %s, want the fee %s", paid, n.balance(keeper.ModuleAddress()), fee)
	}

	res, err := keeper.NewQuerier(n.k).Contract(n.ctx, &types.QueryContractRequest{Address: addr})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Contract
	if c.CodeId != n.codeID || c.Creator != creator || c.Key != nil || c.Queued != 1 || len(c.Workers) != 2 {
		t.Fatalf("contract %+v", c)
	}
	scheduled := map[string]bool{}
	for _, w := range c.Workers {
		if !slices.ContainsFunc(n.workers, func(x []byte) bool { return bytes.Equal(x, w) }) {
			t.Fatalf("scheduled %x: a gatekeeper, unresponsive or unbenchmarked worker", w)
		}
		scheduled[string(w)] = true
	}
	if len(scheduled) != 2 {
		t.Fatalf("a worker drawn twice: %x", c.Workers)
	}

	req := n.ingress(t, n.gatekeeper, 1).GetContractKeyRequest()
	if req == nil {
		t.Fatal("no key request queued for the gatekeeper")
	}
	if !bytes.Equal(req.Contract, types.ContractAddress(n.codeID, n.user.Address, "counter")) || !bytes.Equal(req.SealedInit, msg.SealedInit) ||
		!bytes.Equal(req.Nonce, msg.Nonce) || req.Generation != 1 || len(req.Workers) != 2 {
		t.Fatalf("key request %+v", req)
	}
	for i, w := range req.Workers {
		if !bytes.Equal(w.Identity, c.Workers[i]) || !bytes.Equal(w.EcdhPubkey[1:], w.Identity[1:]) || w.EcdhPubkey[0] != 0xec {
			t.Fatalf("key request worker %d: %x / %x", i, w.Identity, w.EcdhPubkey)
		}
	}
	call, err := n.k.Calls.Get(n.ctx, collections.Join([]byte(types.ContractAddress(n.codeID, n.user.Address, "counter")), uint64(1)))
	if err != nil || call.FuelLimit != msg.FuelLimit || call.Sender != creator {
		t.Fatalf("call 1: %+v, %v", call, err)
	}

	for name, tc := range map[string]struct {
		mutate func(*types.MsgInstantiate)
		want   error
	}{
		"label taken":        {func(m *types.MsgInstantiate) {}, types.ErrLabelTaken},
		"unknown code":       {func(m *types.MsgInstantiate) { m.CodeId, m.Label = 99, "x" }, types.ErrCodeNotFound},
		"fuel over max":      {func(m *types.MsgInstantiate) { m.FuelLimit, m.Label = params.MaxFuelPerCall+1, "x" }, types.ErrFuelLimit},
		"not an envelope":    {func(m *types.MsgInstantiate) { m.SealedInit, m.Label = []byte(`{"start":1}`), "x" }, types.ErrInvalidCall},
		"short nonce":        {func(m *types.MsgInstantiate) { m.Nonce, m.Label = m.Nonce[:8], "x" }, types.ErrInvalidCall},
		"label with newline": {func(m *types.MsgInstantiate) { m.Label = "a\nb" }, types.ErrInvalidLabel},
	} {
		t.Run(name, func(t *testing.T) {
			m := *msg
			tc.mutate(&m)
			bal := n.balance(n.user.Address)
			if _, err := n.instantiate(t, &m); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if !n.balance(n.user.Address).Equal(bal) || n.ingress(t, n.gatekeeper, 2) != nil {
				t.Fatal("a refused instantiate charged a fee or queued a request")
			}
		})
	}

	t.Run("no worker in service", func(t *testing.T) {
		for _, w := range n.workers {
			st, _ := n.g.App.RegistryKeeper.Stats.Get(n.ctx, w)
			st.Unresponsive = true
			if err := n.g.App.RegistryKeeper.Stats.Set(n.ctx, w, st); err != nil {
				t.Fatal(err)
			}
		}
		m := *msg
		m.Label = "other"
		if _, err := n.instantiate(t, &m); !errors.Is(err, types.ErrNoWorkers) {
			t.Fatalf("err %v, want ErrNoWorkers", err)
		}
	})
}

func TestExecute(t *testing.T) {
	n := newNetwork(t, true)
	creator := n.user.Address
	addrStr, err := n.instantiate(t, &types.MsgInstantiate{Creator: creator.String(), CodeId: n.codeID, Label: "c", Nonce: nonce(t), SealedInit: sealed("{}"), FuelLimit: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	addr := sdk.MustAccAddressFromBech32(addrStr)
	exec := &types.MsgExecute{Sender: creator.String(), Contract: addrStr, Nonce: nonce(t), Sealed: sealed(`{"increment":{}}`), FuelLimit: 2_000_000,
		Funds: sdk.NewCoins(sdk.NewInt64Coin(appconfig.BondDenom, 5))}
	run := func(m *types.MsgExecute) (uint64, error) {
		var seq uint64
		err := deliver(n.ctx, func(ctx sdk.Context) error {
			res, err := n.srv.Execute(ctx, m)
			if err == nil {
				seq = res.Sequence
			}
			return err
		})
		return seq, err
	}

	if _, err := run(exec); !errors.Is(err, types.ErrKeyNotPublished) {
		t.Fatalf("before the key: %v, want ErrKeyNotPublished", err)
	}
	// What applying the gatekeeper's answer does: publish the key and queue
	// the resealed init as call 1.
	c, _ := n.k.Contracts.Get(n.ctx, addr)
	c.Key = &types.ContractKey{PublicKey: identity(6), Gatekeeper: n.gatekeeper, Generation: 1}
	if err := n.k.Contracts.Set(n.ctx, addr, c); err != nil {
		t.Fatal(err)
	}
	init := enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_ContractCall{ContractCall: &enclaveapi.ContractCall{Sequence: 1, Init: true}}}
	if _, err := n.g.App.RegistryKeeper.Enqueue(n.ctx, addr, init); err != nil {
		t.Fatal(err)
	}

	userBefore, contractBefore := n.balance(creator), n.balance(addr)
	seq, err := run(exec)
	if err != nil || seq != 2 {
		t.Fatalf("execute: seq %d, %v; want 2", seq, err)
	}
	fee := types.DefaultParams().Fee(exec.FuelLimit)
	if got := userBefore.Sub(n.balance(creator)); !got.Equal(fee.Amount.AddRaw(5)) || !n.balance(addr).Sub(contractBefore).Equal(math.NewInt(5)) {
		t.Fatalf("user paid %s, contract got %s; want fee %s + 5 funds", got, n.balance(addr).Sub(contractBefore), fee)
	}
	queued := n.ingress(t, addr, 2).GetContractCall()
	if queued == nil || queued.Sequence != 2 || !bytes.Equal(queued.Sealed, exec.Sealed) || !bytes.Equal(queued.Sender, creator) ||
		queued.FuelLimit != exec.FuelLimit || queued.Funds != "5upha" || queued.Init {
		t.Fatalf("queued call %+v", queued)
	}

	bal := n.balance(creator)
	for name, tc := range map[string]struct {
		mutate func(*types.MsgExecute)
		want   error
	}{
		"replayed nonce":   {func(m *types.MsgExecute) {}, types.ErrNonceReused},
		"unknown contract": {func(m *types.MsgExecute) { m.Contract, m.Nonce = creator.String(), nonce(t) }, types.ErrContractNotFound},
		"fuel over max":    {func(m *types.MsgExecute) { m.FuelLimit, m.Nonce = types.DefaultParams().MaxFuelPerCall+1, nonce(t) }, types.ErrFuelLimit},
		"too large": {func(m *types.MsgExecute) {
			m.Sealed, m.Nonce = make([]byte, types.DefaultParams().MaxMessageSize+1), nonce(t)
		}, types.ErrInvalidCall},
	} {
		t.Run(name, func(t *testing.T) {
			m := *exec
			tc.mutate(&m)
			if _, err := run(&m); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if !n.balance(creator).Equal(bal) || n.ingress(t, addr, 3) != nil {
				t.Fatal("a refused command was charged or queued")
			}
		})
	}
	t.Run("cannot pay", func(t *testing.T) {
		m := *exec
		m.Nonce, m.Funds = nonce(t), sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, bal))
		if _, err := run(&m); err == nil || n.ingress(t, addr, 3) != nil || !n.balance(creator).Equal(bal) {
			t.Fatalf("err %v: a command that cannot pay was queued or charged", err)
		}
		if used, _ := n.k.Nonces.Has(n.ctx, collections.Join3([]byte(addr), []byte(creator), m.Nonce)); used {
			t.Fatal("a failed command used up its nonce")
		}
	})
	// Delivered in a transaction, the call is found by the transaction's hash.
	txBytes := []byte("the transaction's bytes")
	res, err := n.srv.Execute(n.ctx.WithTxBytes(txBytes), &types.MsgExecute{Sender: creator.String(), Contract: addrStr, Nonce: nonce(t), Sealed: sealed("{}"), FuelLimit: 1})
	if err != nil || res.Sequence != 3 {
		t.Fatalf("next command: %v, %v; want sequence 3", res, err)
	}
	q := keeper.NewQuerier(n.k)
	txHash := sha256.Sum256(txBytes)
	found, err := q.CallByTx(n.ctx, &types.QueryCallByTxRequest{TxHash: fmt.Sprintf("%X", txHash)})
	if err != nil || found.Contract != addrStr || found.Sequence != 3 || found.Call == nil || found.Call.FuelLimit != 1 {
		t.Fatalf("call by tx: %+v, %v", found, err)
	}
	for hash, want := range map[string]codes.Code{"zz": codes.InvalidArgument, "abcd": codes.InvalidArgument, fmt.Sprintf("%x", sha256.Sum256(nil)): codes.NotFound} {
		if _, err := q.CallByTx(n.ctx, &types.QueryCallByTxRequest{TxHash: hash}); status.Code(err) != want {
			t.Errorf("call by tx %q: %v, want %v", hash, err, want)
		}
	}

	exported, err := n.k.ExportGenesis(n.ctx)
	if err != nil || len(exported.Contracts) != 1 || len(exported.Calls) != 3 || len(exported.Nonces) != 2 || len(exported.Codes) != 1 {
		t.Fatalf("export: %d contracts, %d calls, %d nonces, %d codes (%v)", len(exported.GetContracts()), len(exported.GetCalls()), len(exported.GetNonces()), len(exported.GetCodes()), err)
	}

	g2 := apptest.New(t)
	g2.AddValidator(t, math.NewInt(1_000_000))
	ctx2, _ := g2.InitModules(t)
	if err := g2.App.ConfidentialKeeper.InitGenesis(ctx2, exported); err != nil {
		t.Fatal(err)
	}
	again, err := g2.App.ConfidentialKeeper.ExportGenesis(ctx2)
	if err != nil || again.String() != exported.String() {
		t.Fatalf("genesis round trip differs (%v)", err)
	}
	if used, _ := g2.App.ConfidentialKeeper.Nonces.Has(ctx2, collections.Join3([]byte(addr), []byte(creator), exec.Nonce)); !used {
		t.Fatal("an imported nonce is not marked used")
	}
}
