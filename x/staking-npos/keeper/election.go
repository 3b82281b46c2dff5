package keeper

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/election"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// snapshot is the input of an era's election. Candidates are operator
// addresses in address order (the order breaks ties); voters are account
// addresses, each candidate voting for itself with its own bond.
type snapshot struct {
	candidates []string
	voters     []election.Voter[string]
	// scale divides bonds into the u64 vote weights the election counts in
	// (1 unless the supply exceeds 2^64 base units).
	scale math.Int
}

// outcome is the result of an election: winners in election order and
// their supports, in base units of the bond denom.
type outcome struct {
	winners  []election.Winner[string]
	supports map[string]election.Support[string]
	snapshot snapshot
}

// takeSnapshot gathers the electable candidates (intent to validate, not
// jailed, bonding at least the minimum) and the voters: every candidate's
// self-vote and every nominator bonding at least the minimum, the largest
// max_electing_voters bonds first.
func (k Keeper) takeSnapshot(ctx context.Context, p types.Params) (snapshot, error) {
	supply := k.bankKeeper.GetSupply(ctx, p.BondDenom).Amount
	scale := supply.Quo(math.NewIntFromUint64(^uint64(0))).AddRaw(1)
	snap := snapshot{scale: scale}
	type weighted struct {
		voter election.Voter[string]
		addr  []byte
	}
	var voters []weighted
	vote := func(bond math.Int) uint64 { return bond.Quo(scale).Uint64() }

	err := k.Validators.Walk(ctx, nil, func(addr sdk.ValAddress, v types.Validator) (bool, error) {
		if v.Jailed || v.Chilled {
			return false, nil
		}
		bond, err := k.ActiveBond(ctx, stashOf(addr))
		if err != nil {
			return true, err
		}
		if bond.LT(p.MinValidatorBond) {
			return false, nil
		}
		snap.candidates = append(snap.candidates, v.OperatorAddress)
		stash := stashOf(addr)
		voters = append(voters, weighted{election.Voter[string]{ID: stash.String(), Stake: vote(bond), Targets: []string{v.OperatorAddress}}, stash})
		return false, nil
	})
	if err != nil {
		return snap, err
	}
	err = k.Nominators.Walk(ctx, nil, func(addr sdk.AccAddress, n types.Nominations) (bool, error) {
		bond, err := k.ActiveBond(ctx, addr)
		if err != nil {
			return true, err
		}
		if bond.LT(p.MinNominatorBond) {
			return false, nil
		}
		voters = append(voters, weighted{election.Voter[string]{ID: addr.String(), Stake: vote(bond), Targets: n.Targets}, addr})
		return false, nil
	})
	if err != nil {
		return snap, err
	}
	sort.SliceStable(voters, func(i, j int) bool {
		if voters[i].voter.Stake != voters[j].voter.Stake {
			return voters[i].voter.Stake > voters[j].voter.Stake
		}
		return bytes.Compare(voters[i].addr, voters[j].addr) < 0
	})
	if len(voters) > int(p.MaxElectingVoters) {
		voters = voters[:p.MaxElectingVoters]
	}
	for _, w := range voters {
		snap.voters = append(snap.voters, w.voter)
	}
	return snap, nil
}

// elect runs the election of the next era on the current bonds and
// nominations. Winners with no backing are dropped.
func (k Keeper) elect(ctx context.Context, p types.Params) (outcome, error) {
	snap, err := k.takeSnapshot(ctx, p)
	if err != nil {
		return outcome{}, err
	}
	var balancing *election.BalancingConfig
	if p.BalancingIterations > 0 {
		tolerance, err := election.Uint128FromBig(p.BalancingTolerance.BigInt())
		if err != nil {
			return outcome{}, fmt.Errorf("balancing_tolerance: %w", err)
		}
		balancing = &election.BalancingConfig{Iterations: int(p.BalancingIterations), Tolerance: tolerance}
	}
	run := election.SeqPhragmen[string]
	if p.Algorithm == types.ELECTION_ALGORITHM_PHRAGMMS {
		run = election.PhragMMS[string]
	}
	res, err := run(int(p.ValidatorCount), snap.candidates, snap.voters, balancing, election.Perbill)
	if err != nil {
		return outcome{}, err
	}
	stakes := make(map[string]uint64, len(snap.voters))
	for _, v := range snap.voters {
		stakes[v.ID] = v.Stake
	}
	staked, err := election.StakedAssignments(res.Assignments, func(id string) uint64 { return stakes[id] }, election.Perbill)
	if err != nil {
		return outcome{}, err
	}
	out := outcome{supports: map[string]election.Support[string]{}, snapshot: snap}
	for _, s := range election.ToSupports(staked) {
		out.supports[s.Target] = s
	}
	for _, w := range res.Winners {
		if s, ok := out.supports[w.ID]; ok && !s.Total.IsZero() {
			out.winners = append(out.winners, w)
		}
	}
	return out, nil
}

// storeExposures records the outcome as the exposures of era: each winner's
// total, its own stake and its nominators (largest first, paged).
func (k Keeper) storeExposures(ctx context.Context, p types.Params, era uint64, out outcome) error {
	toBase := func(u election.Uint128) math.Int { return math.NewIntFromBigInt(u.Big()).Mul(out.snapshot.scale) }
	for _, w := range out.winners {
		valAddr, err := k.validatorAddrCdc.StringToBytes(w.ID)
		if err != nil {
			return err
		}
		v, err := k.GetValidator(ctx, valAddr)
		if err != nil {
			return err
		}
		stash := stashOf(valAddr).String()
		support := out.supports[w.ID]
		overview := types.ExposureOverview{Total: math.ZeroInt(), Own: math.ZeroInt(), Commission: v.Commission}
		var others []types.IndividualExposure
		for _, b := range support.Voters {
			value := toBase(b.Amount)
			overview.Total = overview.Total.Add(value)
			if b.Who == stash {
				overview.Own = overview.Own.Add(value)
				continue
			}
			others = append(others, types.IndividualExposure{Who: b.Who, Value: value})
		}
		sort.SliceStable(others, func(i, j int) bool {
			if c := others[i].Value.BigInt().Cmp(others[j].Value.BigInt()); c != 0 {
				return c > 0
			}
			return others[i].Who < others[j].Who
		})
		overview.NominatorCount = uint32(len(others))
		pageSize := int(p.MaxExposurePageSize)
		for page := 0; page*pageSize < len(others) || page == 0; page++ {
			end := min((page+1)*pageSize, len(others))
			if err := k.ExposurePages.Set(ctx, pageKey(era, valAddr, uint32(page)), types.ExposurePage{Others: others[page*pageSize : end]}); err != nil {
				return err
			}
			overview.PageCount++
		}
		if err := k.Exposures.Set(ctx, eraKey(era, valAddr), overview); err != nil {
			return err
		}
	}
	return nil
}
