package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log"
	"cosmossdk.io/store/metrics"
	"cosmossdk.io/store/rootmulti"
	storetypes "cosmossdk.io/store/types"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cometbft/cometbft/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/binding"
	"github.com/phala-cosmos/phala-cosmos/enclave/egress"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
	"github.com/phala-cosmos/phala-cosmos/enclave/lightclient"
	"github.com/phala-cosmos/phala-cosmos/enclave/restore"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee/sim"
)

// fakeChain is a real SDK multistore holding ingress queues as x/registry
// lays them out, and signed headers whose app hashes commit to it.
type fakeChain struct {
	t     *testing.T
	store *rootmulti.Store
	// key is x/registry's store (ingress), conf x/confidential's
	// (contract state heads and entries).
	key, conf *storetypes.KVStoreKey
	vals      testchain.ValSet
	blocks    []*types.LightBlock
	lengths   map[string]uint64
}

func newFakeChain(t *testing.T) *fakeChain {
	store := rootmulti.NewStore(dbm.NewMemDB(), log.NewNopLogger(), metrics.NewNoOpMetrics())
	key, conf := storetypes.NewKVStoreKey(ingress.StoreKey), storetypes.NewKVStoreKey(restore.StoreKey)
	store.MountStoreWithDB(key, storetypes.StoreTypeIAVL, nil)
	store.MountStoreWithDB(conf, storetypes.StoreTypeIAVL, nil)
	if err := store.LoadLatestVersion(); err != nil {
		t.Fatal(err)
	}
	store.GetCommitKVStore(key).Set([]byte{0}, []byte("params"))
	store.GetCommitKVStore(conf).Set([]byte{0}, []byte("params"))
	c := &fakeChain{t: t, store: store, key: key, conf: conf, vals: testchain.NewValSet(t, 10, 10, 10), lengths: map[string]uint64{}}
	c.commit() // version 1, header 1 (the anchor) and header 2
	return c
}

// enqueue writes a message into dest's queue (committed by the next commit).
func (c *fakeChain) enqueue(dest []byte, m *api.IngressMessage) {
	bz, err := m.Marshal()
	if err != nil {
		c.t.Fatal(err)
	}
	n := c.lengths[string(dest)] + 1
	c.lengths[string(dest)] = n
	kv := c.store.GetCommitKVStore(c.key)
	kv.Set(ingress.MessageKey(dest, n), bz)
	kv.Set(ingress.LengthKey(dest), binary.BigEndian.AppendUint64(nil, n))
}

// commit commits the state as version v and makes header v+1 carrying its
// app hash (header 1 exists from the start).
func (c *fakeChain) commit() int64 {
	id := c.store.Commit()
	if len(c.blocks) == 0 {
		c.blocks = append(c.blocks, c.block(1, nil))
	}
	c.blocks = append(c.blocks, c.block(id.Version+1, id.Hash))
	return id.Version
}

func (c *fakeChain) block(h int64, appHash []byte) *types.LightBlock {
	return testchain.Block(c.t, testchain.Spec{Height: h, Time: testchain.GenesisTime.Add(time.Duration(h) * time.Second),
		Vals: c.vals, Next: c.vals, AppHash: appHash})
}

// message returns ingress message seq of dest and its proof at version v.
func (c *fakeChain) message(dest []byte, seq uint64, v int64) ([]byte, *cmtcrypto.ProofOps) {
	return c.read(ingress.StoreKey, ingress.MessageKey(dest, seq), v)
}

// read returns a key of a store at version v and its proof.
func (c *fakeChain) read(storeKey string, key []byte, v int64) ([]byte, *cmtcrypto.ProofOps) {
	res, err := c.store.Query(&storetypes.RequestQuery{Path: "/" + storeKey + "/key", Data: key, Height: v, Prove: true})
	if err != nil {
		c.t.Fatal(err)
	}
	return res.Value, res.ProofOps
}

