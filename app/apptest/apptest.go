// Package apptest builds a real phala application in memory for tests:
// every module wired as in production, genesis validators with real keys.
package apptest

import (
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/phala-cosmos/phala-cosmos/app"
	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	nposcli "github.com/phala-cosmos/phala-cosmos/x/staking-npos/client/cli"
	npostypes "github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// ChainID is the chain-id of test apps.
const ChainID = "phala-test-1"

// GenesisTime is the fixed genesis time of test apps.
var GenesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Account is a funded genesis account with its key.
type Account struct {
	Key     cryptotypes.PrivKey
	Address sdk.AccAddress
}

// Validator is a genesis validator with its keys.
type Validator struct {
	Account
	ConsKey cryptotypes.PrivKey
	Bond    math.Int
}

// ValAddress is the validator's operator address.
func (v Validator) ValAddress() sdk.ValAddress { return sdk.ValAddress(v.Address) }

// ConsAddress is the validator's consensus address.
func (v Validator) ConsAddress() sdk.ConsAddress {
	return sdk.ConsAddress(v.ConsKey.PubKey().Address())
}

// Genesis is a genesis state under construction.
type Genesis struct {
	App        *app.App
	State      app.GenesisState
	Accounts   []Account
	Validators []Validator
}

// New returns an app on an empty in-memory database and its default genesis.
func New(t testing.TB) *Genesis {
	t.Helper()
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), nil, true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()),
		baseapp.SetChainID(ChainID))
	return &Genesis{App: a, State: a.DefaultGenesis()}
}

// Fund adds a genesis account holding amount upha.
func (g *Genesis) Fund(t testing.TB, amount math.Int) Account {
	t.Helper()
	key := secp256k1.GenPrivKey()
	acc := Account{Key: key, Address: sdk.AccAddress(key.PubKey().Address())}
	cdc := g.App.AppCodec()

	authGen := authtypes.GetGenesisStateFromAppState(cdc, g.State)
	packed, err := authtypes.PackAccounts(authtypes.GenesisAccounts{
		authtypes.NewBaseAccount(acc.Address, nil, uint64(len(authGen.Accounts)), 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	authGen.Accounts = append(authGen.Accounts, packed...)
	g.State[authtypes.ModuleName] = cdc.MustMarshalJSON(&authGen)

	bankGen := banktypes.GetGenesisStateFromAppState(cdc, g.State)
	bankGen.Balances = append(bankGen.Balances, banktypes.Balance{
		Address: acc.Address.String(), Coins: sdk.NewCoins(sdk.NewCoin(appconfig.BondDenom, amount)),
	})
	g.State[banktypes.ModuleName] = cdc.MustMarshalJSON(bankGen)
	g.Accounts = append(g.Accounts, acc)
	return acc
}

// AddValidator funds an account with bond and makes it a genesis validator
// bonding all of it, through the same code as `genesis add-genesis-validator`.
func (g *Genesis) AddValidator(t testing.TB, bond math.Int) Validator {
	t.Helper()
	acc := g.Fund(t, bond)
	v := Validator{Account: acc, ConsKey: ed25519.GenPrivKey(), Bond: bond}
	err := nposcli.AddGenesisValidator(g.App.AppCodec(), g.State, nposcli.GenesisValidator{
		Operator:    acc.Address,
		ConsPubKey:  v.ConsKey.PubKey(),
		Bond:        sdk.NewCoin(appconfig.BondDenom, bond),
		Description: npostypes.Description{Moniker: "validator"},
		Commission:  nposcli.DefaultCommission,
	})
	if err != nil {
		t.Fatal(err)
	}
	g.Validators = append(g.Validators, v)
	return v
}

// AddNominator funds an account with bond and makes it a genesis nominator
// of targets, bonding all of it.
func (g *Genesis) AddNominator(t testing.TB, bond math.Int, targets ...Validator) Account {
	t.Helper()
	acc := g.Fund(t, bond)
	var ops []string
	for _, v := range targets {
		ops = append(ops, v.ValAddress().String())
	}
	if err := nposcli.AddGenesisNominator(g.App.AppCodec(), g.State, acc.Address, sdk.NewCoin(appconfig.BondDenom, bond), ops); err != nil {
		t.Fatal(err)
	}
	return acc
}

// SetStakingParams replaces x/staking-npos's genesis params.
func (g *Genesis) SetStakingParams(t testing.TB, mutate func(*npostypes.Params)) {
	t.Helper()
	cdc := g.App.AppCodec()
	var gs npostypes.GenesisState
	cdc.MustUnmarshalJSON(g.State[npostypes.ModuleName], &gs)
	mutate(&gs.Params)
	g.State[npostypes.ModuleName] = cdc.MustMarshalJSON(&gs)
}

// StateJSON is the genesis app state as JSON.
func (g *Genesis) StateJSON(t testing.TB) []byte {
	t.Helper()
	bz, err := json.Marshal(g.State)
	if err != nil {
		t.Fatal(err)
	}
	return bz
}

// InitModules loads the genesis into the app's store directly (no ABCI) and
// returns a context on that store and the initial validator updates. It
// suits keeper tests; use InitChain for tests of the ABCI application.
func (g *Genesis) InitModules(t testing.TB) (sdk.Context, []abci.ValidatorUpdate) {
	t.Helper()
	ctx := g.App.NewUncachedContext(false, cmtproto.Header{ChainID: ChainID, Height: 1, Time: GenesisTime})
	// As the app's InitChainer does before the modules' genesis.
	if err := g.App.RegistryKeeper.SetGenesisHash(ctx, g.StateJSON(t)); err != nil {
		t.Fatal(err)
	}
	res, err := g.App.ModuleManager.InitGenesis(ctx, g.App.AppCodec(), g.State)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, res.Validators
}

// InitChain sends the genesis through ABCI InitChain, as CometBFT would.
func (g *Genesis) InitChain(t testing.TB) *abci.ResponseInitChain {
	t.Helper()
	res, err := g.App.InitChain(&abci.RequestInitChain{
		ChainId:         ChainID,
		Time:            GenesisTime,
		InitialHeight:   1,
		AppStateBytes:   g.StateJSON(t),
		ConsensusParams: simtestutil.DefaultConsensusParams,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
