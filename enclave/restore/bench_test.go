package restore

import (
	"bytes"
	"encoding/binary"
	"testing"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log"
	"cosmossdk.io/store/metrics"
	"cosmossdk.io/store/rootmulti"
	storetypes "cosmossdk.io/store/types"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
)

// BenchmarkRestore is the enclave's cost of a restore per state entry: the
// ICS-23 proof of each entry (Add) against the cost of opening it with the
// contract's state key (the baseline: what a restore without proofs would
// still pay), for a contract of 1,000 entries of 64-byte values in a
// store of 10,000 keys.
func BenchmarkRestore(b *testing.B) {
	const entries, others = 1000, 9000
	keys, err := contractstate.Derive(bytes.Repeat([]byte{1}, 32), "bench", bytes.Repeat([]byte{0xaa}, 32))
	if err != nil {
		b.Fatal(err)
	}
	contract := bytes.Repeat([]byte{0xaa}, 32)
	store := rootmulti.NewStore(dbm.NewMemDB(), log.NewNopLogger(), metrics.NewNoOpMetrics())
	key := storetypes.NewKVStoreKey(StoreKey)
	store.MountStoreWithDB(key, storetypes.StoreTypeIAVL, nil)
	if err := store.LoadLatestVersion(); err != nil {
		b.Fatal(err)
	}
	kv := store.GetCommitKVStore(key)
	type entry struct{ id, sealed []byte }
	var all []entry
	for i := 0; i < entries; i++ {
		id, sealed, err := keys.Seal(binary.BigEndian.AppendUint32([]byte("key/"), uint32(i)), bytes.Repeat([]byte{byte(i)}, 64))
		if err != nil {
			b.Fatal(err)
		}
		kv.Set(StateKey(contract, id), sealed)
		all = append(all, entry{id, sealed})
	}
	for i := 0; i < others; i++ {
		kv.Set(StateKey(bytes.Repeat([]byte{0xbb}, 32), binary.BigEndian.AppendUint32(nil, uint32(i))), []byte("other contract"))
	}
	raw, err := (&api.ContractStateHead{Contract: contract, Applied: 9, Entries: entries}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	kv.Set(HeadKey(contract), raw)
	id := store.Commit()
	read := func(k []byte) *cmtcrypto.ProofOps {
		res, err := store.Query(&storetypes.RequestQuery{Path: "/" + StoreKey + "/key", Data: k, Height: id.Version, Prove: true})
		if err != nil {
			b.Fatal(err)
		}
		return res.ProofOps
	}
	headProof := read(HeadKey(contract))
	proofs := make([]*cmtcrypto.ProofOps, entries)
	for i, e := range all {
		proofs[i] = read(StateKey(contract, e.id))
	}

	b.Run("prove", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			r, err := Begin(id.Hash, contract, id.Version, raw, headProof)
			if err != nil {
				b.Fatal(err)
			}
			for i, e := range all {
				if err := r.Add(id.Hash, e.id, e.sealed, proofs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*entries)/1000, "µs/entry")
	})
	b.Run("open (baseline)", func(b *testing.B) {
		for n := 0; n < b.N; n++ {
			for _, e := range all {
				if _, _, err := keys.Open(e.id, e.sealed); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*entries)/1000, "µs/entry")
	})
}
