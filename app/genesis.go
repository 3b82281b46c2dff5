package app

import (
	"encoding/json"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/x/bank"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/gov"
	govclient "github.com/cosmos/cosmos-sdk/x/gov/client"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
)

// GenesisState is the genesis state of every module, keyed by module name.
type GenesisState map[string]json.RawMessage

// NewBasicManager returns the module basics of the app, with the default
// bank genesis describing the PHA denomination.
func NewBasicManager(mm *module.Manager) module.BasicManager {
	return module.NewBasicManagerFromManager(mm, map[string]module.AppModuleBasic{
		banktypes.ModuleName: bankBasics{},
		govtypes.ModuleName:  gov.NewAppModuleBasic([]govclient.ProposalHandler{}),
	})
}

// bankBasics is x/bank's module basics with a default genesis that carries
// the denomination metadata wallets use to display PHA.
type bankBasics struct{ bank.AppModuleBasic }

// DefaultGenesis returns x/bank's default genesis with PHA metadata.
func (bankBasics) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	gs := banktypes.DefaultGenesisState()
	gs.DenomMetadata = []banktypes.Metadata{DenomMetadata()}
	return cdc.MustMarshalJSON(gs)
}

// DenomMetadata describes upha and PHA for wallets and explorers.
func DenomMetadata() banktypes.Metadata {
	return banktypes.Metadata{
		Description: "The staking and fee token of the phala chain.",
		DenomUnits: []*banktypes.DenomUnit{
			{Denom: appconfig.BondDenom, Exponent: 0, Aliases: []string{"micropha"}},
			{Denom: "mpha", Exponent: 3, Aliases: []string{"millipha"}},
			{Denom: appconfig.DisplayDenom, Exponent: appconfig.DisplayExponent},
		},
		Base:    appconfig.BondDenom,
		Display: appconfig.DisplayDenom,
		Name:    "Phala",
		Symbol:  appconfig.DisplayDenom,
	}
}
