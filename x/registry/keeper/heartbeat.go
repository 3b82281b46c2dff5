package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// Heartbeats follow Phala's model, simplified: in each block, workers are
// chosen at random (one in heartbeat_period on average) and sent a
// HeartbeatChallenge through their ingress queue. The enclave answers with a
// signed Heartbeat through egress; if none is accepted by the deadline the
// worker is marked unresponsive (out of service, unpaid) and a fraction of
// its bond is burned, again at each further miss. Unresponsive workers are
// still challenged, and answering one brings the worker back. Phala slashes
// continuously and grades performance from heartbeat timing; here each miss
// is one slash and the score is the enclave's start-up benchmark.

// challengeDomain separates challenge seeds from every other hash.
const challengeDomain = "phala/heartbeat/challenge/v1"

// ChallengeSeed is the randomness choosing the workers challenged at height:
// the newest gatekeeper beacon (empty before the first) mixed with the
// block's hash. The beacon is secret until a gatekeeper enclave derives it
// from the master key; the block hash makes every block's draw different.
func ChallengeSeed(beacon, blockHash []byte, height int64) [32]byte {
	h := sha256.New()
	h.Write([]byte(challengeDomain))
	for _, part := range [][]byte{beacon, blockHash} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		h.Write(part)
	}
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(height)))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Challenged reports whether the worker is drawn under seed: with
// probability 1/period, independently per worker.
func Challenged(seed [32]byte, worker []byte, period uint32) bool {
	h := sha256.Sum256(append(seed[:], worker...))
	return binary.BigEndian.Uint64(h[:8])%uint64(period) == 0
}

// newStats is the record of a newly registered worker.
func newStats(identity []byte) types.WorkerStats {
	return types.WorkerStats{IdentityPubkey: identity, Slashed: math.ZeroInt(), Rewarded: math.ZeroInt()}
}

// stats returns the worker's record (a fresh one if it has none).
func (k Keeper) stats(ctx context.Context, identity []byte) (types.WorkerStats, error) {
	st, err := k.Stats.Get(ctx, identity)
	if errors.Is(err, collections.ErrNotFound) {
		return newStats(identity), nil
	}
	return st, err
}

func (k Keeper) setChallenge(ctx context.Context, c types.Challenge) error {
	if err := k.Challenges.Set(ctx, collections.Join(c.Deadline, c.IdentityPubkey), c); err != nil {
		return err
	}
	return k.PendingChallenge.Set(ctx, c.IdentityPubkey, c.Deadline)
}

func (k Keeper) removeChallenge(ctx context.Context, identity []byte, deadline int64) error {
	if err := k.Challenges.Remove(ctx, collections.Join(deadline, identity)); err != nil {
		return err
	}
	return k.PendingChallenge.Remove(ctx, identity)
}

// pendingChallenge returns the worker's open challenge, or nil.
func (k Keeper) pendingChallenge(ctx context.Context, identity []byte) (*types.Challenge, error) {
	deadline, err := k.PendingChallenge.Get(ctx, identity)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c, err := k.Challenges.Get(ctx, collections.Join(deadline, identity))
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// challengeable reports whether a worker takes part in heartbeats: not
// leaving and bonded at least the minimum (responsive or not, so an
// unresponsive worker can recover).
func challengeable(w types.Worker, params types.Params) bool {
	return w.DeregisterTime == nil && w.Bond.Denom == params.MinWorkerBond.Denom && w.Bond.Amount.GTE(params.MinWorkerBond.Amount)
}

// expireChallenges punishes the workers whose challenge deadline is this
// block or earlier without an answer.
func (k Keeper) expireChallenges(ctx sdk.Context, params types.Params) error {
	var expired []types.Challenge
	err := k.Challenges.Walk(ctx, new(collections.Range[collections.Pair[int64, []byte]]).EndExclusive(collections.Join(ctx.BlockHeight()+1, []byte{})),
		func(_ collections.Pair[int64, []byte], c types.Challenge) (bool, error) {
			expired = append(expired, c)
			return false, nil
		})
	if err != nil {
		return err
	}
	for _, c := range expired {
		if err := k.removeChallenge(ctx, c.IdentityPubkey, c.Deadline); err != nil {
			return err
		}
		if err := k.missHeartbeat(ctx, params, c); err != nil {
			return err
		}
	}
	return nil
}

// missHeartbeat marks the worker unresponsive and slashes its bond.
func (k Keeper) missHeartbeat(ctx sdk.Context, params types.Params, c types.Challenge) error {
	w, err := k.Workers.Get(ctx, c.IdentityPubkey)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // removed meanwhile
	} else if err != nil {
		return err
	}
	st, err := k.stats(ctx, c.IdentityPubkey)
	if err != nil {
		return err
	}
	st.Missed++
	if !st.Unresponsive {
		st.Unresponsive, st.UnresponsiveSince = true, ctx.BlockHeight()
		ctx.EventManager().EmitEvent(sdk.NewEvent("worker_unresponsive",
			sdk.NewAttribute("identity_pubkey", hexKey(c.IdentityPubkey)), sdk.NewAttribute("challenge_height", fmt.Sprint(c.Height))))
	}
	slash := params.UnresponsiveSlashFraction.MulInt(w.Bond.Amount).TruncateInt()
	if slash.IsPositive() {
		if err := k.bank.BurnCoins(ctx, types.ModuleName, sdk.NewCoins(sdk.NewCoin(w.Bond.Denom, slash))); err != nil {
			return err
		}
		w.Bond.Amount = w.Bond.Amount.Sub(slash)
		st.Slashed = st.Slashed.Add(slash)
		if err := k.Workers.Set(ctx, w.IdentityPubkey, w); err != nil {
			return err
		}
		ctx.EventManager().EmitEvent(sdk.NewEvent("worker_slashed",
			sdk.NewAttribute("identity_pubkey", hexKey(c.IdentityPubkey)), sdk.NewAttribute("amount", sdk.NewCoin(w.Bond.Denom, slash).String()),
			sdk.NewAttribute("reason", "missed heartbeat")))
	}
	return k.Stats.Set(ctx, c.IdentityPubkey, st)
}

