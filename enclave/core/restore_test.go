package core

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
	"github.com/phala-cosmos/phala-cosmos/enclave/restore"
)

// chainHead applies a result to the fixture chain's x/confidential store
// as the chain does: its writes, then the contract's state head.
func (f *contractFixture) chainHead(t *testing.T, head *api.ContractStateHead, r *api.ContractResult) {
	t.Helper()
	kv := f.c.store.GetCommitKVStore(f.c.conf)
	for _, w := range r.Writes {
		key := restore.StateKey(f.contract, w.Id)
		switch {
		case len(w.Sealed) == 0 && kv.Has(key):
			kv.Delete(key)
			head.Entries--
		case len(w.Sealed) > 0:
			if !kv.Has(key) {
				head.Entries++
			}
			kv.Set(key, w.Sealed)
		}
	}
	head.Applied = r.Sequence
	raw, err := head.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	kv.Set(restore.HeadKey(f.contract), raw)
}

// TestContractMovesToAnotherWorker: a replica leaves; a new worker gets the
// contract key from the gatekeeper (ContractShareRequest), is assigned the
// contract to restore, and rebuilds its state from the chain's heads and
// entries proven at one height, in batches, refusing stale, forged and
// incomplete state; it then runs the next call exactly as the replica that
// stayed, and keeps the state across a restart. The replica that left
// drops the contract.
func TestContractMovesToAnotherWorker(t *testing.T) {
	f := newContractFixture(t)
	head := &api.ContractStateHead{Contract: f.contract, Balance: "5upha"}
	v := f.c.commit()
	f.chainHead(t, head, f.runAll(t, 1, v))
	inc := f.command(t, `{"increment":{"by":1}}`, 50_000_000)
	v = f.c.commit()
	f.chainHead(t, head, f.runAll(t, inc, v))
	// A second entry on chain, sealed with the contract's state key, so the
	// state comes in more than one piece.
	keys, err := contractstate.Derive(f.workers[0].contracts[0].key.Bytes(), testchain.ChainID, f.contract)
	if err != nil {
		t.Fatal(err)
	}
	noteID, note, err := keys.Seal([]byte("note"), []byte("kept on chain"))
	if err != nil {
		t.Fatal(err)
	}
	f.chainHead(t, head, &api.ContractResult{Sequence: inc, Writes: []*api.StateEntry{{Id: noteID, Sealed: note}}})

	newcomer := f.c.start(t, t.TempDir(), t.TempDir())
	leaving := f.workers[1]
	gkID, newID := f.gk.Info().IdentityPubkey, newcomer.Info().IdentityPubkey
	f.c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_ContractShareRequest{ContractShareRequest: &api.ContractShareRequest{
		Contract: f.contract, Generation: 1, Workers: []*api.ContractWorker{{Identity: newID, EcdhPubkey: newcomer.Info().ECDHPubkey}}}}})
	f.c.enqueue(gkID, &api.IngressMessage{Body: &api.IngressMessage_ContractShareRequest{ContractShareRequest: &api.ContractShareRequest{
		Contract: f.contract, Generation: 2, Workers: []*api.ContractWorker{{Identity: newID, EcdhPubkey: newcomer.Info().ECDHPubkey}}}}})
	v = f.c.commit()
	f.c.sync(t, f.gk)
	if err := f.c.deliver(t, f.gk, 3, v); err != nil {
		t.Fatal(err)
	}
	shared := lastEgress(t, f.gk).GetContractKeyShared()
	if shared == nil || shared.Error != "" || len(shared.Shares) != 1 || !bytes.Equal(shared.Shares[0].Worker, newID) {
		t.Fatalf("shares %+v", shared)
	}
	if err := f.c.deliver(t, f.gk, 4, v); err != nil {
		t.Fatal(err)
	}
	if lacking := lastEgress(t, f.gk).GetContractKeyShared(); lacking == nil || !strings.Contains(lacking.Error, "generation 2") || len(lacking.Shares) != 0 {
		t.Fatalf("a share of a generation the gatekeeper lacks: %+v", lacking)
	}

	f.c.enqueue(newID, &api.IngressMessage{Body: &api.IngressMessage_ContractAssigned{ContractAssigned: &api.ContractAssigned{
		Contract: f.contract, CodeId: 1, CodeHash: f.workers[0].contracts[0].codeHash, PublicKey: f.publicKey,
		Share: shared.Shares[0].Share, Restore: true}}})
	f.c.enqueue(leaving.Info().IdentityPubkey, &api.IngressMessage{Body: &api.IngressMessage_ContractUnassigned{
		ContractUnassigned: &api.ContractUnassigned{Contract: f.contract}}})
	again := f.command(t, `{"increment":{"by":2}}`, 50_000_000)
	assignedAt := f.c.commit()
	f.c.sync(t, newcomer)
	f.c.sync(t, leaving)
	if err := f.c.deliver(t, newcomer, 1, assignedAt); err != nil {
		t.Fatal(err)
	}
	if err := f.c.deliver(t, leaving, 2, assignedAt); err != nil {
		t.Fatal(err)
	}
	if p := leaving.Info().Contracts; len(p) != 0 {
		t.Fatalf("the replica that left still runs %+v", p)
	}
	if p := newcomer.Info().Contracts; len(p) != 1 || !p[0].Restoring || p[0].AssignedHeight != assignedAt || p[0].Next != 0 {
		t.Fatalf("the newcomer's progress %+v", p)
	}
	if _, err := newcomer.LoadCode(f.code); err != nil {
		t.Fatal(err)
	}
	msg, proof := f.c.message(f.contract, again, assignedAt)
	if err := newcomer.DispatchContract(f.contract, assignedAt, again, msg, proof); !errors.Is(err, ErrRestoring) {
		t.Fatalf("a call before the state: %v", err)
	}
	if resp := contractQuery(t, newcomer, f.contract, `{"get_count":{}}`); !strings.Contains(resp.GetError(), "rebuilding the contract's state") {
		t.Fatalf("a query before the state: %+v", resp)
	}

	// The state as of version v (before the assignment) is refused; so are
	// a forged head, a forged entry and an entry twice.
	oldHead, oldProof := f.c.read(restore.StoreKey, restore.HeadKey(f.contract), v-1)
	if _, err := newcomer.RestoreContract(f.contract, v-1, oldHead, oldProof, nil); !errors.Is(err, restore.ErrHead) {
		t.Fatalf("state proven before the assignment: %v", err)
	}
	raw, headProof := f.c.read(restore.StoreKey, restore.HeadKey(f.contract), assignedAt)
	forged := bytes.Clone(raw)
	forged[len(forged)-1] ^= 1
	if _, err := newcomer.RestoreContract(f.contract, assignedAt, forged, headProof, nil); !errors.Is(err, restore.ErrHead) {
		t.Fatalf("a forged head: %v", err)
	}
	var entries []RestoreEntry
	kv := f.c.store.GetCommitKVStore(f.c.conf)
	it := kv.Iterator(restore.StateKey(f.contract, nil), nil)
	for ; it.Valid() && bytes.HasPrefix(it.Key(), restore.StateKey(f.contract, nil)); it.Next() {
		id := bytes.Clone(it.Key()[len(restore.StateKey(f.contract, nil)):])
		sealed, p := f.c.read(restore.StoreKey, it.Key(), assignedAt)
		entries = append(entries, RestoreEntry{ID: id, Sealed: sealed, Proof: p})
	}
	it.Close()
	if len(entries) != 2 {
		t.Fatalf("%d entries on chain, want 2", len(entries))
	}
	tampered := entries[0]
	tampered.Sealed = bytes.Clone(tampered.Sealed)
	tampered.Sealed[0] ^= 1
	if p, err := newcomer.RestoreContract(f.contract, assignedAt, raw, headProof, []RestoreEntry{tampered}); !errors.Is(err, restore.ErrEntry) || p.Received != 0 {
		t.Fatalf("a tampered entry: %+v, %v", p, err)
	}
	p, err := newcomer.RestoreContract(f.contract, assignedAt, raw, headProof, entries[:1])
	if err != nil || p.Received != 1 || p.Done {
		t.Fatalf("first batch: %+v, %v", p, err)
	}
	if _, err := newcomer.RestoreContract(f.contract, assignedAt, raw, headProof, entries[:1]); !errors.Is(err, restore.ErrEntry) {
		t.Fatalf("an entry twice: %v", err)
	}
	p, err = newcomer.RestoreContract(f.contract, assignedAt, raw, headProof, entries[1:])
	if err != nil || !p.Done || p.Received != 2 || p.Next != inc+1 {
		t.Fatalf("second batch: %+v, %v", p, err)
	}
	st := newcomer.contracts[0].state
	if string(st.entries["note"]) != "kept on chain" || len(st.entries) != 2 || st.balance["upha"].Int64() != 5 {
		t.Fatalf("restored state %q, balance %v", st.entries, st.balance)
	}
	if _, err := newcomer.RestoreContract(f.contract, assignedAt, raw, headProof, nil); !errors.Is(err, ErrNotRestoring) {
		t.Fatalf("a restore after the state is whole: %v", err)
	}

	// The next call: the newcomer and the replica that stayed agree.
	f.workers = []runningEnclave{f.workers[0], newcomer}
	if got := f.count(t, f.runAll(t, again, assignedAt)); got != 44 {
		t.Fatalf("count after the move = %d, want 44", got)
	}
	// Restarted, the newcomer keeps the state it restored.
	newcomer = f.c.start(t, newcomer.platform, newcomer.dir)
	if _, err := newcomer.LoadCode(f.code); err != nil {
		t.Fatal(err)
	}
	if r := contractQuery(t, newcomer, f.contract, `{"get_count":{}}`).GetContract(); r == nil || !strings.Contains(string(r.Output), `"count":44`) || r.CallsApplied != again {
		t.Fatalf("query after restart: %+v", r)
	}
}
