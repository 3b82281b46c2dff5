package core

import (
	"bytes"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
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
