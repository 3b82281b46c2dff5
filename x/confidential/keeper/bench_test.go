package keeper_test

import (
	"encoding/binary"
	"testing"

	storetypes "cosmossdk.io/store/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/enclave/masterkey"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// BenchmarkChainCost compares what the chain spends on a confidential
// command (MsgExecute with a 64-byte command sealed, as the CLI sends it)
// with the bank-send baseline, both through their message servers on one
// app in the same run: gas the message charged (the ante handler's per-byte
// and signature gas come on top of both) and time per message.
func BenchmarkChainCost(b *testing.B) {
	n := newNetwork(b, true)
	master, err := masterkey.Generate()
	if err != nil {
		b.Fatal(err)
	}
	addrStr, err := n.instantiate(b, &types.MsgInstantiate{Creator: n.user.Address.String(), CodeId: n.codeID, Label: "bench", Nonce: nonce(b), SealedInit: sealed("{}"), FuelLimit: 1_000_000})
	if err != nil {
		b.Fatal(err)
	}
	addr := sdk.MustAccAddressFromBech32(addrStr)
	if got := n.answer(b, n.keyAnswer(b, master, addr)); got != "" {
		b.Fatal(got)
	}
	command := sealed(string(make([]byte, 64)))
	var calls uint64 // nonces stay fresh across -count runs

	b.Run("bank-send", func(b *testing.B) {
		srv := bankkeeper.NewMsgServerImpl(n.g.App.BankKeeper)
		msg := &banktypes.MsgSend{FromAddress: n.user.Address.String(), ToAddress: addrStr, Amount: sdk.NewCoins(sdk.NewInt64Coin(appconfig.BondDenom, 1))}
		var gas uint64
		for b.Loop() {
			ctx := n.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
			if _, err := srv.Send(ctx, msg); err != nil {
				b.Fatal(err)
			}
			gas = ctx.GasMeter().GasConsumed()
		}
		b.ReportMetric(float64(gas), "gas/op")
	})
	b.Run("execute", func(b *testing.B) {
		var gas uint64
		for b.Loop() {
			calls++
			msg := &types.MsgExecute{Sender: n.user.Address.String(), Contract: addrStr, Sealed: command, FuelLimit: 1_000_000,
				Nonce: binary.BigEndian.AppendUint64(make([]byte, 8), calls)}
			ctx := n.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
			if _, err := n.srv.Execute(ctx, msg); err != nil {
				b.Fatal(err)
			}
			gas = ctx.GasMeter().GasConsumed()
		}
		b.ReportMetric(float64(gas), "gas/op")
		b.ReportMetric(float64(len(command)), "sealed-bytes")
	})
}
