package stateproof

import (
	"errors"
	"testing"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log"
	"cosmossdk.io/store/metrics"
	"cosmossdk.io/store/rootmulti"
	storetypes "cosmossdk.io/store/types"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
)

// committedState is a real SDK multistore (IAVL stores "registry" and
// "bank") with some keys, committed: its hash is what a header's app hash
// would be.
type committedState struct {
	store   *rootmulti.Store
	appHash []byte
	version int64
}

func newCommittedState(t testing.TB) *committedState {
	t.Helper()
	db := dbm.NewMemDB()
	store := rootmulti.NewStore(db, log.NewNopLogger(), metrics.NewNoOpMetrics())
	registry, bank := storetypes.NewKVStoreKey("registry"), storetypes.NewKVStoreKey("bank")
	store.MountStoreWithDB(registry, storetypes.StoreTypeIAVL, nil)
	store.MountStoreWithDB(bank, storetypes.StoreTypeIAVL, nil)
	if err := store.LoadLatestVersion(); err != nil {
		t.Fatal(err)
	}
	kv := store.GetCommitKVStore(registry)
	for _, k := range []string{"queue/a/1", "queue/a/2", "queue/a/4", "queue/b/1"} {
		kv.Set([]byte(k), []byte("message "+k))
	}
	store.GetCommitKVStore(bank).Set([]byte("balance"), []byte("100"))
	id := store.Commit()
	return &committedState{store: store, appHash: id.Hash, version: id.Version}
}

func (s *committedState) prove(t testing.TB, storeKey, key string) *cmtcrypto.ProofOps {
	t.Helper()
	res, err := s.store.Query(&storetypes.RequestQuery{Path: "/" + storeKey + "/key", Data: []byte(key), Height: s.version, Prove: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.ProofOps
}

func TestVerify(t *testing.T) {
	s := newCommittedState(t)
	present := s.prove(t, "registry", "queue/a/2")
	if err := VerifyValue(s.appHash, "registry", []byte("queue/a/2"), []byte("message queue/a/2"), present); err != nil {
		t.Fatal(err)
	}
	absent := s.prove(t, "registry", "queue/a/3")
	if err := VerifyAbsent(s.appHash, "registry", []byte("queue/a/3"), absent); err != nil {
		t.Fatal(err)
	}

	otherHash := append([]byte{}, s.appHash...)
	otherHash[0] ^= 1
	flipped := func(p *cmtcrypto.ProofOps, op, i int) *cmtcrypto.ProofOps {
		c := &cmtcrypto.ProofOps{}
		for _, o := range p.Ops {
			c.Ops = append(c.Ops, cmtcrypto.ProofOp{Type: o.Type, Key: o.Key, Data: append([]byte{}, o.Data...)})
		}
		c.Ops[op].Data[i] ^= 1
		return c
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"another value", VerifyValue(s.appHash, "registry", []byte("queue/a/2"), []byte("message queue/a/1"), present)},
		{"another app hash", VerifyValue(otherHash, "registry", []byte("queue/a/2"), []byte("message queue/a/2"), present)},
		{"another key with this proof", VerifyValue(s.appHash, "registry", []byte("queue/a/1"), []byte("message queue/a/1"), present)},
		{"another store", VerifyValue(s.appHash, "bank", []byte("queue/a/2"), []byte("message queue/a/2"), present)},
		{"absence claimed for a present key", VerifyAbsent(s.appHash, "registry", []byte("queue/a/2"), present)},
		{"presence claimed with an absence proof", VerifyValue(s.appHash, "registry", []byte("queue/a/3"), []byte("x"), absent)},
		{"absence proof for another key", VerifyAbsent(s.appHash, "registry", []byte("queue/a/4"), absent)},
		{"no proof", VerifyValue(s.appHash, "registry", []byte("queue/a/2"), []byte("message queue/a/2"), nil)},
		{"one op", VerifyValue(s.appHash, "registry", []byte("queue/a/2"), []byte("message queue/a/2"), &cmtcrypto.ProofOps{Ops: present.Ops[:1]})},
		{"empty value", VerifyValue(s.appHash, "registry", []byte("queue/a/2"), nil, present)},
	} {
		if !errors.Is(tc.err, ErrInvalidProof) {
			t.Errorf("%s: %v, want ErrInvalidProof", tc.name, tc.err)
		}
	}
	// Every byte of both proof ops matters.
	for op := range present.Ops {
		for i := range present.Ops[op].Data {
			if err := VerifyValue(s.appHash, "registry", []byte("queue/a/2"), []byte("message queue/a/2"), flipped(present, op, i)); err == nil {
				t.Fatalf("op %d byte %d flipped: accepted", op, i)
			}
		}
	}
}

// FuzzVerifyValue feeds arbitrary proof bytes: nothing may panic, and
// nothing but the real proof may verify the value.
func FuzzVerifyValue(f *testing.F) {
	s := newCommittedState(f)
	real := s.prove(f, "registry", "queue/a/2")
	f.Add(real.Ops[0].Data, real.Ops[1].Data)
	f.Fuzz(func(t *testing.T, inner, outer []byte) {
		p := &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{
			{Type: opIAVL, Key: []byte("queue/a/2"), Data: inner},
			{Type: opSimple, Key: []byte("registry"), Data: outer},
		}}
		if err := VerifyValue(s.appHash, "registry", []byte("queue/a/2"), []byte("message queue/a/1"), p); err == nil {
			t.Fatal("a wrong value verified")
		}
		_ = VerifyAbsent(s.appHash, "registry", []byte("queue/a/2"), p)
	})
}
