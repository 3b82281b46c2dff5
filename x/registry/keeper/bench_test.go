package keeper_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"cosmossdk.io/math"
	storetypes "cosmossdk.io/store/types"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// BenchmarkRegisterWorkerRealQuote measures a registration carrying the real
// Intel quote and its collateral through the message server: every check
// runs and passes until the binding (the sample's report data cannot match),
// so this is the full verification cost. It reports the gas the keeper
// charged (transaction bytes are charged by the ante handler on top).
func BenchmarkRegisterWorkerRealQuote(b *testing.B) {
	f := newRegistryFixture(b, nil)
	msg := f.registration(readQuote(b), realCollateral(b))
	var gas uint64
	b.ReportAllocs()
	for b.Loop() {
		ctx := f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
		if _, err := f.srv.RegisterWorker(ctx, msg); !errors.Is(err, types.ErrReportDataBinding) {
			b.Fatal(err)
		}
		gas = ctx.GasMeter().GasConsumed()
	}
	b.ReportMetric(float64(gas), "gas/op")
	b.ReportMetric(float64(msg.Size()), "msg-bytes")
}

// BenchmarkHeartbeatEndBlock measures the registry's EndBlock with n bonded
// workers at the default heartbeat period and window: each block draws every
// worker (one in 100 is challenged and queued a message), and expires the
// challenges of 20 blocks ago (unanswered here, so each is a miss; the slash
// fraction is 0 so no coins move). workers=0 is the baseline in the same run.
func BenchmarkHeartbeatEndBlock(b *testing.B) {
	for _, n := range []int{0, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			f := newRegistryFixture(b, func(p *types.Params) {
				p.MinWorkerBond = sdk.NewInt64Coin(appconfig.BondDenom, 1)
				p.UnresponsiveSlashFraction = math.LegacyZeroDec()
			})
			for i := 0; i < n; i++ {
				id := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
				if err := f.k.Workers.Set(f.ctx, id[:], types.Worker{IdentityPubkey: id[:], Bond: sdk.NewInt64Coin(appconfig.BondDenom, 1)}); err != nil {
					b.Fatal(err)
				}
			}
			// Warm up past the window, so misses happen in every measured block.
			for i := 0; i < types.DefaultHeartbeatWindow+1; i++ {
				f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1)
				if err := f.k.EndBlock(f.ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1)
				if err := f.k.EndBlock(f.ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
