package types_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

const measurement = "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"

func TestParamsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*types.Params)
		wantErr string
	}{
		{"default", func(*types.Params) {}, ""},
		{"allowed by mr_enclave", func(p *types.Params) {
			p.AllowedEnclaves = []types.EnclaveIdentity{{MrEnclave: measurement, IsvProdId: 1, MinIsvSvn: 2}}
		}, ""},
		{"allowed by mr_signer", func(p *types.Params) {
			p.AllowedEnclaves = []types.EnclaveIdentity{{MrSigner: strings.ToUpper(measurement)}}
		}, ""},
		{"both measurements", func(p *types.Params) {
			p.AllowedEnclaves = []types.EnclaveIdentity{{MrEnclave: measurement, MrSigner: measurement}}
		}, "not both"},
		{"no measurement", func(p *types.Params) { p.AllowedEnclaves = []types.EnclaveIdentity{{}} }, "required"},
		{"short measurement", func(p *types.Params) {
			p.AllowedEnclaves = []types.EnclaveIdentity{{MrEnclave: measurement[:62]}}
		}, "31 bytes, want 32"},
		{"not hex", func(p *types.Params) {
			p.AllowedEnclaves = []types.EnclaveIdentity{{MrSigner: "zz" + measurement[2:]}}
		}, "not hex"},
		{"revoked is never acceptable", func(p *types.Params) { p.AcceptedTcbStatuses = []string{"Revoked"} }, "not an acceptable"},
		{"misspelled status", func(p *types.Params) { p.AcceptedTcbStatuses = []string{"uptodate"} }, "not an acceptable"},
		{"duplicate status", func(p *types.Params) {
			p.AcceptedTcbStatuses = []string{types.TCBUpToDate, types.TCBUpToDate}
		}, "listed twice"},
		{"zero collateral age", func(p *types.Params) { p.MaxCollateralAge = 0 }, "max_collateral_age"},
		{"negative collateral age", func(p *types.Params) { p.MaxCollateralAge = -time.Hour }, "max_collateral_age"},
		{"zero unbonding time", func(p *types.Params) { p.UnbondingTime = 0 }, "unbonding_time must be positive"},
		{"bad bond denom", func(p *types.Params) { p.MinWorkerBond.Denom = "1x" }, "min_worker_bond"},
		{"negative bond", func(p *types.Params) { p.MinWorkerBond.Amount = p.MinWorkerBond.Amount.Neg() }, "min_worker_bond"},
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

func TestDefaultPolicyRefusesSimulation(t *testing.T) {
	p := types.DefaultParams()
	if p.AllowSimulation {
		t.Fatal("a new chain must refuse simulated enclaves")
	}
	if len(p.AllowedEnclaves) != 0 {
		t.Fatal("a new chain must allow no enclave until governance names one")
	}
}

// FuzzParamsJSON feeds arbitrary JSON to the policy decoder and validator:
// they must reject or accept, never panic.
func FuzzParamsJSON(f *testing.F) {
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	f.Add(cdc.MustMarshalJSON(&types.GenesisState{Params: types.DefaultParams()}))
	f.Add([]byte(`{"params":{"allowed_enclaves":[{"mr_enclave":"` + measurement + `"}],"max_collateral_age":"-5s"}}`))
	f.Fuzz(func(t *testing.T, bz []byte) {
		var gs types.GenesisState
		if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
			return
		}
		_ = gs.Validate()
	})
}
