// Package cmd builds the phalad command tree.
package cmd

import (
	"os"
	"path/filepath"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cobra"

	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/config"
	"github.com/cosmos/cosmos-sdk/server"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/phala-cosmos/phala-cosmos/app"
	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
)

// DefaultNodeHome is where phalad keeps its data unless --home says otherwise.
func DefaultNodeHome() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".phala"
	}
	return filepath.Join(home, ".phala")
}

// NewRootCmd builds the phalad root command.
func NewRootCmd() *cobra.Command {
	appconfig.SetSDKConfig()
	// A throwaway app in memory supplies the codecs and the autocli options.
	tempApp := app.New(log.NewNopLogger(), dbm.NewMemDB(), nil, false,
		simtestutil.NewAppOptionsWithFlagHome(filepath.Join(os.TempDir(), "phalad-cli")))

	initClientCtx := client.Context{}.
		WithCodec(tempApp.AppCodec()).
		WithInterfaceRegistry(tempApp.InterfaceRegistry()).
		WithTxConfig(tempApp.TxConfig()).
		WithLegacyAmino(tempApp.LegacyAmino()).
		WithInput(os.Stdin).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithHomeDir(DefaultNodeHome()).
		WithViper("PHALAD")

	rootCmd := &cobra.Command{
		Use:   "phalad",
		Short: "phala node and client: a Cosmos chain for confidential computing on SGX workers",
		Long: `phalad runs a node of the phala chain and is its command-line client.

Start a local network with 'make devnet'; talk to it with
  phalad --home .devnet <command>
which picks up the devnet's chain-id, node and test keyring from .devnet/config/client.toml.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.OutOrStdout())
			cmd.SetErr(cmd.ErrOrStderr())

			clientCtx := initClientCtx.WithCmdContext(cmd.Context())
			clientCtx, err := client.ReadPersistentCommandFlags(clientCtx, cmd.Flags())
			if err != nil {
				return err
			}
			clientCtx, err = config.ReadFromClientConfig(clientCtx)
			if err != nil {
				return err
			}
			if err := client.SetCmdClientContextHandler(clientCtx, cmd); err != nil {
				return err
			}
			if err := checkChainID(cmd, clientCtx); err != nil {
				return err
			}
			appTemplate, appConfig := initAppConfig()
			return server.InterceptConfigsPreRunHandler(cmd, appTemplate, appConfig, initCometBFTConfig())
		},
	}

	initRootCmd(rootCmd, tempApp)

	autoCliOpts := tempApp.AutoCliOpts()
	autoCliOpts.ClientCtx = initClientCtx
	if err := autoCliOpts.EnhanceRootCommand(rootCmd); err != nil {
		panic(err)
	}
	return rootCmd
}
