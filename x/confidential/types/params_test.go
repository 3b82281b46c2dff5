package types_test

import (
	"strings"
	"testing"

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
