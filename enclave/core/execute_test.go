package core

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
	"github.com/phala-cosmos/phala-cosmos/internal/wasmbuild"
)

// contractFixture is a gatekeeper and two replica workers scheduled on one
// instance of the hello contract.
type contractFixture struct {
	c         *fakeChain
	gk        runningEnclave
	workers   []runningEnclave
	contract  []byte
	sender    []byte
	publicKey []byte
	code      []byte
	reply     *ecdh.PrivateKey
	calls     uint64
	// sealed are the sealed calls by sequence, for the result contexts.
	sealed map[uint64][]byte
}

func newContractFixture(t *testing.T) *contractFixture {
	t.Helper()
	f := &contractFixture{c: newFakeChain(t), contract: bytes.Repeat([]byte{0xc0}, 32), sender: bytes.Repeat([]byte{0xa1}, 20),
		code: wasmbuild.Build(t, "../../contracts/hello"), sealed: map[uint64][]byte{}}
	c := f.c
	f.gk = c.start(t, t.TempDir(), t.TempDir())
	f.workers = []runningEnclave{c.start(t, t.TempDir(), t.TempDir()), c.start(t, t.TempDir(), t.TempDir())}
	gkID := f.gk.Info().IdentityPubkey
	c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAppointed{GatekeeperAppointed: &api.GatekeeperAppointed{First: true}}})
	v := c.commit()
	c.sync(t, f.gk)
	if err := c.deliver(t, f.gk, 1, v); err != nil {
		t.Fatal(err)
	}
	nonce := bytes.Repeat([]byte{7}, 16)
	init := f.sealedCall(t, `{"count":41}`)
	sealedInit, err := envelope.Seal(f.gk.Info().MasterPublicKey, init, envelope.InitContext(testchain.ChainID, f.contract, f.sender, nonce))
	if err != nil {
		t.Fatal(err)
	}
	req := &api.ContractKeyRequest{Contract: f.contract, Creator: f.sender, Nonce: nonce, SealedInit: sealedInit, Generation: 1}
	for _, w := range f.workers {
		req.Workers = append(req.Workers, &api.ContractWorker{Identity: w.Info().IdentityPubkey, EcdhPubkey: w.Info().ECDHPubkey})
	}
	c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_ContractKeyRequest{ContractKeyRequest: req}})
	v = c.commit()
	c.sync(t, f.gk)
	if err := c.deliver(t, f.gk, 2, v); err != nil {
		t.Fatal(err)
	}
	pub := lastEgress(t, f.gk).GetContractKeyPublished()
	f.publicKey = pub.PublicKey
	hash := sha256.Sum256(f.code)
	for i, w := range f.workers {
		c.enqueue(w.Info().IdentityPubkey, &api.IngressMessage{Body: &api.IngressMessage_ContractAssigned{ContractAssigned: &api.ContractAssigned{
			Contract: f.contract, CodeId: 1, CodeHash: hash[:], PublicKey: pub.PublicKey, Share: pub.Shares[i].Share, FromSequence: 1}}})
	}
	f.queue(t, &api.ContractCall{Sender: f.sender, Nonce: nonce, Sealed: pub.ResealedInit, FuelLimit: 50_000_000, Height: 5, Init: true})
	v = c.commit()
	for _, w := range f.workers {
		c.sync(t, w)
		if err := c.deliver(t, w, 1, v); err != nil {
			t.Fatal(err)
		}
		if n, err := w.LoadCode(f.code); err != nil || n != 1 {
			t.Fatalf("load code: %d, %v", n, err)
		}
	}
	return f
}

