package keeper_test

import (
	"bytes"
	"strings"
	"testing"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// endBlock runs the module's EndBlock at height.
func (n *network) endBlock(t testing.TB, height int64) {
	t.Helper()
	n.ctx = n.ctx.WithBlockHeight(height)
	if err := n.k.EndBlock(n.ctx); err != nil {
		t.Fatal(err)
	}
}

// create instantiates a contract of the network's code with label.
func (n *network) create(t testing.TB, label string) sdk.AccAddress {
	t.Helper()
	addr, err := n.instantiate(t, &types.MsgInstantiate{Creator: n.user.Address.String(), CodeId: n.codeID, Label: label, Nonce: nonce(t),
		SealedInit: sealed("{}"), FuelLimit: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	return sdk.MustAccAddressFromBech32(addr)
}

// setInService marks a registered worker responsive or not.
func (n *network) setInService(t testing.TB, id []byte, in bool) {
	t.Helper()
	st, err := n.g.App.RegistryKeeper.Stats.Get(n.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	st.Unresponsive = !in
	if err := n.g.App.RegistryKeeper.Stats.Set(n.ctx, id, st); err != nil {
		t.Fatal(err)
	}
}

// lastIngress is the newest message queued for dest.
func (n *network) lastIngress(t testing.TB, dest []byte) *enclaveapi.IngressMessage {
	t.Helper()
	var last *enclaveapi.IngressMessage
	for seq := uint64(1); ; seq++ {
		m := n.ingress(t, dest, seq)
		if m == nil {
			return last
		}
		last = m
	}
}

// TestKeyRequestGoesToTheNextGatekeeper: the gatekeeper that published the
// master key is asked first; one that does not answer in time is passed
// over for the next, and its late answer is refused once another's
// applied.
func TestKeyRequestGoesToTheNextGatekeeper(t *testing.T) {
	n := newNetwork(t, true)
	reg := n.g.App.RegistryKeeper
	silent := identity(1) // sorts before any random key
	w := registrytypes.Worker{IdentityPubkey: silent, EcdhPubkey: identity(0xe1), Operator: n.user.Address.String(), Bond: registrytypes.DefaultMinWorkerBond}
	if err := reg.Workers.Set(n.ctx, silent, w); err != nil {
		t.Fatal(err)
	}
	if err := reg.Gatekeepers.Set(n.ctx, silent); err != nil {
		t.Fatal(err)
	}
	// The silent gatekeeper published generation 1, so it is asked first.
	mk, _ := reg.MasterKey.Get(n.ctx)
	mk.PublishedBy = silent
	if err := reg.MasterKeyHistory.Set(n.ctx, 1, mk); err != nil {
		t.Fatal(err)
	}
	n.ctx = n.ctx.WithBlockHeight(10)
	addr := n.create(t, "c")
	addrStr := addr.String()
	req, err := n.k.KeyRequests.Get(n.ctx, addr)
	if err != nil || !bytes.Equal(req.Gatekeeper, silent) || req.Attempt != 1 || req.Deadline != 10+types.DefaultKeyRequestTimeout {
		t.Fatalf("key request %+v, %v", req, err)
	}
	if n.lastIngress(t, silent).GetContractKeyRequest() == nil || n.lastIngress(t, n.gatekeeper) != nil {
		t.Fatal("the key request did not go to the publisher alone")
	}

	if got := n.answer(t, &enclaveapi.ContractKeyPublished{Contract: addr, InitError: "does not hold the generation"}); !strings.Contains(got, "was asked") {
		t.Fatalf("a refusal from a gatekeeper not asked: %q", got)
	}
	n.endBlock(t, req.Deadline) // still in time
	if n.lastIngress(t, n.gatekeeper) != nil {
		t.Fatal("asked another gatekeeper before the deadline")
	}
	n.endBlock(t, req.Deadline+1)
	again := n.lastIngress(t, n.gatekeeper).GetContractKeyRequest()
	if again == nil || !bytes.Equal(again.SealedInit, sealed("{}")) || len(again.Workers) != 1 {
		t.Fatalf("the request re-sent to the next gatekeeper: %+v", again)
	}
	res, err := keeper.NewQuerier(n.k).Contract(n.ctx, &types.QueryContractRequest{Address: addrStr})
	if err != nil || res.KeyRequest == nil || res.KeyRequest.Attempt != 2 || !bytes.Equal(res.KeyRequest.Gatekeeper, n.gatekeeper) || res.Head != nil {
		t.Fatalf("contract query: %+v, %v", res, err)
	}

	master, err := masterkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if got := n.answer(t, n.keyAnswer(t, master, addr)); got != "" {
		t.Fatalf("the second gatekeeper's answer: %s", got)
	}
	if has, _ := n.k.KeyRequests.Has(n.ctx, addr); has {
		t.Fatal("the request is still outstanding")
	}
	n.endBlock(t, req.Deadline+100)
	if m := n.lastIngress(t, n.gatekeeper); m.GetContractKeyRequest() == nil {
		t.Fatalf("asked again after the answer: %+v", m)
	}
}

// TestLostWorkerIsReplaced: a scheduled worker that falls out of service
// is taken off its contract (and told so); a worker drawn in its place
// gets the contract key from a gatekeeper and is assigned the contract to
// restore from the chain; the lost worker's results are refused. With no
// worker to draw, the contract waits, understaffed, until one is in
// service.
func TestLostWorkerIsReplaced(t *testing.T) {
	n := newNetwork(t, true)
	master, err := masterkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	addr := n.create(t, "c")
	addrStr := addr.String()
	if got := n.answer(t, n.keyAnswer(t, master, addr)); got != "" {
		t.Fatal(got)
	}
	c, _ := n.k.Contracts.Get(n.ctx, addr)
	lost := c.Workers[0]
	n.endBlock(t, 5)
	if c2, _ := n.k.Contracts.Get(n.ctx, addr); !bytes.Equal(c2.Workers[0], lost) {
		t.Fatal("a worker in service was replaced")
	}

	n.setInService(t, lost, false)
	n.endBlock(t, 6)
	c, _ = n.k.Contracts.Get(n.ctx, addr)
	if len(c.Workers) != 1 || bytes.Equal(c.Workers[0], lost) {
		t.Fatalf("workers after the loss: %x", c.Workers)
	}
	replacement := c.Workers[0]
	if u := n.lastIngress(t, lost).GetContractUnassigned(); u == nil || !bytes.Equal(u.Contract, addr) {
		t.Fatal("the lost worker was not told")
	}
	if has, _ := n.k.Assigned.Has(n.ctx, collections.Join(lost, []byte(addr))); has {
		t.Fatal("the lost worker is still indexed")
	}
	shareReq := n.lastIngress(t, n.gatekeeper).GetContractShareRequest()
	if shareReq == nil || shareReq.Generation != 1 || len(shareReq.Workers) != 1 || !bytes.Equal(shareReq.Workers[0].Identity, replacement) {
		t.Fatalf("share request %+v", shareReq)
	}
	workers, err := keeper.NewQuerier(n.k).ContractWorkers(n.ctx, &types.QueryContractWorkersRequest{Address: addrStr})
	if err != nil || len(workers.Workers) != 1 || !workers.Workers[0].AwaitingKey || !workers.Workers[0].InService {
		t.Fatalf("contract workers %+v, %v", workers, err)
	}

	share := func(m *enclaveapi.ContractKeyShared) string {
		return n.egress(t, &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_ContractKeyShared{ContractKeyShared: m}})
	}
	for name, tc := range map[string]struct {
		m    *enclaveapi.ContractKeyShared
		want string
	}{
		"another generation": {&enclaveapi.ContractKeyShared{Contract: addr, Generation: 2, Shares: []*enclaveapi.ContractKeyShare{{Worker: replacement, Share: []byte("s")}}}, "generation 2"},
		"a stranger's share": {&enclaveapi.ContractKeyShared{Contract: addr, Generation: 1, Shares: []*enclaveapi.ContractKeyShare{{Worker: lost, Share: []byte("s")}}}, "no share for a worker that awaits one"},
		"unknown contract":   {&enclaveapi.ContractKeyShared{Contract: identity(5), Generation: 1}, "no contract"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := share(tc.m); !strings.Contains(got, tc.want) {
				t.Fatalf("rejected %q, want %q", got, tc.want)
			}
		})
	}
	if got := share(&enclaveapi.ContractKeyShared{Contract: addr, Generation: 1, Shares: []*enclaveapi.ContractKeyShare{{Worker: replacement, Share: []byte("sealed share")}}}); got != "" {
		t.Fatal(got)
	}
	assigned := n.lastIngress(t, replacement).GetContractAssigned()
	if assigned == nil || !assigned.Restore || assigned.FromSequence != 0 || !bytes.Equal(assigned.Share, []byte("sealed share")) || !bytes.Equal(assigned.Contract, addr) {
		t.Fatalf("assignment %+v", assigned)
	}
	if has, _ := n.k.KeyRequests.Has(n.ctx, addr); has {
		t.Fatal("the share request is still outstanding")
	}
	if got := share(&enclaveapi.ContractKeyShared{Contract: addr, Generation: 1, Shares: []*enclaveapi.ContractKeyShare{{Worker: replacement, Share: []byte("again")}}}); !strings.Contains(got, "awaits no key shares") {
		t.Fatalf("a second answer: %q", got)
	}
	result := &enclaveapi.ContractResult{Contract: addr, Sequence: 1, FuelUsed: 1, Digest: identity(0xd1)}
	if err := deliver(n.ctx, func(ctx sdk.Context) error { return n.k.ApplyContractResult(ctx, lost, result) }); err == nil || !strings.Contains(err.Error(), "not scheduled") {
		t.Fatalf("the lost worker's result: %v", err)
	}
	if err := deliver(n.ctx, func(ctx sdk.Context) error { return n.k.ApplyContractResult(ctx, replacement, result) }); err != nil {
		t.Fatalf("the replacement's result: %v", err)
	}

	// Nobody left to draw: the contract waits with no worker.
	for _, w := range n.workers {
		n.setInService(t, w, false)
	}
	n.endBlock(t, 7)
	c, _ = n.k.Contracts.Get(n.ctx, addr)
	if has, _ := n.k.Understaffed.Has(n.ctx, addr); len(c.Workers) != 0 || !has {
		t.Fatalf("workers %x, understaffed %v", c.Workers, has)
	}
	n.setInService(t, lost, true)
	n.endBlock(t, 8)
	c, _ = n.k.Contracts.Get(n.ctx, addr)
	if has, _ := n.k.Understaffed.Has(n.ctx, addr); len(c.Workers) != 1 || !bytes.Equal(c.Workers[0], lost) || has {
		t.Fatalf("workers %x, understaffed %v: the worker back in service was not drawn", c.Workers, has)
	}

	// A gatekeeper that cannot share: with no other gatekeeper to pass the
	// request to, it is asked again at the deadline.
	if got := share(&enclaveapi.ContractKeyShared{Contract: addr, Generation: 1, Error: "the gatekeeper does not hold master key generation 1"}); got != "" {
		t.Fatal(got)
	}
	req, err := n.k.KeyRequests.Get(n.ctx, addr)
	if err != nil || req.Attempt != 1 {
		t.Fatalf("after a failed answer: %+v, %v", req, err)
	}
	n.endBlock(t, req.Deadline+1)
	if again, err := n.k.KeyRequests.Get(n.ctx, addr); err != nil || again.Attempt != 2 || n.lastIngress(t, n.gatekeeper).GetContractShareRequest() == nil {
		t.Fatalf("after the deadline: %+v, %v", again, err)
	}
}

// TestGatekeeperSharesForNewcomer: a worker drawn while the key request was
// in flight is not in the gatekeeper's answer; it is asked for at once.
func TestGatekeeperSharesForNewcomer(t *testing.T) {
	n := newNetwork(t, true)
	addr := n.create(t, "c")
	master, err := masterkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	answer := n.keyAnswer(t, master, addr)
	c, _ := n.k.Contracts.Get(n.ctx, addr)
	n.setInService(t, c.Workers[0], false)
	n.endBlock(t, 3) // the worker is replaced before the answer lands
	if got := n.answer(t, answer); got != "" {
		t.Fatal(got)
	}
	c, _ = n.k.Contracts.Get(n.ctx, addr)
	req, err := n.k.KeyRequests.Get(n.ctx, addr)
	if err != nil || req.Init != nil || len(req.Awaiting) != 1 || !bytes.Equal(req.Awaiting[0], c.Workers[0]) {
		t.Fatalf("share request for the newcomer: %+v, %v", req, err)
	}
}
