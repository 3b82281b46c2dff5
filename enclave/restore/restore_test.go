package restore

import (
	"bytes"
	"errors"
	"testing"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log"
	"cosmossdk.io/store/metrics"
	"cosmossdk.io/store/rootmulti"
	storetypes "cosmossdk.io/store/types"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
)

// chainState is a real SDK multistore with an x/confidential store holding
// two contracts' heads and entries, committed at two versions: version 1,
// then version 2 where contract A's entry 1 changed and entry 3 was added.
type chainState struct {
	store    *rootmulti.Store
	appHash  map[int64][]byte
	contract []byte
}

func id(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newChainState(t testing.TB) *chainState {
	t.Helper()
	store := rootmulti.NewStore(dbm.NewMemDB(), log.NewNopLogger(), metrics.NewNoOpMetrics())
	key := storetypes.NewKVStoreKey(StoreKey)
	store.MountStoreWithDB(key, storetypes.StoreTypeIAVL, nil)
	if err := store.LoadLatestVersion(); err != nil {
		t.Fatal(err)
	}
	a, b := bytes.Repeat([]byte{0xaa}, 32), bytes.Repeat([]byte{0xbb}, 32)
	s := &chainState{store: store, appHash: map[int64][]byte{}, contract: a}
	kv := store.GetCommitKVStore(key)
	setHead := func(c []byte, applied, entries uint64) {
		raw, err := (&api.ContractStateHead{Contract: c, Applied: applied, Entries: entries, Balance: "7upha"}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		kv.Set(HeadKey(c), raw)
	}
	setHead(a, 4, 2)
	setHead(b, 1, 1)
	kv.Set(StateKey(a, id(1)), []byte("a1 v1"))
	kv.Set(StateKey(a, id(2)), []byte("a2 v1"))
	kv.Set(StateKey(b, id(1)), []byte("b1 v1"))
	s.appHash[1] = store.Commit().Hash

	setHead(a, 5, 3)
	kv.Set(StateKey(a, id(1)), []byte("a1 v2"))
	kv.Set(StateKey(a, id(3)), []byte("a3 v2"))
	s.appHash[2] = store.Commit().Hash
	return s
}

func (s *chainState) read(t testing.TB, key []byte, version int64) ([]byte, *cmtcrypto.ProofOps) {
	t.Helper()
	res, err := s.store.Query(&storetypes.RequestQuery{Path: "/" + StoreKey + "/key", Data: key, Height: version, Prove: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Value, res.ProofOps
}

func TestRestoreWhole(t *testing.T) {
	s := newChainState(t)
	raw, proof := s.read(t, HeadKey(s.contract), 2)
	r, err := Begin(s.appHash[2], s.contract, 2, raw, proof)
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Head(); h.Applied != 5 || h.Entries != 3 || h.Balance != "7upha" || r.Done() {
		t.Fatalf("head %+v, done %v", h, r.Done())
	}
	for _, n := range []byte{3, 1, 2} {
		sealed, p := s.read(t, StateKey(s.contract, id(n)), 2)
		if err := r.Add(s.appHash[2], id(n), sealed, p); err != nil {
			t.Fatalf("entry %d: %v", n, err)
		}
	}
	if !r.Done() || r.Received() != 3 || !r.Continues(2, raw) || r.Continues(1, raw) {
		t.Fatalf("done %v, received %d", r.Done(), r.Received())
	}
	got := map[string]string{}
	if err := r.Entries(func(id, sealed []byte) error { got[string(id[:1])] = string(sealed); return nil }); err != nil {
		t.Fatal(err)
	}
	if got["\x01"] != "a1 v2" || got["\x02"] != "a2 v1" || got["\x03"] != "a3 v2" {
		t.Fatalf("entries %q", got)
	}
}

// TestRestoreRefuses: a relayer cannot give another contract's head, an
// older version of an entry, an entry twice, more entries than the head
// counts, or anything proven against another height's app hash.
func TestRestoreRefuses(t *testing.T) {
	s := newChainState(t)
	raw, proof := s.read(t, HeadKey(s.contract), 2)
	otherContract := bytes.Repeat([]byte{0xbb}, 32)
	otherRaw, otherProof := s.read(t, HeadKey(otherContract), 2)
	oldRaw, oldProof := s.read(t, HeadKey(s.contract), 1)
	for name, c := range map[string]struct {
		appHash, raw []byte
		proof        *cmtcrypto.ProofOps
	}{
		"another contract's head":         {s.appHash[2], otherRaw, otherProof},
		"an old head at the new app hash": {s.appHash[2], oldRaw, oldProof},
		"a forged head":                   {s.appHash[2], append(bytes.Clone(raw[:len(raw)-1]), raw[len(raw)-1]^1), proof},
		"no proof":                        {s.appHash[2], raw, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Begin(c.appHash, s.contract, 2, c.raw, c.proof); !errors.Is(err, ErrHead) {
				t.Fatalf("Begin = %v, want ErrHead", err)
			}
		})
	}

	r, err := Begin(s.appHash[2], s.contract, 2, raw, proof)
	if err != nil {
		t.Fatal(err)
	}
	stale, staleProof := s.read(t, StateKey(s.contract, id(1)), 1)
	if err := r.Add(s.appHash[2], id(1), stale, staleProof); !errors.Is(err, ErrEntry) {
		t.Fatalf("an older version of entry 1: %v", err)
	}
	fresh, freshProof := s.read(t, StateKey(s.contract, id(1)), 2)
	if err := r.Add(s.appHash[2], id(1), []byte("a1 forged"), freshProof); !errors.Is(err, ErrEntry) {
		t.Fatalf("a forged entry: %v", err)
	}
	foreign, foreignProof := s.read(t, StateKey(otherContract, id(1)), 2)
	if err := r.Add(s.appHash[2], id(1), foreign, foreignProof); !errors.Is(err, ErrEntry) {
		t.Fatalf("another contract's entry: %v", err)
	}
	if r.Received() != 0 {
		t.Fatalf("refused entries were kept: %d", r.Received())
	}
	if err := r.Add(s.appHash[2], id(1), fresh, freshProof); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(s.appHash[2], id(1), fresh, freshProof); !errors.Is(err, ErrEntry) {
		t.Fatalf("entry 1 twice: %v", err)
	}
	for _, n := range []byte{2, 3} {
		sealed, p := s.read(t, StateKey(s.contract, id(n)), 2)
		if err := r.Add(s.appHash[2], id(n), sealed, p); err != nil {
			t.Fatal(err)
		}
	}
	// At version 1 the head counts 2 entries: a third is refused.
	r1, err := Begin(s.appHash[1], s.contract, 1, oldRaw, oldProof)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []byte{1, 2} {
		sealed, p := s.read(t, StateKey(s.contract, id(n)), 1)
		if err := r1.Add(s.appHash[1], id(n), sealed, p); err != nil {
			t.Fatal(err)
		}
	}
	// Entry 3 does not exist at version 1: it cannot be proven there, and
	// the head's count is reached anyway.
	sealed3, p3 := s.read(t, StateKey(s.contract, id(3)), 2)
	if err := r1.Add(s.appHash[1], id(3), sealed3, p3); !errors.Is(err, ErrEntry) || !r1.Done() {
		t.Fatalf("an entry beyond the head's count: %v (done %v)", err, r1.Done())
	}
}

// FuzzRestore feeds Begin and Add arbitrary heads, entries and proofs: they
// never panic, and nothing but the committed head and entries is taken.
func FuzzRestore(f *testing.F) {
	s := newChainState(f)
	raw, proof := s.read(f, HeadKey(s.contract), 2)
	rawProof, _ := proof.Marshal()
	sealed, entryProof := s.read(f, StateKey(s.contract, id(1)), 2)
	rawEntryProof, _ := entryProof.Marshal()
	f.Add(raw, rawProof, id(1), sealed, rawEntryProof)
	f.Add([]byte{}, []byte{}, []byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, head, headProof, entryID, entry, entryProofBytes []byte) {
		var hp, ep cmtcrypto.ProofOps
		if hp.Unmarshal(headProof) != nil || ep.Unmarshal(entryProofBytes) != nil {
			return
		}
		r, err := Begin(s.appHash[2], s.contract, 2, head, &hp)
		if err != nil {
			if !errors.Is(err, ErrHead) {
				t.Fatalf("Begin: %v, not ErrHead", err)
			}
			return
		}
		if !bytes.Equal(head, raw) {
			t.Fatalf("a head other than the committed one was taken: %x", head)
		}
		if err := r.Add(s.appHash[2], entryID, entry, &ep); err == nil {
			committed, _ := s.read(t, StateKey(s.contract, entryID), 2)
			if !bytes.Equal(committed, entry) {
				t.Fatalf("an entry other than the committed one was taken: %x", entry)
			}
		} else if !errors.Is(err, ErrEntry) {
			t.Fatalf("Add: %v, not ErrEntry", err)
		}
	})
}
