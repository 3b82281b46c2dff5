package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module and its store key.
	ModuleName = "confidential"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
)

// ParamsKey is the store prefix of the contract limits.
var ParamsKey = collections.NewPrefix(0)
