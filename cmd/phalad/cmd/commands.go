package cmd

import (
	"errors"
	"io"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/debug"
	"github.com/cosmos/cosmos-sdk/client/keys"
	"github.com/cosmos/cosmos-sdk/client/pruning"
	"github.com/cosmos/cosmos-sdk/client/rpc"
	"github.com/cosmos/cosmos-sdk/client/snapshot"
	"github.com/cosmos/cosmos-sdk/server"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	authcmd "github.com/cosmos/cosmos-sdk/x/auth/client/cli"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"

	"github.com/phala-cosmos/phala-cosmos/app"
	"github.com/phala-cosmos/phala-cosmos/cmd/phalad/cmd/devnet"
	nposcli "github.com/phala-cosmos/phala-cosmos/x/staking-npos/client/cli"
)

func initRootCmd(rootCmd *cobra.Command, tempApp *app.App) {
	home := DefaultNodeHome()
	rootCmd.AddCommand(
		genutilcli.InitCmd(tempApp.BasicModuleManager, home),
		debug.Cmd(),
		pruning.Cmd(newApp, home),
		snapshot.Cmd(newApp),
		devnet.Cmd(tempApp.AppCodec(), tempApp.BasicModuleManager),
		toolsCommand(),
	)
	server.AddCommands(rootCmd, home, newApp, exportApp, func(*cobra.Command) {})
	rootCmd.AddCommand(
		server.StatusCommand(),
		genesisCommand(tempApp, home),
		queryCommand(),
		txCommand(),
		keys.Commands(),
	)
}

// genesisCommand is `phalad genesis`: accounts, validators and validation.
// There are no gentxs: validators enter the genesis directly, bonding funds
// of their genesis account (x/staking-npos replaces x/staking's gentx flow).
func genesisCommand(tempApp *app.App, home string) *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "genesis",
		Short:                      "Build and check a genesis file: accounts, validators, validation",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	addressCodec := tempApp.TxConfig().SigningContext().AddressCodec()
	cmd.AddCommand(
		genutilcli.AddGenesisAccountCmd(home, addressCodec),
		genutilcli.AddBulkGenesisAccountCmd(home, addressCodec),
		nposcli.AddGenesisValidatorCmd(home),
		nposcli.AddGenesisNominatorCmd(home),
		genutilcli.ValidateGenesisCmd(tempApp.BasicModuleManager),
	)
	return cmd
}

func queryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "query",
		Aliases:                    []string{"q"},
		Short:                      "Query the chain: every module, blocks and transactions",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		rpc.WaitTxCmd(),
		server.QueryBlockCmd(),
		server.QueryBlocksCmd(),
		server.QueryBlockResultsCmd(),
		authcmd.QueryTxsByEventsCmd(),
		authcmd.QueryTxCmd(),
		enclaveQueryCommand(),
	)
	return cmd
}

func txCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "tx",
		Short:                      "Sign and send transactions to every module",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		authcmd.GetSignCommand(),
		authcmd.GetSignBatchCommand(),
		authcmd.GetMultiSignCommand(),
		authcmd.GetMultiSignBatchCmd(),
		authcmd.GetValidateSignaturesCommand(),
		authcmd.GetBroadcastCommand(),
		authcmd.GetEncodeCommand(),
		authcmd.GetDecodeCommand(),
		authcmd.GetSimulateCmd(),
	)
	return cmd
}

func newApp(logger log.Logger, db dbm.DB, traceStore io.Writer, appOpts servertypes.AppOptions) servertypes.Application {
	return app.New(logger, db, traceStore, true, appOpts, server.DefaultBaseappOptions(appOpts)...)
}

func exportApp(logger log.Logger, db dbm.DB, traceStore io.Writer, height int64, forZeroHeight bool,
	jailAllowedAddrs []string, appOpts servertypes.AppOptions, modulesToExport []string,
) (servertypes.ExportedApp, error) {
	viperAppOpts, ok := appOpts.(*viper.Viper)
	if !ok {
		return servertypes.ExportedApp{}, errors.New("export: app options are not a viper instance")
	}
	a := app.New(logger, db, traceStore, height == -1, viperAppOpts)
	if height != -1 {
		if err := a.LoadHeight(height); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	return a.ExportAppStateAndValidators(forZeroHeight, jailAllowedAddrs, modulesToExport)
}
