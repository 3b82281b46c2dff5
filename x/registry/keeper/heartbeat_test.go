package keeper_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"cosmossdk.io/math"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/x/registry/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

func heartbeat(height int64, score uint64) *enclaveapi.EgressMessage {
	return &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_Heartbeat{Heartbeat: &enclaveapi.Heartbeat{ChallengeHeight: height, PerformanceScore: score}}}
}

func benchmark(score uint64) *enclaveapi.EgressMessage {
	return &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_BenchmarkResult{BenchmarkResult: &enclaveapi.BenchmarkResult{PerformanceScore: score}}}
}

// submit sends the sender's next egress message and returns the rejection.
func (s *enclaveSender) submit(t *testing.T, m *enclaveapi.EgressMessage) string {
	t.Helper()
	res, err := s.f.srv.SubmitEgress(s.f.ctx, s.msg(t, s.next, m))
	if err != nil {
		t.Fatalf("egress %d: %v", s.next, err)
	}
	s.next++
	return res.Rejected
}

func (f *registryFixture) status(t *testing.T, id []byte) *types.QueryWorkerStatusResponse {
	t.Helper()
	res, err := f.q.WorkerStatus(f.ctx, &types.QueryWorkerStatusRequest{IdentityPubkey: hex.EncodeToString(id)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *registryFixture) endBlock(t *testing.T) { f.endBlockAt(t, f.ctx.BlockTime()) }

func (f *registryFixture) bond(t *testing.T, id []byte, amount int64) {
	t.Helper()
	if _, err := f.srv.BondWorker(f.ctx, &types.MsgBondWorker{Operator: f.operator.Address.String(), IdentityPubkey: id, Amount: upha(amount)}); err != nil {
		t.Fatal(err)
	}
}

func (f *registryFixture) supply() math.Int {
	return f.bank.GetSupply(f.ctx, appconfig.BondDenom).Amount
}

// TestHeartbeats: a challenged worker answers in time; then it misses one,
// is marked unresponsive and slashed, out of service; answering the next
// challenge brings it back. Wrong answers change nothing.
func TestHeartbeats(t *testing.T) {
	f := newRegistryFixture(t, func(p *types.Params) {
		allowSim(p)
		p.MinWorkerBond = upha(500)
		p.HeartbeatPeriod = 1 // every worker, every block
		p.HeartbeatWindow = 3
		p.UnresponsiveSlashFraction = math.LegacyNewDecWithPrec(1, 1)
	})
	w := newEnclaveSender(t, f)
	idle := newEnclaveSender(t, f) // registered, never bonded: never challenged
	f.bond(t, w.pub, 1000)

	f.endBlock(t)
	st := f.status(t, w.pub)
	if st.Challenge == nil || st.Challenge.Height != f.ctx.BlockHeight() || st.Challenge.Deadline != f.ctx.BlockHeight()+3 || !st.InService {
		t.Fatalf("after the first draw: %+v", st)
	}
	if f.status(t, idle.pub).Challenge != nil {
		t.Fatal("an unbonded worker was challenged")
	}
	// The challenge is in the worker's queue (after its registration), with
	// the egress it may forget.
	m, err := f.k.Ingress.Get(f.ctx, ingress.MessageKey(w.pub, 2)[1:])
	if c := m.GetHeartbeatChallenge(); err != nil || c == nil || c.Height != st.Challenge.Height || c.EgressAcknowledged != 1 {
		t.Fatalf("queued challenge: %+v, %v", m, err)
	}
	challengeHeight := st.Challenge.Height

	// Refused answers: the wrong challenge, from a worker with none.
	if r := w.submit(t, heartbeat(challengeHeight-1, 7)); !strings.Contains(r, "no open challenge") {
		t.Fatalf("answer to another height: %q", r)
	}
	if r := idle.submit(t, heartbeat(challengeHeight, 7)); !strings.Contains(r, "no open challenge") {
		t.Fatalf("answer without a challenge: %q", r)
	}
	if got := f.status(t, w.pub); got.Stats.Heartbeats != 0 || got.Challenge == nil {
		t.Fatalf("a refused answer changed the record: %+v", got)
	}
	if r := w.submit(t, heartbeat(challengeHeight, 7)); r != "" {
		t.Fatalf("answer: %q", r)
	}
	if got := f.status(t, w.pub); got.Stats.Heartbeats != 1 || got.Stats.PerformanceScore != 7 || got.Challenge != nil ||
		got.Stats.LastHeartbeatHeight != f.ctx.BlockHeight() {
		t.Fatalf("after the answer: %+v", got)
	}
	if r := w.submit(t, heartbeat(challengeHeight, 7)); !strings.Contains(r, "no open challenge") {
		t.Fatalf("a second answer to the same challenge: %q", r)
	}

	// A new challenge, left unanswered through its deadline.
	f.endBlock(t)
	missed := f.status(t, w.pub).Challenge
	supply := f.supply()
	for f.ctx.BlockHeight() < missed.Deadline-1 {
		f.endBlock(t)
		if f.status(t, w.pub).Stats.Unresponsive {
			t.Fatalf("unresponsive at %d, before the deadline %d", f.ctx.BlockHeight(), missed.Deadline)
		}
	}
	f.endBlock(t) // the deadline block ends without an answer
	got := f.status(t, w.pub)
	if !got.Stats.Unresponsive || got.Stats.Missed != 1 || got.Stats.UnresponsiveSince != missed.Deadline || got.InService {
		t.Fatalf("after the miss: %+v", got)
	}
	if !got.Bond.Equal(upha(900)) || !got.Stats.Slashed.Equal(math.NewInt(100)) || !f.supply().Equal(supply.SubRaw(100)) {
		t.Fatalf("slash: bond %s, slashed %s, supply %s -> %s", got.Bond, got.Stats.Slashed, supply, f.supply())
	}
	if res, _ := f.q.Worker(f.ctx, &types.QueryWorkerRequest{IdentityPubkey: hex.EncodeToString(w.pub)}); res.InService {
		t.Fatal("an unresponsive worker is in service")
	}
	// The late answer to the missed challenge does not count.
	if r := w.submit(t, heartbeat(missed.Height, 7)); !strings.Contains(r, "no open challenge") {
		t.Fatalf("late answer: %q", r)
	}
	// Still challenged while unresponsive; answering recovers.
	if got.Challenge == nil || got.Challenge.Height != f.ctx.BlockHeight() {
		t.Fatalf("an unresponsive worker gets no new challenge: %+v", got.Challenge)
	}
	if r := w.submit(t, heartbeat(got.Challenge.Height, 7)); r != "" {
		t.Fatalf("recovering answer: %q", r)
	}
	if got := f.status(t, w.pub); got.Stats.Unresponsive || !got.InService || got.Stats.Heartbeats != 2 {
		t.Fatalf("after recovering: %+v", got)
	}
}

// TestEraRewards: at an era change the budget is minted and shared by bond
// times score among responsive workers in service; the others get nothing.
func TestEraRewards(t *testing.T) {
	f := newRegistryFixture(t, func(p *types.Params) {
		allowSim(p)
		p.MinWorkerBond = upha(100)
		p.HeartbeatPeriod = 1_000_000 // no challenges in this test
		p.WorkerRewardPerEra = upha(1000)
	})
	a, b, c, unscored := newEnclaveSender(t, f), newEnclaveSender(t, f), newEnclaveSender(t, f), newEnclaveSender(t, f)
	for _, w := range []*enclaveSender{a, b, c, unscored} {
		f.bond(t, w.pub, 100)
	}
	for w, score := range map[*enclaveSender]uint64{a: 10, b: 30, c: 50} {
		if r := w.submit(t, benchmark(score)); r != "" {
			t.Fatal(r)
		}
	}
	if r := a.submit(t, benchmark(0)); !strings.Contains(r, "must be positive") {
		t.Fatalf("zero score: %q", r)
	}
	// c is unresponsive.
	st, _ := f.k.Stats.Get(f.ctx, c.pub)
	st.Unresponsive = true
	if err := f.k.Stats.Set(f.ctx, c.pub, st); err != nil {
		t.Fatal(err)
	}

	f.endBlock(t) // records the era in progress
	balance, supply := f.balance(), f.supply()
	era, _ := f.g.App.StakingKeeper.CurrentEraIndex(f.ctx)
	if err := f.g.App.StakingKeeper.CurrentEra.Set(f.ctx, era+1); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)
	for w, want := range map[*enclaveSender]int64{a: 250, b: 750, c: 0, unscored: 0} {
		if got := f.status(t, w.pub).Stats.Rewarded; !got.Equal(math.NewInt(want)) {
			t.Errorf("worker %x rewarded %s, want %d", w.pub[:4], got, want)
		}
	}
	if !f.balance().Equal(balance.AddRaw(1000)) || !f.supply().Equal(supply.AddRaw(1000)) {
		t.Fatalf("operator balance %s -> %s, supply %s -> %s", balance, f.balance(), supply, f.supply())
	}
	// Paid once per era.
	f.endBlock(t)
	if !f.balance().Equal(balance.AddRaw(1000)) {
		t.Fatal("rewards paid twice in one era")
	}
	// The gatekeepers (none here) would be asked for randomness; the round
	// requested is the new era.
	if got, _ := f.k.RewardedEra.Get(f.ctx); got != era+1 {
		t.Fatalf("rewarded era %d, want %d", got, era+1)
	}
}

// TestRandomness: only gatekeepers deliver the beacon, for the requested
// round; replicas' identical values are accepted, different ones refused.
func TestRandomness(t *testing.T) {
	f := newRegistryFixture(t, allowSim)
	gk, other, plain := newEnclaveSender(t, f), newEnclaveSender(t, f), newEnclaveSender(t, f)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	for _, g := range []*enclaveSender{gk, other} {
		if _, err := f.srv.AddGatekeeper(f.ctx, &types.MsgAddGatekeeper{Authority: gov, IdentityPubkey: g.pub}); err != nil {
			t.Fatal(err)
		}
	}
	round, _ := f.k.RewardedEra.Get(f.ctx)
	value := bytes.Repeat([]byte{0xab}, 32)
	rnd := func(round uint64, v []byte) *enclaveapi.EgressMessage {
		return &enclaveapi.EgressMessage{Body: &enclaveapi.EgressMessage_Randomness{Randomness: &enclaveapi.Randomness{Round: round, Value: v}}}
	}
	for name, tc := range map[string]struct {
		from *enclaveSender
		msg  *enclaveapi.EgressMessage
		want string
	}{
		"not a gatekeeper": {plain, rnd(round, value), "not a gatekeeper"},
		"short value":      {gk, rnd(round, value[:31]), "31 bytes"},
		"unrequested":      {gk, rnd(round+1, value), "was requested"},
	} {
		if r := tc.from.submit(t, tc.msg); !strings.Contains(r, tc.want) {
			t.Fatalf("%s: %q, want %q", name, r, tc.want)
		}
	}
	if res, _ := f.q.Beacon(f.ctx, &types.QueryBeaconRequest{}); res.Beacon != nil {
		t.Fatalf("refused randomness stored: %+v", res.Beacon)
	}
	if r := gk.submit(t, rnd(round, value)); r != "" {
		t.Fatal(r)
	}
	if r := other.submit(t, rnd(round, value)); r != "" {
		t.Fatalf("a replica's identical value: %q", r)
	}
	if r := other.submit(t, rnd(round, bytes.Repeat([]byte{1}, 32))); !strings.Contains(r, "differs") {
		t.Fatalf("a different value for the round: %q", r)
	}
	res, err := f.q.Beacon(f.ctx, &types.QueryBeaconRequest{})
	if err != nil || res.Beacon == nil || !bytes.Equal(res.Beacon.Value, value) || !bytes.Equal(res.Beacon.Gatekeeper, gk.pub) {
		t.Fatalf("beacon: %+v %v", res, err)
	}
}

// TestChallengeDraw: the draw picks about one worker in period, differs
// with the beacon and the block, and is a pure function of its inputs.
func TestChallengeDraw(t *testing.T) {
	hash := bytes.Repeat([]byte{7}, 32)
	seed := keeper.ChallengeSeed([]byte("beacon"), hash, 10)
	if seed != keeper.ChallengeSeed([]byte("beacon"), hash, 10) {
		t.Fatal("the seed is not deterministic")
	}
	for _, other := range [][32]byte{
		keeper.ChallengeSeed(nil, hash, 10),
		keeper.ChallengeSeed([]byte("beacon"), bytes.Repeat([]byte{8}, 32), 10),
		keeper.ChallengeSeed([]byte("beacon"), hash, 11),
		keeper.ChallengeSeed([]byte("beaco"), append([]byte("n"), hash...), 10), // length-prefixed
	} {
		if other == seed {
			t.Fatal("different inputs give the same seed")
		}
	}
	const period, draws = 20, 20_000
	n := 0
	for i := 0; i < draws; i++ {
		worker := binary.BigEndian.AppendUint64(make([]byte, 24), uint64(i))
		if keeper.Challenged(seed, worker, period) {
			n++
		}
	}
	// Expect 1000; a binomial's standard deviation here is about 31.
	if n < 850 || n > 1150 {
		t.Fatalf("%d of %d drawn at period %d, want about %d", n, draws, period, draws/period)
	}
	for i := 0; i < 100; i++ {
		if !keeper.Challenged(seed, []byte{byte(i)}, 1) {
			t.Fatal("period 1 must draw every worker")
		}
	}
}