// issueChallenges draws this block's challenged workers (in key order) and
// queues their challenges.
func (k Keeper) issueChallenges(ctx sdk.Context, params types.Params) error {
	var beacon []byte
	if b, err := k.Beacon.Get(ctx); err == nil {
		beacon = b.Value
	} else if !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	seed := ChallengeSeed(beacon, ctx.HeaderInfo().Hash, ctx.BlockHeight())
	var drawn []types.Worker
	err := k.Workers.Walk(ctx, nil, func(id []byte, w types.Worker) (bool, error) {
		if challengeable(w, params) && Challenged(seed, id, params.HeartbeatPeriod) {
			drawn = append(drawn, w)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, w := range drawn {
		if has, err := k.PendingChallenge.Has(ctx, w.IdentityPubkey); err != nil {
			return err
		} else if has {
			continue // one open challenge at a time
		}
		next, err := k.EgressNext.Get(ctx, w.IdentityPubkey)
		if errors.Is(err, collections.ErrNotFound) {
			next = 1
		} else if err != nil {
			return err
		}
		c := types.Challenge{IdentityPubkey: w.IdentityPubkey, Height: ctx.BlockHeight(), Deadline: ctx.BlockHeight() + int64(params.HeartbeatWindow)}
		if _, err := k.Enqueue(ctx, w.IdentityPubkey, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_HeartbeatChallenge{
			HeartbeatChallenge: &enclaveapi.HeartbeatChallenge{Height: c.Height, Deadline: c.Deadline, EgressAcknowledged: next}}}); err != nil {
			return err
		}
		if err := k.setChallenge(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// acceptHeartbeat records a worker's answer to its open challenge; a worker
// that was unresponsive is back in service.
func (k Keeper) acceptHeartbeat(ctx sdk.Context, worker []byte, hb *enclaveapi.Heartbeat) error {
	c, err := k.pendingChallenge(ctx, worker)
	if err != nil {
		return err
	}
	if c == nil || c.Height != hb.ChallengeHeight {
		return errorsmod.Wrapf(types.ErrNoChallenge, "worker %x has no open challenge from height %d (answered already, or its deadline passed)", worker, hb.ChallengeHeight)
	}
	if err := k.removeChallenge(ctx, worker, c.Deadline); err != nil {
		return err
	}
	st, err := k.stats(ctx, worker)
	if err != nil {
		return err
	}
	st.Heartbeats++
	st.LastHeartbeatHeight = ctx.BlockHeight()
	if hb.PerformanceScore > 0 {
		st.PerformanceScore = hb.PerformanceScore
	}
	if st.Unresponsive {
		st.Unresponsive, st.UnresponsiveSince = false, 0
		ctx.EventManager().EmitEvent(sdk.NewEvent("worker_recovered", sdk.NewAttribute("identity_pubkey", hexKey(worker))))
	}
	return k.Stats.Set(ctx, worker, st)
}

// recordBenchmark stores the score the enclave measured at start-up.
func (k Keeper) recordBenchmark(ctx sdk.Context, worker []byte, b *enclaveapi.BenchmarkResult) error {
	if b.PerformanceScore == 0 {
		return errors.New("a benchmark score must be positive")
	}
	st, err := k.stats(ctx, worker)
	if err != nil {
		return err
	}
	st.PerformanceScore = b.PerformanceScore
	return k.Stats.Set(ctx, worker, st)
}

// acceptRandomness stores a gatekeeper's randomness for the round the chain
// last asked for. Gatekeepers holding the master key derive the same value,
// so a second identical answer is a no-op and a different one is refused.
func (k Keeper) acceptRandomness(ctx sdk.Context, worker []byte, r *enclaveapi.Randomness) error {
	if is, err := k.Gatekeepers.Has(ctx, worker); err != nil {
		return err
	} else if !is {
		return fmt.Errorf("worker %x is not a gatekeeper", worker)
	}
	if len(r.Value) != types.BeaconSize {
		return fmt.Errorf("randomness is %d bytes, want %d", len(r.Value), types.BeaconSize)
	}
	requested, err := k.RewardedEra.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if r.Round != requested {
		return fmt.Errorf("randomness for round %d, but round %d was requested", r.Round, requested)
	}
	current, err := k.Beacon.Get(ctx)
	switch {
	case err == nil && current.Round == r.Round:
		if !bytes.Equal(current.Value, r.Value) {
			return fmt.Errorf("randomness for round %d differs from the value gatekeeper %x delivered", r.Round, current.Gatekeeper)
		}
		return nil
	case err != nil && !errors.Is(err, collections.ErrNotFound):
		return err
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent("beacon_updated", sdk.NewAttribute("round", fmt.Sprint(r.Round)), sdk.NewAttribute("gatekeeper", hexKey(worker))))
	return k.Beacon.Set(ctx, types.Beacon{Round: r.Round, Value: r.Value, Gatekeeper: worker, Height: ctx.BlockHeight()})
}

// requestRandomness asks every gatekeeper for the randomness of round.
func (k Keeper) requestRandomness(ctx context.Context, round uint64) error {
	gatekeepers, err := k.gatekeeperList(ctx)
	if err != nil {
		return err
	}
	for _, g := range gatekeepers {
		if _, err := k.Enqueue(ctx, g, enclaveapi.IngressMessage{Body: &enclaveapi.IngressMessage_RandomnessRequest{
			RandomnessRequest: &enclaveapi.RandomnessRequest{Round: round}}}); err != nil {
			return err
		}
	}
	return nil
}

// payEraRewards shares params.WorkerRewardPerEra, minted, among the workers
// in service with a benchmark score, in proportion to bond times score.
// Shares are rounded down and only their sum is minted.
func (k Keeper) payEraRewards(ctx sdk.Context, params types.Params, era uint64) error {
	budget := params.WorkerRewardPerEra
	if !budget.IsPositive() {
		return nil
	}
	type entry struct {
		w      types.Worker
		st     types.WorkerStats
		weight math.Int
	}
	var entries []entry
	total := math.ZeroInt()
	err := k.Workers.Walk(ctx, nil, func(id []byte, w types.Worker) (bool, error) {
		st, err := k.stats(ctx, id)
		if err != nil {
			return true, err
		}
		if !challengeable(w, params) || st.Unresponsive || st.PerformanceScore == 0 {
			return false, nil
		}
		weight := w.Bond.Amount.Mul(math.NewIntFromUint64(st.PerformanceScore))
		entries = append(entries, entry{w, st, weight})
		total = total.Add(weight)
		return false, nil
	})
	if err != nil || total.IsZero() {
		return err
	}
	minted := math.ZeroInt()
	for i := range entries {
		entries[i].weight = budget.Amount.Mul(entries[i].weight).Quo(total) // now the share
		minted = minted.Add(entries[i].weight)
	}
	if !minted.IsPositive() {
		return nil
	}
	if err := k.bank.MintCoins(ctx, types.ModuleName, sdk.NewCoins(sdk.NewCoin(budget.Denom, minted))); err != nil {
		return err
	}
	for _, e := range entries {
		if !e.weight.IsPositive() {
			continue
		}
		if err := k.pay(ctx, e.w.Operator, sdk.NewCoins(sdk.NewCoin(budget.Denom, e.weight))); err != nil {
			return err
		}
		e.st.Rewarded = e.st.Rewarded.Add(e.weight)
		if err := k.Stats.Set(ctx, e.w.IdentityPubkey, e.st); err != nil {
			return err
		}
		ctx.EventManager().EmitEvent(sdk.NewEvent("worker_rewarded", sdk.NewAttribute("identity_pubkey", hexKey(e.w.IdentityPubkey)),
			sdk.NewAttribute("era", fmt.Sprint(era)), sdk.NewAttribute("amount", sdk.NewCoin(budget.Denom, e.weight).String())))
	}
	return nil
}

// onEraChange pays the rewards of the era that ended and asks the
// gatekeepers for fresh randomness, once per era.
func (k Keeper) onEraChange(ctx sdk.Context, params types.Params) error {
	if k.eras == nil {
		return nil
	}
	era, err := k.eras.CurrentEraIndex(ctx)
	if err != nil {
		return err
	}
	last, err := k.RewardedEra.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	if era <= last {
		return nil
	}
	if err := k.payEraRewards(ctx, params, last); err != nil {
		return err
	}
	if err := k.RewardedEra.Set(ctx, era); err != nil {
		return err
	}
	return k.requestRandomness(ctx, era)
}

// heartbeatEndBlock runs the heartbeat and reward machinery at the end of a
// block: misses first (answers in this block have been counted), then new
// challenges, then era rewards.
func (k Keeper) heartbeatEndBlock(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if err := k.expireChallenges(sdkCtx, params); err != nil {
		return err
	}
	if err := k.issueChallenges(sdkCtx, params); err != nil {
		return err
	}
	return k.onEraChange(sdkCtx, params)
}
