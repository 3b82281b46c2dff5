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
