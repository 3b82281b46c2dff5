package core

import (
	"bytes"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
)

// lastEgress returns the enclave's newest egress message.
func lastEgress(t *testing.T, e runningEnclave) *api.EgressMessage {
	t.Helper()
	out := e.TakeEgress(1)
	if len(out) == 0 {
		t.Fatal("no egress")
	}
	var m api.EgressMessage
	if err := m.Unmarshal(out[len(out)-1].Payload); err != nil {
		t.Fatal(err)
	}
	return &m
}

// TestContractKey runs a gatekeeper answering key requests (a good init, a
// tampered one) and a worker taking its assignment, across a restart.
func TestContractKey(t *testing.T) {
	c := newFakeChain(t)
	gk := c.start(t, t.TempDir(), t.TempDir())
	w := c.start(t, t.TempDir(), t.TempDir())
	gkID, wID := gk.Info().IdentityPubkey, w.Info().IdentityPubkey
	c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAppointed{GatekeeperAppointed: &api.GatekeeperAppointed{First: true}}})
	v := c.commit()
	c.sync(t, gk)
	if err := c.deliver(t, gk, 1, v); err != nil {
		t.Fatal(err)
	}
	masterPub := gk.Info().MasterPublicKey

	contract, creator := bytes.Repeat([]byte{0xc0}, 32), bytes.Repeat([]byte{0xa1}, 20)
	nonce := bytes.Repeat([]byte{7}, 16)
	plain := []byte(`{"start":41}`)
	sealedInit, err := envelope.Seal(masterPub, plain, envelope.InitContext(testchain.ChainID, contract, creator, nonce))
	if err != nil {
		t.Fatal(err)
	}
	request := &api.ContractKeyRequest{Contract: contract, Creator: creator, Nonce: nonce, SealedInit: sealedInit, Generation: 1,
		Workers: []*api.ContractWorker{{Identity: wID, EcdhPubkey: w.Info().ECDHPubkey}}}
	c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_ContractKeyRequest{ContractKeyRequest: request}})
	// The same request reaching a worker that is no gatekeeper: ignored.
	c.enqueue(wID, &api.IngressMessage{Body: &api.IngressMessage_ContractKeyRequest{ContractKeyRequest: request}})
	v = c.commit()
	c.sync(t, gk)
	c.sync(t, w)
	if err := c.deliver(t, gk, 2, v); err != nil {
		t.Fatal(err)
	}
	if err := c.deliver(t, w, 1, v); err != nil || len(w.TakeEgress(1)) != 0 {
		t.Fatalf("a worker answered a key request: %v", err)
	}
	pub := lastEgress(t, gk).GetContractKeyPublished()
	if pub == nil || pub.InitError != "" || len(pub.Shares) != 1 || !bytes.Equal(pub.Shares[0].Worker, wID) {
		t.Fatalf("answer %+v", pub)
	}
	if !contractkey.Verify(gkID, testchain.ChainID, contract, pub.PublicKey, 1, pub.Signature) {
		t.Fatal("the key's signature does not verify against the gatekeeper")
	}
	if bytes.Contains(pub.ResealedInit, plain) {
		t.Fatal("the init left the gatekeeper in the clear")
	}

	// The chain assigns the contract to the worker with its share.
	assigned := &api.ContractAssigned{Contract: contract, CodeId: 1, CodeHash: bytes.Repeat([]byte{9}, 32), PublicKey: pub.PublicKey, Share: pub.Shares[0].Share, FromSequence: 1}
	forged := *assigned
	forged.Contract = bytes.Repeat([]byte{0xc1}, 32) // the share is bound to the contract
	c.enqueue(wID, &api.IngressMessage{Body: &api.IngressMessage_ContractAssigned{ContractAssigned: &forged}})
	c.enqueue(wID, &api.IngressMessage{Body: &api.IngressMessage_ContractAssigned{ContractAssigned: assigned}})
	v = c.commit()
	c.sync(t, w)
	for seq := uint64(2); seq <= 3; seq++ {
		if err := c.deliver(t, w, seq, v); err != nil {
			t.Fatalf("worker message %d: %v", seq, err)
		}
	}
	if got := w.Info().Contracts; len(got) != 1 || !bytes.Equal(got[0].Contract, contract) || got[0].Next != 1 {
		t.Fatalf("worker contracts %+v, want only %x", got, contract)
	}
	// The worker holds the contract key: the resealed init opens with it.
	key := w.contracts[0].key
	got, err := envelope.Open(key, pub.ResealedInit, envelope.CommandContext(testchain.ChainID, contract, creator, nonce))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("resealed init: %q, %v", got, err)
	}
	again := c.start(t, w.platform, w.dir)
	if len(again.contracts) != 1 || !again.contracts[0].key.Equal(key) || again.contracts[0].next != 1 || !bytes.Equal(again.contracts[0].codeHash, assigned.CodeHash) {
		t.Fatal("the assignment did not survive a restart")
	}

	// A tampered init is answered with an error and no key.
	bad := *request
	bad.SealedInit = append([]byte(nil), sealedInit...)
	bad.SealedInit[len(bad.SealedInit)-1] ^= 1
	c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_ContractKeyRequest{ContractKeyRequest: &bad}})
	wrongGen := *request
	wrongGen.Generation = 2
	c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_ContractKeyRequest{ContractKeyRequest: &wrongGen}})
	v = c.commit()
	c.sync(t, gk)
	for seq := uint64(3); seq <= 4; seq++ {
		if err := c.deliver(t, gk, seq, v); err != nil {
			t.Fatal(err)
		}
	}
	out := gk.TakeEgress(1)
	for i, want := range []string{"does not open", "does not hold"} {
		var m api.EgressMessage
		if err := m.Unmarshal(out[len(out)-2+i].Payload); err != nil {
			t.Fatal(err)
		}
		p := m.GetContractKeyPublished()
		if p == nil || !bytes.Contains([]byte(p.InitError), []byte(want)) || p.PublicKey != nil || p.Shares != nil {
			t.Fatalf("answer to a bad request %d: %+v, want an error saying %q", i, p, want)
		}
	}
}
