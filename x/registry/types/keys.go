package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module and its store key.
	ModuleName = "registry"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
)

// ParamsKey is the store prefix of the attestation policy.
var ParamsKey = collections.NewPrefix(0)
