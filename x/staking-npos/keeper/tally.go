package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	govkeeper "github.com/cosmos/cosmos-sdk/x/gov/keeper"
	v1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
)

// GovTally returns x/gov's vote-counting function for NPoS: every account
// votes with its own active bond (validators and nominators alike; no one
// votes on another's behalf), and the quorum is measured against the sum of
// all active bonds (TotalBondedTokens). Votes are removed once counted, as
// x/gov's default function does.
func (k Keeper) GovTally() govkeeper.CalculateVoteResultsAndVotingPowerFn {
	return func(ctx context.Context, gk govkeeper.Keeper, proposal v1.Proposal, _ map[string]v1.ValidatorGovInfo) (math.LegacyDec, map[v1.VoteOption]math.LegacyDec, error) {
		total := math.LegacyZeroDec()
		results := map[v1.VoteOption]math.LegacyDec{
			v1.OptionYes: math.LegacyZeroDec(), v1.OptionAbstain: math.LegacyZeroDec(),
			v1.OptionNo: math.LegacyZeroDec(), v1.OptionNoWithVeto: math.LegacyZeroDec(),
		}
		var counted []collections.Pair[uint64, sdk.AccAddress]
		err := gk.Votes.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.AccAddress](proposal.Id),
			func(key collections.Pair[uint64, sdk.AccAddress], vote v1.Vote) (bool, error) {
				bond, err := k.ActiveBond(ctx, key.K2())
				if err != nil {
					return true, err
				}
				power := math.LegacyNewDecFromInt(bond)
				for _, option := range vote.Options {
					weight, err := math.LegacyNewDecFromStr(option.Weight)
					if err != nil {
						return true, fmt.Errorf("vote of %s: weight %q: %w", key.K2(), option.Weight, err)
					}
					results[option.Option] = results[option.Option].Add(power.Mul(weight))
				}
				total = total.Add(power)
				counted = append(counted, key)
				return false, nil
			})
		if err != nil {
			return math.LegacyZeroDec(), nil, err
		}
		for _, key := range counted {
			if err := gk.Votes.Remove(ctx, key); err != nil {
				return math.LegacyZeroDec(), nil, err
			}
		}
		return total, results, nil
	}
}
