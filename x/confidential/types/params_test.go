package types_test

import (
	"strings"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

func TestParamsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*types.Params)
		wantErr string
	}{
		{"default", func(*types.Params) {}, ""},
		{"at the ceilings", func(p *types.Params) {
			p.MaxCodeSize, p.MaxMessageSize = types.MaxCodeSizeCeiling, types.MaxMessageSizeCeiling
		}, ""},
		{"zero code size", func(p *types.Params) { p.MaxCodeSize = 0 }, "max_code_size"},
		{"code above ceiling", func(p *types.Params) { p.MaxCodeSize = types.MaxCodeSizeCeiling + 1 }, "max_code_size"},
		{"zero message size", func(p *types.Params) { p.MaxMessageSize = 0 }, "max_message_size"},
		{"message above ceiling", func(p *types.Params) { p.MaxMessageSize = types.MaxMessageSizeCeiling + 1 }, "max_message_size"},
		{"zero fuel", func(p *types.Params) { p.MaxFuelPerCall = 0 }, "max_fuel_per_call"},
		{"zero replicas", func(p *types.Params) { p.Replicas = 0 }, "replicas"},
		{"replicas above ceiling", func(p *types.Params) { p.Replicas = types.MaxReplicasCeiling + 1 }, "replicas"},
		{"fee without denom", func(p *types.Params) { p.FeePerMegaFuel.Denom = "" }, "fee_per_mega_fuel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.mutate(&p)
			err := p.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestFee(t *testing.T) {
	p := types.DefaultParams()
	p.FeePerMegaFuel = sdk.NewInt64Coin("upha", 1000)
	for fuel, want := range map[uint64]int64{0: 0, 1: 1, 999: 1, 1000: 1, 1001: 2, 4_500_000: 4500, 100_000_000: 100_000} {
		if got := p.Fee(fuel); got.Amount.Int64() != want || got.Denom != "upha" {
			t.Fatalf("fee of %d fuel: %s, want %dupha", fuel, got, want)
		}
	}
}
