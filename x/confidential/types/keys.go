package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module and its store key.
	ModuleName = "confidential"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
)

// Store prefixes.
var (
	ParamsKey     = collections.NewPrefix(0)
	CodesKey      = collections.NewPrefix(1)
	CodeBytesKey  = collections.NewPrefix(2)
	NextCodeIDKey = collections.NewPrefix(3)
	ContractsKey  = collections.NewPrefix(4)
	// LabelsKey maps (creator, label) to the contract address.
	LabelsKey = collections.NewPrefix(5)
	// CallsKey maps (contract, sequence) to a pending call.
	CallsKey = collections.NewPrefix(6)
	// NoncesKey holds (contract, sender, nonce) of used command nonces.
	NoncesKey = collections.NewPrefix(7)
	// TxCallsKey maps a tx hash to the (contract, sequence) it queued.
	TxCallsKey = collections.NewPrefix(8)
	// ResultsKey maps (contract, sequence) to an applied result.
	ResultsKey = collections.NewPrefix(9)
	// StateKey maps (contract, entry id) to a sealed state entry.
	StateKey = collections.NewPrefix(10)
	// FaultsKey holds (contract, sequence, worker) of replica results that
	// disagreed with the applied one.
	FaultsKey = collections.NewPrefix(11)
)
