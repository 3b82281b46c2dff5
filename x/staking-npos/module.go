// Package stakingnpos is the x/staking-npos module: Nominated Proof-of-Stake
// as in Polkadot, which owns the CometBFT validator set. Accounts bond funds
// and either validate or nominate up to max_nominations candidates; each era
// a sequential Phragmén (or PhragMMS) election over the bonds picks the
// validators and spreads the nominators' stake over them (exposures); era
// rewards are paid by reward points, commission first; slashes take from
// the offending era's exposures. It replaces x/staking and x/distribution and
// serves the keeper interfaces x/slashing, x/evidence and x/gov need.
package stakingnpos

import (
	"context"
	"encoding/json"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"
	"github.com/spf13/cobra"

	"cosmossdk.io/core/appmodule"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/client/cli"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// ConsensusVersion is the module's state version, bumped on breaking changes.
const ConsensusVersion = 1

var (
	_ module.AppModuleBasic     = AppModule{}
	_ module.HasABCIGenesis     = AppModule{}
	_ module.HasServices        = AppModule{}
	_ module.HasABCIEndBlock    = AppModule{}
	_ appmodule.HasBeginBlocker = AppModule{}
	_ appmodule.AppModule       = AppModule{}
)

// AppModule is the x/staking-npos application module.
type AppModule struct {
	cdc    codec.Codec
	keeper *keeper.Keeper
}

// NewAppModule creates the module around its keeper.
func NewAppModule(cdc codec.Codec, k *keeper.Keeper) AppModule {
	return AppModule{cdc: cdc, keeper: k}
}

// IsAppModule marks the type as an app module.
func (AppModule) IsAppModule() {}

// IsOnePerModuleType marks the module as a singleton.
func (AppModule) IsOnePerModuleType() {}

// Name returns the module name.
func (AppModule) Name() string { return types.ModuleName }

// ConsensusVersion returns the module's state version.
func (AppModule) ConsensusVersion() uint64 { return ConsensusVersion }

// RegisterLegacyAminoCodec registers the module's types for Amino JSON.
func (AppModule) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	types.RegisterLegacyAminoCodec(cdc)
}

// GetTxCmd returns the module's tx command; autocli adds the commands it
// generates from the Msg service to it.
func (AppModule) GetTxCmd() *cobra.Command { return cli.NewTxCmd() }

// RegisterInterfaces registers the module's messages.
func (AppModule) RegisterInterfaces(ir codectypes.InterfaceRegistry) { types.RegisterInterfaces(ir) }

// RegisterGRPCGatewayRoutes serves the queries over REST.
func (AppModule) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := types.RegisterQueryHandlerClient(context.Background(), mux, types.NewQueryClient(clientCtx)); err != nil {
		panic(err)
	}
}

// RegisterServices registers the transaction and query services, and
// cosmos.staking.v1beta1.Query/Params for IBC relayers.
func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServerImpl(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.NewQuerier(am.keeper))
	stakingtypes.RegisterQueryServer(cfg.QueryServer(), keeper.NewStakingQuerier(am.keeper))
}

// DefaultGenesis returns the default genesis state.
func (AppModule) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesisState())
}

// ValidateGenesis checks a genesis state.
func (AppModule) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("failed to unmarshal %s genesis state: %w", types.ModuleName, err)
	}
	return gs.Validate()
}

// InitGenesis loads the genesis state and returns the initial validator set.
func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, bz json.RawMessage) []abci.ValidatorUpdate {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(bz, &gs)
	updates, err := am.keeper.InitGenesis(ctx, &gs)
	if err != nil {
		panic(fmt.Errorf("%s genesis: %w", types.ModuleName, err))
	}
	if len(updates) == 0 {
		panic(fmt.Errorf("%s genesis: the era 0 election elects no validator; add one with `phalad genesis add-genesis-validator`", types.ModuleName))
	}
	return updates
}

// ExportGenesis exports the module state.
func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(fmt.Errorf("%s export: %w", types.ModuleName, err))
	}
	return cdc.MustMarshalJSON(gs)
}

// BeginBlock credits the block's proposer with era reward points.
func (am AppModule) BeginBlock(ctx context.Context) error {
	return am.keeper.BeginBlocker(ctx)
}

// EndBlock starts a new era when one is due and returns the changes to the
// CometBFT validator set.
func (am AppModule) EndBlock(ctx context.Context) ([]abci.ValidatorUpdate, error) {
	if err := am.keeper.EndBlocker(ctx); err != nil {
		return nil, err
	}
	return am.keeper.ApplyValidatorSetChanges(ctx)
}
