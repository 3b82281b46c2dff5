package confidential

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
)

// AutoCLIOptions describes the module's commands for autocli.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Query_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Params",
					Use:       "params",
					Short:     "Show the contract limits: code size, message size, fuel per call, replicas, fee, key request timeout",
				},
				{
					RpcMethod:      "Code",
					Use:            "code <code-id>",
					Short:          "Show an uploaded code: its hash, size, creator and height",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "code_id"}},
				},
				{
					RpcMethod: "Codes",
					Use:       "codes",
					Short:     "List the uploaded codes in id order",
				},
				{
					RpcMethod:      "CodeBytes",
					Use:            "code-bytes <code-id>",
					Short:          "Print a code's bytes as uploaded (base64; gzip-compressed if gzip is true)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "code_id"}},
				},
				{
					RpcMethod:      "Contract",
					Use:            "contract <address>",
					Short:          "Show a contract: its code, creator, published key, workers, state head (calls applied, state entries, balance) and any pending key request",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
				{
					RpcMethod:      "ContractState",
					Use:            "contract-state <address>",
					Short:          "Page through a contract's sealed state entries (ciphertext by id: what new workers restore from)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
				{
					RpcMethod:      "ContractWorkers",
					Use:            "contract-workers <address>",
					Short:          "List a contract's workers: their query endpoints, whether each is in service and whether it still awaits the contract's key",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
				{
					RpcMethod: "Contracts",
					Use:       "contracts",
					Short:     "List the contracts",
				},
				{
					RpcMethod:      "CallByTx",
					Use:            "call-by-tx <tx-hash>",
					Short:          "Find the contract call (init or command) a transaction queued, and whether it still waits",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "tx_hash"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Msg_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "UpdateParams", Skip: true}, // update-params-proposal: client/cli (merges changes into the current params),
				{RpcMethod: "StoreCode", Skip: true},    // store-code: client/cli (checks and compresses the file)
				// Instantiate and Execute take ciphertexts; their commands (client/cli)
				// seal the JSON message to the verified contract key.
				{RpcMethod: "Instantiate", Skip: true},
				{RpcMethod: "Execute", Skip: true},
			},
		},
	}
}
