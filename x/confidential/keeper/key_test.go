package keeper_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/egress"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrykeeper "github.com/phala-cosmos/phala-cosmos/x/registry/keeper"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// answer sends the gatekeeper's egress m through x/registry, as a relayer
// would, and returns why it was rejected ("" if it applied).
func (n *network) answer(t testing.TB, m *enclaveapi.ContractKeyPublished) string {
	t.Helper()
	return n.egress(t, &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_ContractKeyPublished{ContractKeyPublished: m}})
}

// egress submits m as the gatekeeper's next egress message and returns why
// its payload was rejected ("" if it applied).
func (n *network) egress(t testing.TB, m *enclaveapi.EgressMessage) string {
	t.Helper()
	payload, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	n.gkEgress++
	sig := ed25519.Sign(n.gkKey, egress.SignBytes(n.ctx.ChainID(), n.gatekeeper, n.gkEgress, payload))
	res, err := registrykeeper.NewMsgServerImpl(n.g.App.RegistryKeeper).SubmitEgress(n.ctx, &registrytypes.MsgSubmitEgress{
		Submitter: n.user.Address.String(), Worker: n.gatekeeper, Sequence: n.gkEgress, Payload: payload, Signature: sig})
	if err != nil {
		t.Fatalf("egress %d not accepted: %v", n.gkEgress, err)
	}
	return res.Rejected
}

