package types

import (
	"cosmossdk.io/collections"

	"github.com/phala-cosmos/phala-cosmos/enclave/restore"
)

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
	// StateKey maps (contract, entry id) to a sealed state entry; enclaves
	// prove entries under this layout (enclave/restore.StateKey).
	StateKey = collections.NewPrefix(int(restore.StatePrefix))
	// FaultsKey holds (contract, sequence, worker) of replica results that
	// disagreed with the applied one.
	FaultsKey = collections.NewPrefix(11)
	// HeadsKey maps a contract to its ContractStateHead, which enclaves
	// prove (enclave/restore.HeadKey).
	HeadsKey = collections.NewPrefix(int(restore.HeadPrefix))
	// KeyRequestsKey maps a contract to its outstanding request to a
	// gatekeeper.
	KeyRequestsKey = collections.NewPrefix(13)
	// AssignedKey holds (worker, contract) for every worker a contract is
	// scheduled on; WorkerLoadKey maps a worker to how many that is.
	AssignedKey   = collections.NewPrefix(14)
	WorkerLoadKey = collections.NewPrefix(15)
	// UnderstaffedKey holds the contracts with fewer workers than replicas.
	UnderstaffedKey = collections.NewPrefix(16)
)
