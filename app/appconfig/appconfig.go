// Package appconfig holds the chain-wide naming of phala: address prefixes,
// denominations, key derivation. It has no dependency on the app, so tests of
// single modules can use it without building the whole application.
package appconfig

import (
	"sync"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Chain-wide naming: addresses, denominations and the HD path of keys.
const (
	// Name is the application name reported by the node.
	Name = "phala"
	// AccountAddressPrefix is the Bech32 prefix of account addresses.
	AccountAddressPrefix = "phala"
	// BondDenom is the base denomination: staked, paid in fees, burned on slashing.
	BondDenom = "upha"
	// DisplayDenom is the denomination wallets show.
	DisplayDenom = "PHA"
	// DisplayExponent is the number of decimals between BondDenom and DisplayDenom.
	DisplayExponent = 6
	// CoinType is the BIP-44 coin type of keys (118, as the Cosmos Hub).
	CoinType = 118
)

// MaxTxBytes is the largest transaction a node's mempool accepts, set in the
// config.toml of new nodes (CometBFT's default is 1 MiB). A Go contract
// module is about 3.7 MB and 1 MB gzip-compressed, so its upload needs more.
const MaxTxBytes = 4 << 20

// MaxRPCBodyBytes is the largest request a node's RPC accepts, set in the
// config.toml of new nodes: a transaction of MaxTxBytes hex-encoded (as
// simulation sends it) with room for the envelope.
const MaxRPCBodyBytes = 2*MaxTxBytes + 1<<20

var configOnce sync.Once

// SetSDKConfig sets the Bech32 prefixes, coin type and default bond denom in
// the SDK's global configuration and seals it. It is safe to call many times.
func SetSDKConfig() {
	configOnce.Do(func() {
		cfg := sdk.GetConfig()
		cfg.SetBech32PrefixForAccount(AccountAddressPrefix, AccountAddressPrefix+sdk.PrefixPublic)
		cfg.SetBech32PrefixForValidator(AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixOperator,
			AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixOperator+sdk.PrefixPublic)
		cfg.SetBech32PrefixForConsensusNode(AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixConsensus,
			AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixConsensus+sdk.PrefixPublic)
		cfg.SetCoinType(CoinType)
		cfg.SetPurpose(44)
		cfg.Seal()
		sdk.DefaultBondDenom = BondDenom
	})
}
