package types_test

import (
	"strings"
	"testing"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/std"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

func init() { appconfig.SetSDKConfig() }

func validator(t testing.TB, seed byte, pk cryptotypes.PubKey, bond int64) types.Validator {
	t.Helper()
	operator := sdk.ValAddress(append(make([]byte, 19), seed))
	v, err := types.NewValidator(operator, pk, types.Description{Moniker: "v"}, math.LegacyNewDecWithPrec(5, 2), math.NewInt(bond))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGenesisValidate(t *testing.T) {
	pk1, pk2 := ed25519.GenPrivKey().PubKey(), ed25519.GenPrivKey().PubKey()
	min := types.DefaultMinValidatorBond.Int64()
	for _, tc := range []struct {
		name    string
		mutate  func(*types.GenesisState)
		wantErr string // empty: valid
	}{
		{"default", func(*types.GenesisState) {}, ""},
		{"two validators", func(gs *types.GenesisState) {
			gs.Validators = []types.Validator{validator(t, 1, pk1, min), validator(t, 2, pk2, min)}
		}, ""},
		{"bad params", func(gs *types.GenesisState) { gs.Params.ValidatorCount = 0 }, "validator_count"},
		{"bad bond denom", func(gs *types.GenesisState) { gs.Params.BondDenom = "!" }, "bond_denom"},
		{"duplicate operator", func(gs *types.GenesisState) {
			gs.Validators = []types.Validator{validator(t, 1, pk1, min), validator(t, 1, pk2, min)}
		}, "listed twice"},
		{"shared consensus key", func(gs *types.GenesisState) {
			gs.Validators = []types.Validator{validator(t, 1, pk1, min), validator(t, 2, pk1, min)}
		}, "share the consensus key"},
		{"bond below minimum", func(gs *types.GenesisState) {
			gs.Validators = []types.Validator{validator(t, 1, pk1, min-1)}
		}, "less than min_validator_bond"},
		{"commission above one", func(gs *types.GenesisState) {
			v := validator(t, 1, pk1, min)
			v.Commission = math.LegacyNewDec(2)
			gs.Validators = []types.Validator{v}
		}, "commission"},
		{"empty moniker", func(gs *types.GenesisState) {
			v := validator(t, 1, pk1, min)
			v.Description.Moniker = ""
			gs.Validators = []types.Validator{v}
		}, "moniker is empty"},
		{"long details", func(gs *types.GenesisState) {
			v := validator(t, 1, pk1, min)
			v.Description.Details = strings.Repeat("x", types.MaxDetailsLength+1)
			gs.Validators = []types.Validator{v}
		}, "details"},
		{"not a validator address", func(gs *types.GenesisState) {
			v := validator(t, 1, pk1, min)
			v.OperatorAddress = sdk.AccAddress(make([]byte, 20)).String()
			gs.Validators = []types.Validator{v}
		}, "operator address"},
		{"short consensus key", func(gs *types.GenesisState) {
			v := validator(t, 1, &ed25519.PubKey{Key: []byte{1, 2, 3}}, min)
			gs.Validators = []types.Validator{v}
		}, "consensus key is 3 bytes"},
		{"no consensus key", func(gs *types.GenesisState) {
			v := validator(t, 1, pk1, min)
			v.ConsensusPubkey = nil
			gs.Validators = []types.Validator{v}
		}, "no consensus public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gs := types.DefaultGenesisState()
			tc.mutate(gs)
			err := gs.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func newCodec() codec.Codec {
	ir := codectypes.NewInterfaceRegistry()
	std.RegisterInterfaces(ir)
	types.RegisterInterfaces(ir)
	return codec.NewProtoCodec(ir)
}

func TestGenesisJSONRoundTrip(t *testing.T) {
	cdc := newCodec()
	gs := types.DefaultGenesisState()
	gs.Validators = []types.Validator{validator(t, 1, ed25519.GenPrivKey().PubKey(), types.DefaultMinValidatorBond.Int64())}
	bz := cdc.MustMarshalJSON(gs)
	var back types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatalf("decoded genesis does not validate: %v", err)
	}
	if back.String() != gs.String() {
		t.Fatalf("round trip changed the genesis:\n%s\n%s", gs, &back)
	}
}

// FuzzGenesisJSON feeds arbitrary JSON to the genesis decoder and validator:
// they must reject or accept, never panic.
func FuzzGenesisJSON(f *testing.F) {
	cdc := newCodec()
	seed := types.DefaultGenesisState()
	seed.Validators = []types.Validator{validator(f, 1, ed25519.GenPrivKey().PubKey(), types.DefaultMinValidatorBond.Int64())}
	f.Add(cdc.MustMarshalJSON(seed))
	f.Add([]byte(`{"params":{"bond_denom":"upha","validator_count":1,"min_validator_bond":"-1"}}`))
	f.Add([]byte(`{"params":{"bond_denom":"upha","validator_count":1,"min_validator_bond":"1"},"validators":[{"operator_address":"phalavaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqcynclp","consensus_pubkey":{"@type":"/cosmos.crypto.ed25519.PubKey","key":"AA=="},"description":{"moniker":"x"},"commission":"0","self_bond":"5"}]}`))
	f.Fuzz(func(t *testing.T, bz []byte) {
		var gs types.GenesisState
		if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
			return
		}
		_ = gs.Validate()
	})
}

func TestConsensusKeyMustBeEd25519(t *testing.T) {
	v := validator(t, 1, secp256k1.GenPrivKey().PubKey(), types.DefaultMinValidatorBond.Int64())
	if err := v.Validate(); err == nil || !strings.Contains(err.Error(), "use ed25519") {
		t.Fatalf("secp256k1 consensus key: %v, want a refusal naming ed25519", err)
	}
}