func (c *fakeChain) config(dir string) Config {
	return Config{ChainID: testchain.ChainID, GenesisHash: bytes.Repeat([]byte{1}, 32), StateDir: dir, CheckpointEvery: 10,
		Anchor: lightclient.TrustAnchor{ChainID: testchain.ChainID, Height: 1, Hash: c.blocks[0].Hash()}, Light: lightclient.DefaultOptions()}
}

type runningEnclave struct {
	*Enclave
	platform, dir string
}

func (c *fakeChain) start(t *testing.T, platform, dir string) runningEnclave {
	t.Helper()
	s, err := sim.Open(platform, tee.Measurement{MRSigner: sim.Signer, ISVProdID: 1})
	if err != nil {
		t.Fatal(err)
	}
	e, skipped, err := Open(s, c.config(dir))
	if err != nil || len(skipped) != 0 {
		t.Fatalf("open: %v %v", err, skipped)
	}
	return runningEnclave{e, platform, dir}
}

// sync feeds every header the enclave has not verified yet.
func (c *fakeChain) sync(t *testing.T, e runningEnclave) {
	t.Helper()
	from := e.Info().SyncedHeight
	if _, err := e.SyncHeaders(c.blocks[from:]); err != nil {
		t.Fatal(err)
	}
}

func (c *fakeChain) deliver(t *testing.T, e runningEnclave, seq uint64, v int64) error {
	t.Helper()
	msg, proof := c.message(e.Info().IdentityPubkey, seq, v)
	return e.Dispatch(v, seq, msg, proof)
}

