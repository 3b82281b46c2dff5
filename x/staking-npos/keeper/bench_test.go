package keeper_test

import (
	"fmt"
	"math/rand"
	"testing"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// BenchmarkEraChange measures the end block that starts a new era at
// Polkadot's scale: 2,000 candidates and 22,500 nominators with 16 targets
// each, electing 600: snapshot, election, exposures written, payout minted,
// and the CometBFT updates of a whole new set.
func BenchmarkEraChange(b *testing.B) {
	for _, iterations := range []uint32{0, 10} {
		b.Run(fmt.Sprintf("balancing-%d", iterations), func(b *testing.B) {
			g := apptest.New(b)
			g.AddValidator(b, phas(10))
			g.SetStakingParams(b, func(p *types.Params) {
				p.ValidatorCount = 600
				p.EraLength = 10
				p.BalancingIterations = iterations
			})
			ctx, _ := g.InitModules(b)
			k := g.App.StakingKeeper
			rng := rand.New(rand.NewSource(2026))
			candidates := make([]string, 2000)
			for i := range candidates {
				pk := ed25519.GenPrivKeyFromSecret([]byte(fmt.Sprintf("candidate-%d", i))).PubKey()
				op := sdk.ValAddress(pk.Address())
				v, err := types.NewValidator(op, pk, types.Description{Moniker: fmt.Sprintf("c%d", i)}, math.LegacyNewDecWithPrec(5, 2))
				if err != nil {
					b.Fatal(err)
				}
				if err := k.Validators.Set(ctx, op, v); err != nil {
					b.Fatal(err)
				}
				if err := k.ValidatorsByConsAddr.Set(ctx, sdk.ConsAddress(pk.Address()), op); err != nil {
					b.Fatal(err)
				}
				stash := sdk.AccAddress(op)
				if err := k.Ledgers.Set(ctx, stash, types.NewLedger(stash.String(), phas(1+rng.Int63n(10_000)))); err != nil {
					b.Fatal(err)
				}
				candidates[i] = op.String()
			}
			for i := 0; i < 22_500; i++ {
				stash := sdk.AccAddress(fmt.Appendf(nil, "nominator-%011d", i))
				if err := k.Ledgers.Set(ctx, stash, types.NewLedger(stash.String(), phas(1+rng.Int63n(100_000)))); err != nil {
					b.Fatal(err)
				}
				var targets []string
				for _, c := range rng.Perm(len(candidates))[:16] {
					targets = append(targets, candidates[c])
				}
				if err := k.Nominators.Set(ctx, stash, types.Nominations{Targets: targets}); err != nil {
					b.Fatal(err)
				}
			}
			header := ctx.BlockHeader()
			header.Height = 10 // the last block of era 0
			ctx = ctx.WithBlockHeader(header)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cache, _ := ctx.CacheContext()
				if err := k.EndBlocker(cache); err != nil {
					b.Fatal(err)
				}
				updates, err := k.ApplyValidatorSetChanges(cache)
				if err != nil || len(updates) < 600 {
					b.Fatalf("%d updates, %v", len(updates), err)
				}
			}
		})
	}
}
