// Package keeper holds the state of x/confidential: the limits, uploaded
// codes, contracts with their keys and workers, the calls queued for them,
// and the nonces that make replayed commands fail. Commands themselves go
// into the contracts' ingress queues in x/registry, which enclaves read with
// proofs.
package keeper

import (
	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/store"

	"github.com/cosmos/cosmos-sdk/codec"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// Keeper owns the confidential-contract state.
type Keeper struct {
	authority string
	bank      types.BankKeeper
	registry  types.RegistryKeeper

	Schema collections.Schema
	// Params are the contract limits.
	Params collections.Item[types.Params]
	// Codes are the uploaded codes by id; CodeBytes their bytes as uploaded.
	Codes      collections.Map[uint64, types.Code]
	CodeBytes  collections.Map[uint64, []byte]
	NextCodeID collections.Sequence
	// Contracts by address bytes.
	Contracts collections.Map[[]byte, types.Contract]
	// Labels maps (creator, label) to the contract's address bytes.
	Labels collections.Map[collections.Pair[[]byte, string], []byte]
	// Calls are queued calls not yet applied, by (contract, sequence).
	Calls collections.Map[collections.Pair[[]byte, uint64], types.Call]
	// Nonces are used command nonces: (contract, sender, nonce).
	Nonces collections.KeySet[collections.Triple[[]byte, []byte, []byte]]
	// TxCalls maps a transaction's hash to the contract (address bytes)
	// and sequence of the call it queued.
	TxCalls collections.Map[[]byte, collections.Pair[[]byte, uint64]]
	// Results are the applied results by (contract, sequence).
	Results collections.Map[collections.Pair[[]byte, uint64], types.Result]
	// State is every contract's sealed state by (contract, entry id)
	// (enclave/contractstate): what a newly scheduled worker rebuilds from.
	State collections.Map[collections.Pair[[]byte, []byte], []byte]
	// Faults are replica results that disagreed with the applied one:
	// (contract, sequence, worker).
	Faults collections.KeySet[collections.Triple[[]byte, uint64, []byte]]
	// Heads are the contracts' state heads (calls applied, state entries,
	// balance), which new workers prove to restore the state.
	Heads collections.Map[[]byte, enclaveapi.ContractStateHead]
	// KeyRequests are the contracts' outstanding requests to gatekeepers.
	KeyRequests collections.Map[[]byte, types.KeyRequest]
	// Assigned holds (worker, contract) for every scheduled worker, and
	// WorkerLoad how many contracts each such worker runs: the workers
	// checked each block for being lost.
	Assigned   collections.KeySet[collections.Pair[[]byte, []byte]]
	WorkerLoad collections.Map[[]byte, uint64]
	// Understaffed are the contracts with fewer workers than replicas.
	Understaffed collections.KeySet[[]byte]
}

// NewKeeper creates the keeper. authority is the account allowed to change
// the limits (the x/gov module account).
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, authority string, bank types.BankKeeper, registry types.RegistryKeeper) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		authority:  authority,
		bank:       bank,
		registry:   registry,
		Params:     collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Codes:      collections.NewMap(sb, types.CodesKey, "codes", collections.Uint64Key, codec.CollValue[types.Code](cdc)),
		CodeBytes:  collections.NewMap(sb, types.CodeBytesKey, "code_bytes", collections.Uint64Key, collections.BytesValue),
		NextCodeID: collections.NewSequence(sb, types.NextCodeIDKey, "next_code_id"),
		Contracts:  collections.NewMap(sb, types.ContractsKey, "contracts", collections.BytesKey, codec.CollValue[types.Contract](cdc)),
		Labels: collections.NewMap(sb, types.LabelsKey, "labels",
			collections.PairKeyCodec(collections.BytesKey, collections.StringKey), collections.BytesValue),
		Calls: collections.NewMap(sb, types.CallsKey, "calls",
			collections.PairKeyCodec(collections.BytesKey, collections.Uint64Key), codec.CollValue[types.Call](cdc)),
		Nonces: collections.NewKeySet(sb, types.NoncesKey, "nonces",
			collections.TripleKeyCodec(collections.BytesKey, collections.BytesKey, collections.BytesKey)),
		TxCalls: collections.NewMap(sb, types.TxCallsKey, "tx_calls", collections.BytesKey,
			collcodec.KeyToValueCodec(collections.PairKeyCodec(collections.BytesKey, collections.Uint64Key))),
		Results: collections.NewMap(sb, types.ResultsKey, "results",
			collections.PairKeyCodec(collections.BytesKey, collections.Uint64Key), codec.CollValue[types.Result](cdc)),
		State: collections.NewMap(sb, types.StateKey, "state",
			collections.PairKeyCodec(collections.BytesKey, collections.BytesKey), collections.BytesValue),
		Faults: collections.NewKeySet(sb, types.FaultsKey, "faults",
			collections.TripleKeyCodec(collections.BytesKey, collections.Uint64Key, collections.BytesKey)),
		Heads:       collections.NewMap(sb, types.HeadsKey, "heads", collections.BytesKey, codec.CollValue[enclaveapi.ContractStateHead](cdc)),
		KeyRequests: collections.NewMap(sb, types.KeyRequestsKey, "key_requests", collections.BytesKey, codec.CollValue[types.KeyRequest](cdc)),
		Assigned: collections.NewKeySet(sb, types.AssignedKey, "assigned",
			collections.PairKeyCodec(collections.BytesKey, collections.BytesKey)),
		WorkerLoad:   collections.NewMap(sb, types.WorkerLoadKey, "worker_load", collections.BytesKey, collections.Uint64Value),
		Understaffed: collections.NewKeySet(sb, types.UnderstaffedKey, "understaffed", collections.BytesKey),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority returns the account allowed to update the limits.
func (k Keeper) Authority() string { return k.authority }