// sealedCall is a SealedCall carrying msg and the fixture's reply key.
func (f *contractFixture) sealedCall(t *testing.T, msg string) []byte {
	t.Helper()
	if f.reply == nil {
		var err error
		if f.reply, err = ecdh.X25519().GenerateKey(rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	b, err := (&api.SealedCall{Msg: []byte(msg), ReplyKey: f.reply.PublicKey().Bytes()}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queue appends call to the contract's queue under the next sequence.
func (f *contractFixture) queue(t *testing.T, call *api.ContractCall) uint64 {
	f.calls++
	call.Sequence = f.calls
	f.sealed[call.Sequence] = call.Sealed
	f.c.enqueue(f.contract, &api.IngressMessage{Body: &api.IngressMessage_ContractCall{ContractCall: call}})
	return call.Sequence
}

// command seals msg to the contract key and queues it.
func (f *contractFixture) command(t *testing.T, msg string, fuel uint64) uint64 {
	t.Helper()
	nonce := make([]byte, 16)
	rand.Read(nonce)
	sealed, err := envelope.Seal(f.publicKey, f.sealedCall(t, msg), envelope.CommandContext(testchain.ChainID, f.contract, f.sender, nonce))
	if err != nil {
		t.Fatal(err)
	}
	return f.queue(t, &api.ContractCall{Sender: f.sender, Nonce: nonce, Sealed: sealed, FuelLimit: fuel, Height: 9, Funds: ""})
}

// run delivers call seq to worker w at version v and returns its result.
func (f *contractFixture) run(t *testing.T, w runningEnclave, seq uint64, v int64) *api.ContractResult {
	t.Helper()
	f.c.sync(t, w)
	msg, proof := f.c.message(f.contract, seq, v)
	if err := w.DispatchContract(f.contract, v, seq, msg, proof); err != nil {
		t.Fatalf("call %d: %v", seq, err)
	}
	r := lastEgress(t, w).GetContractResult()
	if r == nil || r.Sequence != seq || !bytes.Equal(r.Contract, f.contract) {
		t.Fatalf("call %d: result %+v", seq, r)
	}
	return r
}

// output opens a result's output with the reply key.
func (f *contractFixture) output(t *testing.T, r *api.ContractResult) *api.CallOutput {
	t.Helper()
	digest := sha256.Sum256(f.sealed[r.Sequence])
	plain, err := envelope.Open(f.reply, r.SealedOutput, envelope.ResultContext(testchain.ChainID, f.contract, r.Sequence, digest[:]))
	if err != nil {
		t.Fatalf("result %d output: %v", r.Sequence, err)
	}
	var out api.CallOutput
	if err := out.Unmarshal(plain); err != nil {
		t.Fatal(err)
	}
	return &out
}

func (f *contractFixture) count(t *testing.T, r *api.ContractResult) uint64 {
	t.Helper()
	out := f.output(t, r)
	var got struct{ Count uint64 }
	if r.Error != "" || json.Unmarshal(out.Data, &got) != nil {
		t.Fatalf("result %d: error %q / %q, output %q", r.Sequence, r.Error, out.Error, out.Data)
	}
	return got.Count
}

// runAll runs seq on every replica and checks they agree.
func (f *contractFixture) runAll(t *testing.T, seq uint64, v int64) *api.ContractResult {
	t.Helper()
	var first *api.ContractResult
	for i, w := range f.workers {
		r := f.run(t, w, seq, v)
		if first == nil {
			first = r
		} else if !bytes.Equal(r.Digest, first.Digest) || r.Error != first.Error || r.FuelUsed != first.FuelUsed || len(r.Writes) != len(first.Writes) {
			t.Fatalf("call %d: replica %d disagrees: %+v vs %+v", seq, i, r, first)
		}
	}
	return first
}

// TestContractCalls runs the hello contract on two replicas through its
// init, commands, a tampered command, one out of fuel and one it refuses:
// every call gives a result and the replicas agree on each; failures leave
// the state as it was; the state survives a restart; the chain sees sealed
// state only, which opens with the contract's state key.
func TestContractCalls(t *testing.T) {
	f := newContractFixture(t)
	v := f.c.commit()
	init := f.runAll(t, 1, v)
	if init.Error != "" || len(init.Writes) != 1 || len(init.Digest) != sha256.Size || init.FuelUsed == 0 {
		t.Fatalf("init result %+v: %+v", init, f.output(t, init))
	}
	keys, err := contractstate.Derive(f.workers[0].contracts[0].key.Bytes(), testchain.ChainID, f.contract)
	if err != nil {
		t.Fatal(err)
	}
	key, value, err := keys.Open(init.Writes[0].Id, init.Writes[0].Sealed)
	if err != nil || string(key) != "counter" || !strings.Contains(string(value), `"count":41`) {
		t.Fatalf("sealed state write: %q %q %v", key, value, err)
	}

	inc := f.command(t, `{"increment":{"by":1}}`, 50_000_000)
	tampered := f.command(t, `{"increment":{"by":100}}`, 50_000_000)
	f.sealed[tampered] = nil // filled below
	starved := f.command(t, `{"increment":{"by":1000}}`, 1_000)
	refused := f.command(t, `{"reset":{}}`, 50_000_000) // the sender owns it: allowed
	unknown := f.command(t, `{"explode":{}}`, 50_000_000)
	again := f.command(t, `{"increment":{"by":2}}`, 50_000_000)
	// Tamper with call 3 as stored: flip a byte of its ciphertext.
	{
		var m api.IngressMessage
		kv := f.c.store.GetCommitKVStore(f.c.key)
		if err := m.Unmarshal(kv.Get(ingress.MessageKey(f.contract, tampered))); err != nil {
			t.Fatal(err)
		}
		m.GetContractCall().Sealed[len(m.GetContractCall().Sealed)-1] ^= 1
		f.sealed[tampered] = m.GetContractCall().Sealed
		bz, _ := m.Marshal()
		kv.Set(ingress.MessageKey(f.contract, tampered), bz)
	}
	v = f.c.commit()

	if got := f.count(t, f.runAll(t, inc, v)); got != 42 {
		t.Fatalf("count after increment = %d, want 42", got)
	}
	if r := f.runAll(t, tampered, v); r.Error != failUnopened || r.SealedOutput != nil || len(r.Writes) != 0 {
		t.Fatalf("tampered command: %+v", r)
	}
	r := f.runAll(t, starved, v)
	if r.Error != failOutOfFuel || len(r.Writes) != 0 || r.FuelUsed != 1_000 {
		t.Fatalf("starved command: %+v", r)
	}
	if out := f.output(t, r); !strings.Contains(out.Error, "out of fuel") || out.Data != nil {
		t.Fatalf("starved output %+v", out)
	}
	if got := f.count(t, f.runAll(t, refused, v)); got != 0 {
		t.Fatalf("count after reset = %d", got)
	}
	r = f.runAll(t, unknown, v)
	if out := f.output(t, r); r.Error != failRefused || !strings.Contains(out.Error, `unknown field "explode"`) || len(r.Writes) != 0 {
		t.Fatalf("unknown command: %+v, output %+v", r, out)
	}

	// A replayed call, and the wrong code, are refused and leave the queue.
	msg, proof := f.c.message(f.contract, inc, v)
	if err := f.workers[0].DispatchContract(f.contract, v, inc, msg, proof); !errors.Is(err, ingress.ErrReplay) {
		t.Fatalf("replayed call: %v", err)
	}
	if _, err := f.workers[0].LoadCode(append(bytes.Clone(f.code), 0)); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("wrong code: %v", err)
	}
	msg, proof = f.c.message(f.contract, again, v)
	if err := f.gk.DispatchContract(f.contract, v, again, msg, proof); !errors.Is(err, ErrNotAssigned) {
		t.Fatalf("unassigned enclave: %v", err)
	}

	// Restart replica 0: the state (count 0 after the reset) is kept; the
	// code is not, until loaded again.
	f.workers[0] = f.c.start(t, f.workers[0].platform, f.workers[0].dir)
	if err := f.workers[0].DispatchContract(f.contract, v, again, msg, proof); !errors.Is(err, ErrNoCode) {
		t.Fatalf("call before the code is loaded: %v", err)
	}
	if p := f.workers[0].Info().Contracts; len(p) != 1 || p[0].CodeLoaded {
		t.Fatalf("progress before loading %+v", p)
	}
	if _, err := f.workers[0].LoadCode(f.code); err != nil {
		t.Fatal(err)
	}
	if got := f.count(t, f.runAll(t, again, v)); got != 2 {
		t.Fatalf("count after restart and increment by 2 = %d, want 2", got)
	}
	if p := f.workers[0].Info().Contracts; len(p) != 1 || p[0].Next != again+1 || !p[0].CodeLoaded {
		t.Fatalf("progress %+v", p)
	}
	// Queries read the state of the last call, on any replica; an enclave
	// not scheduled on the contract says so.
	for i, w := range append(f.workers, f.gk) {
		resp := contractQuery(t, w, f.contract, `{"get_count":{}}`)
		if i == len(f.workers) {
			if !strings.Contains(resp.GetError(), "not scheduled") {
				t.Fatalf("query to the gatekeeper: %+v", resp)
			}
			continue
		}
		r := resp.GetContract()
		if r == nil || r.Error != "" || r.CallsApplied != again || !strings.Contains(string(r.Output), `"count":2`) {
			t.Fatalf("query to replica %d: %+v", i, resp)
		}
	}
	if r := contractQuery(t, f.workers[0], f.contract, `{"explode":{}}`).GetContract(); r == nil || !strings.Contains(r.Error, "explode") {
		t.Fatalf("unknown query: %+v", r)
	}
	for _, e := range f.workers[0].TakeEgress(1) {
		// (The contract's public event, hello.incremented, is meant to show.)
		if bytes.Contains(e.Payload, []byte(`"count"`)) || bytes.Contains(e.Payload, []byte(`{"increment"`)) || bytes.Contains(e.Payload, []byte("counter")) {
			t.Fatal("plaintext in the egress")
		}
	}
}

// contractQuery sends w an encrypted contract query and opens its answer.
func contractQuery(t *testing.T, w runningEnclave, contract []byte, msg string) *api.QueryResponse {
	t.Helper()
	info := w.Info()
	req, err := query.NewRequest(testchain.ChainID, info.IdentityPubkey, info.ECDHPubkey,
		&api.QueryRequest{Query: &api.QueryRequest_Contract{Contract: &api.ContractQuery{Contract: contract, Msg: []byte(msg)}}})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := w.Query(req.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := req.Open(sealed)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
