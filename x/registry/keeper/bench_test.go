package keeper_test

import (
	"errors"
	"testing"

	storetypes "cosmossdk.io/store/types"

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
