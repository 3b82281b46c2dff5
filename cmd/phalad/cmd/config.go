package cmd

import (
	cmtcfg "github.com/cometbft/cometbft/config"

	serverconfig "github.com/cosmos/cosmos-sdk/server/config"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
)

// DefaultMinGasPrices is the minimum gas price a new node asks of transactions.
const DefaultMinGasPrices = "0.0025" + appconfig.BondDenom

// initAppConfig returns the app.toml template and defaults for new nodes.
func initAppConfig() (string, any) {
	cfg := serverconfig.DefaultConfig()
	cfg.MinGasPrices = DefaultMinGasPrices
	return serverconfig.DefaultConfigTemplate, cfg
}

// initCometBFTConfig returns the config.toml defaults for new nodes.
func initCometBFTConfig() *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	cfg.Mempool.MaxTxBytes = appconfig.MaxTxBytes
	cfg.RPC.MaxBodyBytes = appconfig.MaxRPCBodyBytes
	return cfg
}
