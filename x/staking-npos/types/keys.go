package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module, its store key and its router key.
	ModuleName = "stakingnpos"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
	// BondedPoolName is the module account that escrows every bonded token.
	BondedPoolName = "npos_bonded_pool"
)

// Store prefixes of the module's collections.
var (
	ParamsKey               = collections.NewPrefix(0)
	ValidatorsKey           = collections.NewPrefix(1)
	ValidatorsByConsAddrKey = collections.NewPrefix(2)
	ActiveSetKey            = collections.NewPrefix(3)
	ActiveSetStaleKey       = collections.NewPrefix(4)
)