// keyAnswer is what a gatekeeper's enclave answers for contract addr.
func (n *network) keyAnswer(t testing.TB, master *masterkey.Master, addr sdk.AccAddress) *enclaveapi.ContractKeyPublished {
	t.Helper()
	key, err := contractkey.Derive(master, n.ctx.ChainID(), addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.k.Contracts.Get(n.ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	pub := key.PublicKey().Bytes()
	m := &enclaveapi.ContractKeyPublished{
		Contract: addr, PublicKey: pub, Generation: 1, ResealedInit: sealed(`{"start":1}`),
		Signature: ed25519.Sign(n.gkKey, contractkey.SignBytes(n.ctx.ChainID(), addr, pub, 1)),
	}
	for i, w := range c.Workers {
		m.Shares = append(m.Shares, &enclaveapi.ContractKeyShare{Worker: w, Share: []byte(fmt.Sprintf("share %d", i))})
	}
	return m
}

func TestPublishContractKey(t *testing.T) {
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
	init := &types.MsgInstantiate{Creator: n.user.Address.String(), CodeId: n.codeID, Label: "counter", Nonce: nonce(t), SealedInit: sealed("{}"), FuelLimit: 1_000_000}
	addrStr, err := n.instantiate(t, init)
	if err != nil {
		t.Fatal(err)
	}
	addr := sdk.MustAccAddressFromBech32(addrStr)

	good := n.keyAnswer(t, master, addr)
	for name, tc := range map[string]struct {
		mutate func(*enclaveapi.ContractKeyPublished)
		want   string
	}{
		"forged signature":   {func(m *enclaveapi.ContractKeyPublished) { m.Signature[0] ^= 1 }, "signature"},
		"another key":        {func(m *enclaveapi.ContractKeyPublished) { m.PublicKey = identity(5) }, "signature"},
		"unpublished master": {func(m *enclaveapi.ContractKeyPublished) { m.Generation = 2 }, "generation 2"},
		"two shares for one": {func(m *enclaveapi.ContractKeyPublished) { m.Shares[1].Worker = m.Shares[0].Worker }, "two key shares for worker"},
		"an empty share":     {func(m *enclaveapi.ContractKeyPublished) { m.Shares[1].Share = nil }, "key share 1 is 0 bytes"},
		"no init":            {func(m *enclaveapi.ContractKeyPublished) { m.ResealedInit = nil }, "resealed init"},
		"unknown contract":   {func(m *enclaveapi.ContractKeyPublished) { m.Contract = identity(5) }, "no contract"},
	} {
		t.Run(name, func(t *testing.T) {
			m := n.keyAnswer(t, master, addr)
			tc.mutate(m)
			if got := n.answer(t, m); !strings.Contains(got, tc.want) {
				t.Fatalf("rejected %q, want it to say %q", got, tc.want)
			}
			if c, _ := n.k.Contracts.Get(n.ctx, addr); c.Key != nil || n.ingress(t, addr, 1) != nil {
				t.Fatal("a refused answer published a key or queued the init")
			}
		})
	}

	if got := n.answer(t, good); got != "" {
		t.Fatalf("valid answer rejected: %s", got)
	}
	c, _ := n.k.Contracts.Get(n.ctx, addr)
	if c.Key == nil || !bytes.Equal(c.Key.PublicKey, good.PublicKey) || !bytes.Equal(c.Key.Gatekeeper, n.gatekeeper) ||
		!contractkey.Verify(c.Key.Gatekeeper, n.ctx.ChainID(), addr, c.Key.PublicKey, c.Key.Generation, c.Key.Signature) {
		t.Fatalf("published key %+v", c.Key)
	}
	if h, err := n.k.Heads.Get(n.ctx, addr); err != nil || !bytes.Equal(h.Contract, addr) || h.Applied != 0 || h.Entries != 0 {
		t.Fatalf("state head %+v, %v", h, err)
	}
	if has, _ := n.k.KeyRequests.Has(n.ctx, addr); has {
		t.Fatal("the answered key request is still outstanding")
	}
	call := n.ingress(t, addr, 1).GetContractCall()
	if call == nil || !call.Init || call.Sequence != 1 || !bytes.Equal(call.Sealed, good.ResealedInit) ||
		!bytes.Equal(call.Nonce, init.Nonce) || !bytes.Equal(call.Sender, n.user.Address) || call.FuelLimit != init.FuelLimit {
		t.Fatalf("init call %+v", call)
	}
	code, _ := n.k.Codes.Get(n.ctx, n.codeID)
	for i, w := range c.Workers {
		var assigned *enclaveapi.ContractAssigned
		for seq := uint64(1); seq <= 3 && assigned == nil; seq++ {
			assigned = n.ingress(t, w, seq).GetContractAssigned()
		}
		if assigned == nil || !bytes.Equal(assigned.Contract, addr) || !bytes.Equal(assigned.CodeHash, code.CodeHash) ||
			!bytes.Equal(assigned.Share, good.Shares[i].Share) || assigned.FromSequence != 1 || !bytes.Equal(assigned.PublicKey, good.PublicKey) {
			t.Fatalf("worker %x: assignment %+v", w, assigned)
		}
	}
	if got := n.answer(t, n.keyAnswer(t, master, addr)); !strings.Contains(got, "already has its key") {
		t.Fatalf("second answer: rejected %q", got)
	}
	// Commands follow the init in the contract's queue.
	seq, err := n.srv.Execute(n.ctx, &types.MsgExecute{Sender: n.user.Address.String(), Contract: addrStr, Nonce: nonce(t), Sealed: sealed("{}"), FuelLimit: 10})
	if err != nil || seq.Sequence != 2 {
		t.Fatalf("first command: %v, %v; want sequence 2", seq, err)
	}

	t.Run("an init that does not open drops the contract and refunds", func(t *testing.T) {
		m := *init
		m.Label, m.Nonce = "broken", nonce(t)
		before := n.balance(n.user.Address)
		brokenStr, err := n.instantiate(t, &m)
		if err != nil {
			t.Fatal(err)
		}
		broken := sdk.MustAccAddressFromBech32(brokenStr)
		if got := n.answer(t, &enclaveapi.ContractKeyPublished{Contract: broken, InitError: "cannot decrypt the init"}); got != "" {
			t.Fatalf("rejected: %s", got)
		}
		if has, _ := n.k.Contracts.Has(n.ctx, broken); has {
			t.Fatal("the contract is still there")
		}
		if has, _ := n.k.Calls.Has(n.ctx, collections.Join([]byte(broken), uint64(1))); has {
			t.Fatal("its init call is still pending")
		}
		if !n.balance(n.user.Address).Equal(before) {
			t.Fatalf("balance %s, before %s: not refunded", n.balance(n.user.Address), before)
		}
		if _, err := n.instantiate(t, &m); err != nil {
			t.Fatalf("the label cannot be used again: %v", err)
		}
	})

	t.Run("only a gatekeeper publishes keys", func(t *testing.T) {
		m := *init
		m.Label, m.Nonce = "third", nonce(t)
		third, err := n.instantiate(t, &m)
		if err != nil {
			t.Fatal(err)
		}
		answer := n.keyAnswer(t, master, sdk.MustAccAddressFromBech32(third))
		if err := n.g.App.RegistryKeeper.Gatekeepers.Remove(n.ctx, n.gatekeeper); err != nil {
			t.Fatal(err)
		}
		if got := n.answer(t, answer); !strings.Contains(got, "not a gatekeeper") {
			t.Fatalf("rejected %q, want: not a gatekeeper", got)
		}
	})
}
