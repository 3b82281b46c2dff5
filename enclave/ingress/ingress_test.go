package ingress

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log"
	"cosmossdk.io/store/metrics"
	"cosmossdk.io/store/rootmulti"
	storetypes "cosmossdk.io/store/types"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
)

var dest = bytes.Repeat([]byte{7}, DestinationSize)

// chainState is a real SDK multistore holding a queue of n messages for
// dest, as x/registry writes it.
type chainState struct {
	store   *rootmulti.Store
	appHash []byte
	version int64
}

func newChainState(t testing.TB, n int) *chainState {
	t.Helper()
	store := rootmulti.NewStore(dbm.NewMemDB(), log.NewNopLogger(), metrics.NewNoOpMetrics())
	key := storetypes.NewKVStoreKey(StoreKey)
	store.MountStoreWithDB(key, storetypes.StoreTypeIAVL, nil)
	if err := store.LoadLatestVersion(); err != nil {
		t.Fatal(err)
	}
	kv := store.GetCommitKVStore(key)
	kv.Set([]byte{0x00}, []byte("params")) // the registry store is never empty
	for seq := uint64(1); seq <= uint64(n); seq++ {
		kv.Set(MessageKey(dest, seq), message(seq))
	}
	if n > 0 {
		kv.Set(LengthKey(dest), binary.BigEndian.AppendUint64(nil, uint64(n)))
	}
	id := store.Commit()
	return &chainState{store: store, appHash: id.Hash, version: id.Version}
}

func message(seq uint64) []byte { return []byte{'m', byte(seq)} }

func (s *chainState) query(t testing.TB, key []byte) ([]byte, *cmtcrypto.ProofOps) {
	t.Helper()
	res, err := s.store.Query(&storetypes.RequestQuery{Path: "/" + StoreKey + "/key", Data: key, Height: s.version, Prove: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Value, res.ProofOps
}

func TestQueue(t *testing.T) {
	s := newChainState(t, 3)
	q, err := NewQueue(dest, 1)
	if err != nil {
		t.Fatal(err)
	}
	length, lengthProof := s.query(t, LengthKey(dest))
	if n, err := q.Backlog(s.appHash, length, lengthProof); err != nil || n != 3 {
		t.Fatalf("backlog %d, %v; want 3", n, err)
	}
	_, proof2 := s.query(t, MessageKey(dest, 2))
	if err := q.Accept(s.appHash, 2, message(2), proof2); !errors.Is(err, ErrGap) || q.Next() != 1 {
		t.Fatalf("message 2 first: %v", err)
	}
	_, proof1 := s.query(t, MessageKey(dest, 1))
	if err := q.Accept(s.appHash, 1, message(2), proof1); !errors.Is(err, ErrNotProven) || q.Next() != 1 {
		t.Fatalf("forged message 1: %v", err)
	}
	if err := q.Accept(s.appHash, 1, message(1), proof2); !errors.Is(err, ErrNotProven) {
		t.Fatalf("message 1 with message 2's proof: %v", err)
	}
	if err := q.Accept(s.appHash, 1, message(1), proof1); err != nil {
		t.Fatal(err)
	}
	if err := q.Accept(s.appHash, 1, message(1), proof1); !errors.Is(err, ErrReplay) || q.Next() != 2 {
		t.Fatalf("replay: %v", err)
	}
	if err := q.Accept(s.appHash, 2, message(2), proof2); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Backlog(s.appHash, length, lengthProof); err != nil || n != 1 {
		t.Fatalf("backlog %d, %v; want 1 (message 3 withheld)", n, err)
	}
	if _, err := q.Backlog(s.appHash, binary.BigEndian.AppendUint64(nil, 2), lengthProof); !errors.Is(err, ErrNotProven) {
		t.Fatalf("a forged shorter length: %v", err)
	}

	// An empty queue's length is proven absent.
	empty := newChainState(t, 0)
	length, proof := empty.query(t, LengthKey(dest))
	fresh, _ := NewQueue(dest, 1)
	if n, err := fresh.Backlog(empty.appHash, length, proof); err != nil || n != 0 {
		t.Fatalf("empty queue: %d, %v", n, err)
	}
	// State older than what was accepted is detected.
	if _, err := q.Backlog(empty.appHash, length, proof); !errors.Is(err, ErrNotProven) {
		t.Fatalf("older state: %v", err)
	}
	if _, err := NewQueue(dest[:5], 1); err == nil {
		t.Fatal("short destination accepted")
	}
	if _, err := NewQueue(dest, 0); err == nil {
		t.Fatal("sequence 0 accepted")
	}
}
