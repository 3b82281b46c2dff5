package core

import (
	"bytes"
	"errors"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
	"github.com/phala-cosmos/phala-cosmos/enclave/query"
)

// payloads decodes the enclave's egress from sequence from.
func payloads(t *testing.T, e runningEnclave, from uint64) []*api.EgressMessage {
	t.Helper()
	var out []*api.EgressMessage
	for _, m := range e.TakeEgress(from) {
		var em api.EgressMessage
		if err := em.Unmarshal(m.Payload); err != nil {
			t.Fatal(err)
		}
		out = append(out, &em)
	}
	return out
}

// TestHeartbeatsAndRandomness: the enclave reports its benchmark when
// registered, answers challenges with its score, forgets egress the chain
// acknowledged, and (as a gatekeeper holding the master key) derives the
// round's randomness, the same every time; a plain worker ignores requests.
func TestHeartbeatsAndRandomness(t *testing.T) {
	c := newFakeChain(t)
	gk := c.start(t, t.TempDir(), t.TempDir())
	plain := c.start(t, t.TempDir(), t.TempDir())
	gk.cfg.PerformanceScore = 42
	id, plainID := gk.Info().IdentityPubkey, plain.Info().IdentityPubkey

	c.enqueue(id, &api.IngressMessage{Body: &api.IngressMessage_Registered{Registered: &api.WorkerRegistered{Height: 1}}})
	c.enqueue(id, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAppointed{GatekeeperAppointed: &api.GatekeeperAppointed{First: true}}})
	c.enqueue(id, &api.IngressMessage{Body: &api.IngressMessage_RandomnessRequest{RandomnessRequest: &api.RandomnessRequest{Round: 5}}})
	c.enqueue(plainID, &api.IngressMessage{Body: &api.IngressMessage_RandomnessRequest{RandomnessRequest: &api.RandomnessRequest{Round: 5}}})
	v := c.commit()
	c.sync(t, gk)
	c.sync(t, plain)
	for seq := uint64(1); seq <= 3; seq++ {
		if err := c.deliver(t, gk, seq, v); err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
	}
	if err := c.deliver(t, plain, 1, v); err != nil || len(plain.TakeEgress(1)) != 0 {
		t.Fatalf("a plain worker answered a randomness request: %v", err)
	}
	out := payloads(t, gk, 1)
	if len(out) != 3 || out[0].GetBenchmarkResult().GetPerformanceScore() != 42 || out[1].GetMasterKeyPublished() == nil {
		t.Fatalf("egress: %+v", out)
	}
	r := out[2].GetRandomness()
	if r == nil || r.Round != 5 || len(r.Value) != 32 {
		t.Fatalf("randomness: %+v", out[2])
	}

	// A challenge acknowledging egress 1 and 2; asked again for round 5.
	c.enqueue(id, &api.IngressMessage{Body: &api.IngressMessage_HeartbeatChallenge{HeartbeatChallenge: &api.HeartbeatChallenge{Height: v, Deadline: v + 10, EgressAcknowledged: 3}}})
	c.enqueue(id, &api.IngressMessage{Body: &api.IngressMessage_RandomnessRequest{RandomnessRequest: &api.RandomnessRequest{Round: 5}}})
	v2 := c.commit()
	c.sync(t, gk)
	for seq := uint64(4); seq <= 5; seq++ {
		if err := c.deliver(t, gk, seq, v2); err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
	}
	kept := gk.TakeEgress(1)
	if len(kept) != 3 || kept[0].Sequence != 3 {
		t.Fatalf("after the acknowledgement the outbox holds %d messages from %d, want 3 from 3", len(kept), kept[0].Sequence)
	}
	out = payloads(t, gk, 4)
	if hb := out[0].GetHeartbeat(); hb == nil || hb.ChallengeHeight != v || hb.PerformanceScore != 42 {
		t.Fatalf("heartbeat: %+v", out[0])
	}
	if again := out[1].GetRandomness(); again == nil || !bytes.Equal(again.Value, r.Value) {
		t.Fatalf("the same round's randomness differs: %+v", out[1])
	}

	// Restarted, the enclave keeps exactly the unacknowledged egress.
	restarted := c.start(t, gk.platform, gk.dir)
	if got := restarted.TakeEgress(1); len(got) != 3 || got[0].Sequence != 3 || restarted.Info().NextEgress != 6 {
		t.Fatalf("after restart: %d messages, next %d", len(got), restarted.Info().NextEgress)
	}
}