// TestGatekeeperFlow runs two enclaves through registration, the first
// gatekeeper generating and publishing the master key, the second receiving
// it, a restart from checkpoints, and adversarial deliveries.
func TestGatekeeperFlow(t *testing.T) {
	c := newFakeChain(t)
	a := c.start(t, t.TempDir(), t.TempDir())
	b := c.start(t, t.TempDir(), t.TempDir())
	aID, bID := a.Info().IdentityPubkey, b.Info().IdentityPubkey

	c.enqueue(aID, &api.IngressMessage{Body: &api.IngressMessage_Registered{Registered: &api.WorkerRegistered{Height: 1}}})
	c.enqueue(aID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAppointed{GatekeeperAppointed: &api.GatekeeperAppointed{First: true}}})
	c.enqueue(bID, &api.IngressMessage{Body: &api.IngressMessage_Registered{Registered: &api.WorkerRegistered{Height: 1}}})
	v := c.commit()
	c.sync(t, a)
	c.sync(t, b)

	// Adversarial deliveries change nothing.
	msg2, proof2 := c.message(aID, 2, v)
	if err := a.Dispatch(v, 2, msg2, proof2); !errors.Is(err, ingress.ErrGap) {
		t.Fatalf("message 2 first: %v", err)
	}
	msg1, proof1 := c.message(aID, 1, v)
	tampered := append([]byte{}, msg1...)
	tampered[len(tampered)-1] ^= 1
	if err := a.Dispatch(v, 1, tampered, proof1); !errors.Is(err, ingress.ErrNotProven) {
		t.Fatalf("tampered message: %v", err)
	}
	if err := a.Dispatch(v+5, 1, msg1, proof1); !errors.Is(err, ErrNotSynced) {
		t.Fatalf("proof at an unverified height: %v", err)
	}
	if a.Info().Registered || a.Info().NextIngress != 1 {
		t.Fatal("a refused delivery changed the enclave")
	}

	for seq := uint64(1); seq <= 2; seq++ {
		if err := c.deliver(t, a, seq, v); err != nil {
			t.Fatalf("a, message %d: %v", seq, err)
		}
	}
	if err := a.Dispatch(v, 2, msg2, proof2); !errors.Is(err, ingress.ErrReplay) {
		t.Fatalf("replay: %v", err)
	}
	info := a.Info()
	if !info.Registered || !info.Gatekeeper || len(info.MasterPublicKey) != 32 {
		t.Fatalf("a after appointment: %+v", info)
	}
	out := a.TakeEgress(1)
	var published api.EgressMessage
	if len(out) != 1 || published.Unmarshal(out[0].Payload) != nil || published.GetMasterKeyPublished() == nil ||
		!bytes.Equal(published.GetMasterKeyPublished().PublicKey, info.MasterPublicKey) ||
		!egress.Verify(testchain.ChainID, aID, 1, out[0].Payload, out[0].Signature) {
		t.Fatalf("egress 1: %+v", out)
	}

	// b is appointed; a is told and shares the key.
	c.enqueue(aID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAdded{GatekeeperAdded: &api.GatekeeperAdded{Identity: bID, EcdhPubkey: b.Info().ECDHPubkey}}})
	c.enqueue(bID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAppointed{GatekeeperAppointed: &api.GatekeeperAppointed{}}})
	v = c.commit()
	c.sync(t, a)
	c.sync(t, b)
	if err := c.deliver(t, a, 3, v); err != nil {
		t.Fatal(err)
	}
	out = a.TakeEgress(2)
	var shared api.EgressMessage
	if len(out) != 1 || shared.Unmarshal(out[0].Payload) != nil || shared.GetMasterKeyShare() == nil {
		t.Fatalf("egress 2: %+v", out)
	}
	if err := c.deliver(t, b, 1, v); err != nil {
		t.Fatal(err)
	}
	if err := c.deliver(t, b, 2, v); err != nil {
		t.Fatal(err)
	}
	if b.Info().MasterPublicKey != nil {
		t.Fatal("b has a master key before receiving one")
	}

	// The chain relays the share with the published key; b takes it.
	share := shared.GetMasterKeyShare()
	c.enqueue(bID, &api.IngressMessage{Body: &api.IngressMessage_MasterKeyShare{MasterKeyShare: &api.MasterKeyShare{
		From: aID, To: bID, Share: share.Share, MasterPublicKey: info.MasterPublicKey, Generation: share.Generation}}})
	v = c.commit()
	c.sync(t, b)
	if err := c.deliver(t, b, 3, v); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Info().MasterPublicKey, info.MasterPublicKey) {
		t.Fatal("b holds another master key")
	}

	// a restarts: same keys, master key, egress and positions; no new key.
	again := c.start(t, a.platform, a.dir)
	if got := again.Info(); !bytes.Equal(got.IdentityPubkey, aID) || !bytes.Equal(got.MasterPublicKey, info.MasterPublicKey) ||
		got.NextIngress != 4 || got.NextEgress != 3 || got.SyncedHeight != a.Info().SyncedHeight {
		t.Fatalf("after restart: %+v", got)
	}
	before, after := a.TakeEgress(1), again.TakeEgress(1)
	if len(after) != 2 || !bytes.Equal(before[0].Payload, after[0].Payload) || !bytes.Equal(before[1].Signature, after[1].Signature) {
		t.Fatal("the restarted enclave's egress differs")
	}
	// Headers go on verifying after the restart; a forged one is refused.
	c.commit()
	forged := *c.blocks[len(c.blocks)-1]
	forgedHeader := *forged.SignedHeader.Header
	forgedHeader.AppHash = bytes.Repeat([]byte{0xee}, 32)
	forged.SignedHeader = &types.SignedHeader{Header: &forgedHeader, Commit: forged.Commit}
	if _, err := again.SyncHeaders([]*types.LightBlock{&forged}); !errors.Is(err, lightclient.ErrMalformed) {
		t.Fatalf("forged header: %v", err)
	}
	c.sync(t, again)

	// Attestation binds the pinned chain, the keys and the operator.
	evidence, err := again.Attest([]byte("operator-address-20b"))
	if err != nil {
		t.Fatal(err)
	}
	report, err := sim.VerifyReport(evidence)
	want := binding.ReportData(testchain.ChainID, bytes.Repeat([]byte{1}, 32), aID, again.Info().ECDHPubkey, []byte("operator-address-20b"))
	if err != nil || report.ReportData != want {
		t.Fatalf("attestation: %v, report data %x, want %x", err, report.ReportData, want)
	}
}
