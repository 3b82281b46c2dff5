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

func operator(seed byte) sdk.ValAddress { return sdk.ValAddress(append(make([]byte, 19), seed)) }

func validator(t testing.TB, seed byte, pk cryptotypes.PubKey) types.Validator {
	t.Helper()
	v, err := types.NewValidator(operator(seed), pk, types.Description{Moniker: "v"}, math.LegacyNewDecWithPrec(5, 2))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ledger(seed byte, bond int64) types.Ledger {
	return types.NewLedger(sdk.AccAddress(operator(seed)).String(), math.NewInt(bond))
}

func TestGenesisValidate(t *testing.T) {
	pk1, pk2 := ed25519.GenPrivKey().PubKey(), ed25519.GenPrivKey().PubKey()
	min := types.DefaultMinValidatorBond.Int64()
	nomMin := types.DefaultMinNominatorBond.Int64()
	twoValidators := func(gs *types.GenesisState) {
		gs.Ledgers = []types.Ledger{ledger(1, min), ledger(2, min)}
		gs.Validators = []types.Validator{validator(t, 1, pk1), validator(t, 2, pk2)}
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*types.GenesisState)
		wantErr string // empty: valid
	}{
		{"default", func(*types.GenesisState) {}, ""},
		{"two validators", twoValidators, ""},
		{"nominator", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Ledgers = append(gs.Ledgers, ledger(9, nomMin))
			gs.Nominators = []types.GenesisNominator{{Address: sdk.AccAddress(operator(9)).String(), Targets: []string{operator(1).String(), operator(2).String()}}}
		}, ""},
		{"bad params", func(gs *types.GenesisState) { gs.Params.ValidatorCount = 0 }, "validator_count"},
		{"bad bond denom", func(gs *types.GenesisState) { gs.Params.BondDenom = "!" }, "bond_denom"},
		{"slash defer too long", func(gs *types.GenesisState) { gs.Params.SlashDeferEras = gs.Params.UnbondingEras }, "slash_defer_eras"},
		{"duplicate operator", func(gs *types.GenesisState) {
			gs.Ledgers = []types.Ledger{ledger(1, min)}
			gs.Validators = []types.Validator{validator(t, 1, pk1), validator(t, 1, pk2)}
		}, "listed twice"},
		{"shared consensus key", func(gs *types.GenesisState) {
			gs.Ledgers = []types.Ledger{ledger(1, min), ledger(2, min)}
			gs.Validators = []types.Validator{validator(t, 1, pk1), validator(t, 2, pk1)}
		}, "share the consensus key"},
		{"validator without bond", func(gs *types.GenesisState) {
			gs.Validators = []types.Validator{validator(t, 1, pk1)}
		}, "less than min_validator_bond"},
		{"chilled validator without bond", func(gs *types.GenesisState) {
			v := validator(t, 1, pk1)
			v.Chilled = true
			gs.Validators = []types.Validator{v}
		}, ""},
		{"bond below minimum", func(gs *types.GenesisState) {
			gs.Ledgers = []types.Ledger{ledger(1, min-1)}
			gs.Validators = []types.Validator{validator(t, 1, pk1)}
		}, "less than min_validator_bond"},
		{"ledger total mismatch", func(gs *types.GenesisState) {
			l := ledger(1, min)
			l.Total = l.Total.AddRaw(1)
			gs.Ledgers = []types.Ledger{l}
		}, "not active"},
		{"two ledgers", func(gs *types.GenesisState) { gs.Ledgers = []types.Ledger{ledger(1, min), ledger(1, min)} }, "two ledgers"},
		{"commission above one", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Validators[0].Commission = math.LegacyNewDec(2)
		}, "commission"},
		{"empty moniker", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Validators[0].Description.Moniker = ""
		}, "moniker is empty"},
		{"long details", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Validators[0].Description.Details = strings.Repeat("x", types.MaxDetailsLength+1)
		}, "details"},
		{"not a validator address", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Validators[0].OperatorAddress = sdk.AccAddress(make([]byte, 20)).String()
		}, "operator address"},
		{"short consensus key", func(gs *types.GenesisState) {
			gs.Ledgers = []types.Ledger{ledger(1, min)}
			gs.Validators = []types.Validator{validator(t, 1, &ed25519.PubKey{Key: []byte{1, 2, 3}})}
		}, "consensus key is 3 bytes"},
		{"no consensus key", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Validators[0].ConsensusPubkey = nil
		}, "no consensus public key"},
		{"nominates a non-candidate", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Ledgers = append(gs.Ledgers, ledger(9, nomMin))
			gs.Nominators = []types.GenesisNominator{{Address: sdk.AccAddress(operator(9)).String(), Targets: []string{operator(7).String()}}}
		}, "not a validator candidate"},
		{"nominates too many", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Params.MaxNominations = 1
			gs.Ledgers = append(gs.Ledgers, ledger(9, nomMin))
			gs.Nominators = []types.GenesisNominator{{Address: sdk.AccAddress(operator(9)).String(), Targets: []string{operator(1).String(), operator(2).String()}}}
		}, "at most 1"},
		{"nominator below minimum", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Ledgers = append(gs.Ledgers, ledger(9, nomMin-1))
			gs.Nominators = []types.GenesisNominator{{Address: sdk.AccAddress(operator(9)).String(), Targets: []string{operator(1).String()}}}
		}, "less than min_nominator_bond"},
		{"validator nominates", func(gs *types.GenesisState) {
			twoValidators(gs)
			gs.Nominators = []types.GenesisNominator{{Address: sdk.AccAddress(operator(1)).String(), Targets: []string{operator(2).String()}}}
		}, "both a validator and a nominator"},
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
	gs.Ledgers = []types.Ledger{ledger(1, types.DefaultMinValidatorBond.Int64())}
	gs.Validators = []types.Validator{validator(t, 1, ed25519.GenPrivKey().PubKey())}
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

func TestConsensusKeyMustBeEd25519(t *testing.T) {
	v := validator(t, 1, secp256k1.GenPrivKey().PubKey())
	if err := v.Validate(); err == nil || !strings.Contains(err.Error(), "use ed25519") {
		t.Fatalf("secp256k1 consensus key: %v, want a refusal naming ed25519", err)
	}
}

// FuzzGenesisJSON feeds arbitrary JSON to the genesis decoder and validator:
// they must reject or accept, never panic.
func FuzzGenesisJSON(f *testing.F) {
	cdc := newCodec()
	seed := types.DefaultGenesisState()
	seed.Ledgers = []types.Ledger{ledger(1, types.DefaultMinValidatorBond.Int64())}
	seed.Validators = []types.Validator{validator(f, 1, ed25519.GenPrivKey().PubKey())}
	f.Add(cdc.MustMarshalJSON(seed))
	f.Add([]byte(`{"params":{"bond_denom":"upha","validator_count":1,"min_validator_bond":"-1"}}`))
	f.Add([]byte(`{"ledgers":[{"stash":"phala1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqcynclp","total":"5","active":"5"}],"validators":[{"operator_address":"phalavaloper1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqcynclp","consensus_pubkey":{"@type":"/cosmos.crypto.ed25519.PubKey","key":"AA=="},"description":{"moniker":"x"},"commission":"0"}]}`))
	f.Fuzz(func(t *testing.T, bz []byte) {
		var gs types.GenesisState
		if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
			return
		}
		_ = gs.Validate()
	})
}