// TestMasterKeyRotation: the leader generates the next generation when told,
// once; a gatekeeper added later receives every generation and restarts
// with all of them.
func TestMasterKeyRotation(t *testing.T) {
	c := newFakeChain(t)
	a := c.start(t, t.TempDir(), t.TempDir())
	b := c.start(t, t.TempDir(), t.TempDir())
	aID, bID := a.Info().IdentityPubkey, b.Info().IdentityPubkey
	c.enqueue(aID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAppointed{GatekeeperAppointed: &api.GatekeeperAppointed{First: true}}})
	c.enqueue(aID, &api.IngressMessage{Body: &api.IngressMessage_MasterKeyRotation{MasterKeyRotation: &api.MasterKeyRotation{Generation: 2}}})
	c.enqueue(aID, &api.IngressMessage{Body: &api.IngressMessage_MasterKeyRotation{MasterKeyRotation: &api.MasterKeyRotation{Generation: 2}}})
	c.enqueue(aID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAdded{GatekeeperAdded: &api.GatekeeperAdded{Identity: bID, EcdhPubkey: b.Info().ECDHPubkey}}})
	c.enqueue(bID, &api.IngressMessage{Body: &api.IngressMessage_GatekeeperAppointed{GatekeeperAppointed: &api.GatekeeperAppointed{}}})
	v := c.commit()
	c.sync(t, a)
	c.sync(t, b)
	for seq := uint64(1); seq <= 4; seq++ {
		if err := c.deliver(t, a, seq, v); err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
	}
	out := payloads(t, a, 1)
	if len(out) != 4 {
		t.Fatalf("egress: %+v (want publish 1, publish 2, two shares)", out)
	}
	first, second := out[0].GetMasterKeyPublished(), out[1].GetMasterKeyPublished()
	if first.GetGeneration() != 1 || second.GetGeneration() != 2 || bytes.Equal(first.PublicKey, second.PublicKey) {
		t.Fatalf("publications: %+v, %+v", first, second)
	}
	if info := a.Info(); info.MasterKeyGeneration != 2 || !bytes.Equal(info.MasterPublicKey, second.PublicKey) {
		t.Fatalf("the leader's current key: generation %d", info.MasterKeyGeneration)
	}
	// b receives both generations, relayed with their published keys.
	if err := c.deliver(t, b, 1, v); err != nil {
		t.Fatal(err)
	}
	for i, published := range []*api.MasterKeyPublished{first, second} {
		share := out[2+i].GetMasterKeyShare()
		if share == nil || share.Generation != published.Generation {
			t.Fatalf("share %d: %+v", i, out[2+i])
		}
		c.enqueue(bID, &api.IngressMessage{Body: &api.IngressMessage_MasterKeyShare{MasterKeyShare: &api.MasterKeyShare{
			From: aID, To: bID, Share: share.Share, MasterPublicKey: published.PublicKey, Generation: share.Generation}}})
	}
	v = c.commit()
	c.sync(t, b)
	for seq := uint64(2); seq <= 3; seq++ {
		if err := c.deliver(t, b, seq, v); err != nil {
			t.Fatalf("b, message %d: %v", seq, err)
		}
	}
	restarted := c.start(t, b.platform, b.dir)
	if info := restarted.Info(); info.MasterKeyGeneration != 2 || !bytes.Equal(info.MasterPublicKey, second.PublicKey) || len(restarted.masters) != 2 ||
		!bytes.Equal(restarted.masters[0].key.Public(), first.PublicKey) {
		t.Fatalf("b after restart: generation %d, %d generations", info.MasterKeyGeneration, len(restarted.masters))
	}
}

// TestQuery: a status query sealed to the enclave is answered, sealed to
// the asker; one sealed to another chain or tampered is refused.
func TestQuery(t *testing.T) {
	c := newFakeChain(t)
	e := c.start(t, t.TempDir(), t.TempDir())
	c.sync(t, e)
	info := e.Info()
	status := &api.QueryRequest{Query: &api.QueryRequest_Status{Status: &api.StatusQuery{}}}
	req, err := query.NewRequest(testchain.ChainID, info.IdentityPubkey, info.ECDHPubkey, status)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := e.Query(req.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := req.Open(sealed)
	if err != nil || resp.GetStatus().GetSyncedHeight() != info.SyncedHeight || resp.GetStatus().GetRegistered() {
		t.Fatalf("status: %+v %v", resp, err)
	}
	wrongChain, _ := query.NewRequest("other-chain", info.IdentityPubkey, info.ECDHPubkey, status)
	if _, err := e.Query(wrongChain.Bytes()); !errors.Is(err, query.ErrRequest) {
		t.Fatalf("a query for another chain: %v", err)
	}
	tampered := append([]byte{}, req.Bytes()...)
	tampered[40] ^= 1
	if _, err := e.Query(tampered); !errors.Is(err, query.ErrRequest) {
		t.Fatalf("a tampered query: %v", err)
	}
}
