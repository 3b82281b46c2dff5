package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// TestApplyContractResult applies workers' results to a contract on two
// replicas: order, replica agreement and faults, fees, refunds, state,
// payments, and results refused without a trace.
func TestApplyContractResult(t *testing.T) {
	n := newNetwork(t, true)
	params := types.DefaultParams()
	params.Replicas = 2
	if err := n.k.Params.Set(n.ctx, params); err != nil {
		t.Fatal(err)
	}
	master, err := masterkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	sender := n.user.Address
	addrStr, err := n.instantiate(t, &types.MsgInstantiate{Creator: sender.String(), CodeId: n.codeID, Label: "r", Nonce: nonce(t), SealedInit: sealed("{}"), FuelLimit: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	addr := sdk.MustAccAddressFromBech32(addrStr)
	if got := n.answer(t, n.keyAnswer(t, master, addr)); got != "" {
		t.Fatal(got)
	}
	c, _ := n.k.Contracts.Get(n.ctx, addr)
	first, second := c.Workers[0], c.Workers[1]
	// The workers' operators are accounts of their own, to see their fees.
	operator, operator2 := sdk.AccAddress(bytes.Repeat([]byte{0x55}, 20)), sdk.AccAddress(bytes.Repeat([]byte{0x56}, 20))
	for i, op := range []sdk.AccAddress{operator, operator2} {
		w, _ := n.g.App.RegistryKeeper.Workers.Get(n.ctx, c.Workers[i])
		w.Operator = op.String()
		if err := n.g.App.RegistryKeeper.Workers.Set(n.ctx, c.Workers[i], w); err != nil {
			t.Fatal(err)
		}
	}
	funds := sdk.NewCoins(sdk.NewInt64Coin(appconfig.BondDenom, 5))
	txBytes := []byte("execute tx")
	res, err := n.srv.Execute(n.ctx.WithTxBytes(txBytes), &types.MsgExecute{Sender: sender.String(), Contract: addrStr, Nonce: nonce(t),
		Sealed: sealed("cmd"), FuelLimit: 2_000_000, Funds: funds})
	if err != nil || res.Sequence != 2 {
		t.Fatalf("execute: %v %v", res, err)
	}
	res, err = n.srv.Execute(n.ctx, &types.MsgExecute{Sender: sender.String(), Contract: addrStr, Nonce: nonce(t),
		Sealed: sealed("cmd 3"), FuelLimit: 1_000_000, Funds: funds})
	if err != nil || res.Sequence != 3 {
		t.Fatalf("execute: %v %v", res, err)
	}

	digest := bytes.Repeat([]byte{0xd1}, 32)
	id := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	result := func(seq uint64, mutate func(*enclaveapi.ContractResult)) *enclaveapi.ContractResult {
		r := &enclaveapi.ContractResult{Contract: addr, Sequence: seq, SealedOutput: []byte("sealed output"), FuelUsed: 500_000, Digest: digest,
			Writes: []*enclaveapi.StateEntry{{Id: id(1), Sealed: []byte("sealed a")}, {Id: id(2), Sealed: []byte("sealed b")}},
			Events: []*enclaveapi.ContractEvent{{Type: "hello.incremented", Attributes: []*enclaveapi.ContractAttribute{{Key: "by_owner", Value: "true"}}}}}
		if mutate != nil {
			mutate(r)
		}
		return r
	}
	apply := func(worker []byte, r *enclaveapi.ContractResult) error {
		return deliver(n.ctx, func(ctx sdk.Context) error { return n.k.ApplyContractResult(ctx, worker, r) })
	}
	head := func() enclaveapi.ContractStateHead {
		h, err := n.k.Heads.Get(n.ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	stateLen := func() int {
		count := 0
		_ = n.k.State.Walk(n.ctx, collections.NewPrefixedPairRange[[]byte, []byte](addr), func(collections.Pair[[]byte, []byte], []byte) (bool, error) {
			count++
			return false, nil
		})
		return count
	}

	for name, tc := range map[string]struct {
		worker []byte
		r      *enclaveapi.ContractResult
		want   string
	}{
		"not scheduled":    {n.gatekeeper, result(1, nil), "not scheduled"},
		"out of order":     {first, result(2, nil), "call 1 is next"},
		"unknown contract": {first, result(1, func(r *enclaveapi.ContractResult) { r.Contract = identity(5) }), "no contract"},
		"fuel over limit":  {first, result(1, func(r *enclaveapi.ContractResult) { r.FuelUsed = 1_000_001 }), "over the call's limit"},
		"no digest":        {first, result(1, func(r *enclaveapi.ContractResult) { r.Digest = nil }), "digest"},
		"unsorted writes":  {first, result(1, func(r *enclaveapi.ContractResult) { r.Writes[0].Id = id(3) }), "not sorted"},
		"short id":         {first, result(1, func(r *enclaveapi.ContractResult) { r.Writes[0].Id = id(1)[:8] }), "8-byte id"},
		"failure writes":   {first, result(1, func(r *enclaveapi.ContractResult) { r.Error = "out of fuel" }), "cannot change state"},
		"unnamed event":    {first, result(1, func(r *enclaveapi.ContractResult) { r.Events[0].Type = "" }), "event 0"},
	} {
		t.Run(name, func(t *testing.T) {
			err := apply(tc.worker, tc.r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to say %q", err, tc.want)
			}
			if h := head(); h.Applied != 0 || h.Entries != 0 || stateLen() != 0 {
				t.Fatal("a refused result changed the contract")
			}
		})
	}

	// The init succeeds: its writes are stored, the fuel paid for.
	before := n.balance(sender)
	if err := apply(first, result(1, nil)); err != nil {
		t.Fatal(err)
	}
	fee1 := params.Fee(1_000_000)  // the init's prepaid fee
	paid1 := fee1.Amount.QuoRaw(2) // half the fuel used, rounded up
	if got := n.balance(operator); !got.Equal(paid1) || !n.balance(sender).Sub(before).Equal(fee1.Amount.Sub(paid1)) {
		t.Fatalf("operator got %s, sender refunded %s; want %s and %s", got, n.balance(sender).Sub(before), paid1, fee1.Amount.Sub(paid1))
	}
	if h := head(); h.Applied != 1 || h.Entries != 2 || h.Balance != "" || stateLen() != 2 {
		t.Fatalf("after the init: head %+v, %d state entries", h, stateLen())
	}
	if has, _ := n.k.Calls.Has(n.ctx, collections.Join([]byte(addr), uint64(1))); has {
		t.Fatal("the applied call is still pending")
	}

	// Replicas: the same digest agrees; another digest is a fault; the
	// same worker twice is refused.
	if err := apply(second, result(1, nil)); err != nil {
		t.Fatal(err)
	}
	if has, _ := n.k.Faults.Has(n.ctx, collections.Join3([]byte(addr), uint64(1), second)); has {
		t.Fatal("an agreeing replica was recorded as a fault")
	}
	if err := apply(second, result(1, func(r *enclaveapi.ContractResult) { r.Digest = id(0xee) })); err != nil {
		t.Fatal(err)
	}
	if has, _ := n.k.Faults.Has(n.ctx, collections.Join3([]byte(addr), uint64(1), second)); !has {
		t.Fatal("a disagreeing replica was not recorded")
	}
	if err := apply(first, result(1, nil)); err == nil || !strings.Contains(err.Error(), "already gave") {
		t.Fatalf("a worker's second result of one call: %v", err)
	}

	// Call 2 fails (out of fuel): its funds come back, nothing else changes.
	before, contractBefore := n.balance(sender), n.balance(addr)
	failed := result(2, func(r *enclaveapi.ContractResult) {
		r.Error, r.FuelUsed, r.Writes, r.Events = "out of fuel", 2_000_000, nil, nil
	})
	if err := apply(second, failed); err != nil {
		t.Fatal(err)
	}
	if !n.balance(sender).Sub(before).Equal(math.NewInt(5)) || !contractBefore.Sub(n.balance(addr)).Equal(math.NewInt(5)) || stateLen() != 2 ||
		!n.balance(operator2).Equal(params.Fee(2_000_000).Amount) {
		t.Fatalf("failed call: sender got back %s, %d state entries", n.balance(sender).Sub(before), stateLen())
	}
	found, err := keeper.NewQuerier(n.k).CallByTx(n.ctx, &types.QueryCallByTxRequest{TxHash: fmt.Sprintf("%X", sha256Of(txBytes))})
	if err != nil || found.Call != nil || found.Result == nil || found.Result.Error != "out of fuel" ||
		!bytes.Equal(found.Result.SealedOutput, []byte("sealed output")) || !found.Result.FeePaid.Equal(params.Fee(2_000_000)) ||
		len(found.Result.SealedDigest) != 32 {
		t.Fatalf("result by tx: %+v, %v", found, err)
	}

	if h := head(); h.Applied != 2 || h.Entries != 2 || h.Balance != "" {
		t.Fatalf("after the failed call: head %+v", h)
	}

	// Call 3 succeeds: a deletion, a new entry, and payments (one to a
	// module account the bank refuses: reported, the rest made, both
	// counted out of the balance the enclaves account). Paying more than
	// the call brought is refused.
	payee := sdk.AccAddress(bytes.Repeat([]byte{0x66}, 20))
	overpaid := result(3, func(r *enclaveapi.ContractResult) {
		r.Sends = []*enclaveapi.ContractSend{{To: payee.String(), Denom: appconfig.BondDenom, Amount: "6"}}
	})
	if err := apply(first, overpaid); err == nil || !strings.Contains(err.Error(), "over the contract's balance") {
		t.Fatalf("a payment over the balance: %v", err)
	}
	ok := result(3, func(r *enclaveapi.ContractResult) {
		r.Writes = []*enclaveapi.StateEntry{{Id: id(1)}, {Id: id(4), Sealed: []byte("sealed d")}}
		r.Sends = []*enclaveapi.ContractSend{{To: payee.String(), Denom: appconfig.BondDenom, Amount: "3"},
			{To: keeper.ModuleAddress().String(), Denom: appconfig.BondDenom, Amount: "1"}}
	})
	if err := apply(first, ok); err != nil {
		t.Fatal(err)
	}
	if has, _ := n.k.State.Has(n.ctx, collections.Join([]byte(addr), id(1))); has || stateLen() != 2 || !n.balance(payee).Equal(math.NewInt(3)) {
		t.Fatalf("call 3: %d entries, payee has %s", stateLen(), n.balance(payee))
	}
	r3, _ := n.k.Results.Get(n.ctx, collections.Join([]byte(addr), uint64(3)))
	if !strings.Contains(r3.PaymentError, "1 payment(s) failed") {
		t.Fatalf("payment error %q", r3.PaymentError)
	}
	if h := head(); h.Applied != 3 || h.Entries != 2 || h.Balance != "1"+appconfig.BondDenom {
		t.Fatalf("after call 3: head %+v, want 3 applied, 2 entries, 1%s", h, appconfig.BondDenom)
	}

	// Export and import keep the state and the results.
	exported, err := n.k.ExportGenesis(n.ctx)
	if err != nil || len(exported.State) != 2 || len(exported.Results) != 3 || len(exported.Heads) != 1 {
		t.Fatalf("export: %d entries, %d results, %d heads, %v", len(exported.State), len(exported.Results), len(exported.Heads), err)
	}
	m := newNetwork(t, true)
	if err := m.k.InitGenesis(m.ctx, exported); err != nil {
		t.Fatal(err)
	}
	if h, err := m.k.Heads.Get(m.ctx, addr); err != nil || h.Applied != 3 || h.Entries != 2 {
		t.Fatalf("head after import: %+v, %v", h, err)
	}
	if load, err := m.k.WorkerLoad.Get(m.ctx, first); err != nil || load != 1 {
		t.Fatalf("worker load after import: %d, %v", load, err)
	}
	bad := *exported
	bad.Heads = []enclaveapi.ContractStateHead{{Contract: addr, Applied: 3, Entries: 5}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "counts 5 state entries") {
		t.Fatalf("a head counting entries the genesis does not hold: %v", err)
	}
	bad = *exported
	bad.Contracts = append([]types.Contract(nil), exported.Contracts...)
	bad.Contracts[0].Replicas = 0
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "wants 0 replicas") {
		t.Fatalf("a contract wanting no workers: %v", err)
	}
	again, err := keeper.NewQuerier(m.k).CallByTx(m.ctx, &types.QueryCallByTxRequest{TxHash: fmt.Sprintf("%X", sha256Of(txBytes))})
	if err != nil || again.Result == nil || again.Result.Sequence != 2 {
		t.Fatalf("result by tx after import: %+v, %v", again, err)
	}
}

func sha256Of(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
