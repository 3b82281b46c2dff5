package app

import (
	"context"
	"errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// noCommunityPool stands in for x/gov's distribution keeper. This chain has
// no x/distribution and so no community pool: cancelled-proposal charges are
// burned or sent to an account, never to a pool. x/gov only calls it when
// proposal_cancel_dest names the distribution module account.
type noCommunityPool struct{}

var errNoCommunityPool = errors.New("this chain has no community pool: set gov param proposal_cancel_dest to an account, or leave it empty to burn")

// FundCommunityPool always fails: there is no community pool.
func (noCommunityPool) FundCommunityPool(context.Context, sdk.Coins, sdk.AccAddress) error {
	return errNoCommunityPool
}
