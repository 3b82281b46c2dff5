package cli_test

import (
	"strings"
	"testing"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/client/cli"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

func TestAddGenesisValidator(t *testing.T) {
	g := apptest.New(t)
	cdc := g.App.AppCodec()
	funded := g.Fund(t, math.NewInt(5_000_000))
	unfunded := sdk.AccAddress(make([]byte, 20))
	coin := func(amt int64, denom string) sdk.Coin { return sdk.NewCoin(denom, math.NewInt(amt)) }
	gv := func(addr sdk.AccAddress, bond sdk.Coin) cli.GenesisValidator {
		return cli.GenesisValidator{Operator: addr, ConsPubKey: ed25519.GenPrivKey().PubKey(), Bond: bond,
			Description: types.Description{Moniker: "m"}, Commission: cli.DefaultCommission}
	}
	for _, tc := range []struct {
		name    string
		v       cli.GenesisValidator
		wantErr string
	}{
		{"wrong denom", gv(funded.Address, coin(1_000_000, "uatom")), "bond denom"},
		{"no genesis balance", gv(unfunded, coin(1_000_000, appconfig.BondDenom)), "no genesis balance"},
		{"more than the balance", gv(funded.Address, coin(6_000_000, appconfig.BondDenom)), "cannot bond"},
		{"below the minimum bond", gv(funded.Address, coin(999_999, appconfig.BondDenom)), "min_validator_bond"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := string(g.StateJSON(t))
			err := cli.AddGenesisValidator(cdc, g.State, tc.v)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err %v, want one mentioning %q", err, tc.wantErr)
			}
			if string(g.StateJSON(t)) != before {
				t.Fatal("a refused validator changed the genesis")
			}
		})
	}

	if err := cli.AddGenesisValidator(cdc, g.State, gv(funded.Address, coin(2_000_000, appconfig.BondDenom))); err != nil {
		t.Fatal(err)
	}
	bank := banktypes.GetGenesisStateFromAppState(cdc, g.State)
	balance := func(addr sdk.AccAddress) math.Int {
		for _, b := range bank.Balances {
			if b.Address == addr.String() {
				return b.Coins.AmountOf(appconfig.BondDenom)
			}
		}
		return math.ZeroInt()
	}
	if got := balance(funded.Address); !got.Equal(math.NewInt(3_000_000)) {
		t.Fatalf("operator keeps %s, want 3000000", got)
	}
	if got := balance(authtypes.NewModuleAddress(types.BondedPoolName)); !got.Equal(math.NewInt(2_000_000)) {
		t.Fatalf("bonded pool holds %s, want 2000000", got)
	}
	var staking types.GenesisState
	cdc.MustUnmarshalJSON(g.State[types.ModuleName], &staking)
	if len(staking.Validators) != 1 || staking.Validators[0].OperatorAddress != sdk.ValAddress(funded.Address).String() {
		t.Fatalf("staking genesis validators: %+v", staking.Validators)
	}
	// The result is a genesis the chain starts from.
	if _, updates := g.InitModules(t); len(updates) != 1 || updates[0].Power != 2 {
		t.Fatalf("initial validator set %v, want one validator of power 2", updates)
	}
}
