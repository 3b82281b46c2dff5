package registry

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// AutoCLIOptions describes the module's commands for autocli.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Params",
					Use:       "params",
					Short:     "Show the attestation policy: allowed enclaves, accepted TCB statuses, collateral age, simulation",
				},
				{
					RpcMethod:      "Worker",
					Use:            "worker <identity-pubkey-hex>",
					Short:          "Show a worker: operator, endpoint, backend (sgx, or sim: INSECURE), measurement, TCB status, heights",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "identity_pubkey"}},
				},
				{
					RpcMethod: "Workers",
					Use:       "workers",
					Short:     "List the registered workers",
				},
				{
					RpcMethod:      "Collateral",
					Use:            "collateral <fmspc-hex>",
					Short:          "Show the Intel collateral stored for a platform family (FMSPC)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "fmspc"}},
				},
				{
					RpcMethod: "Gatekeepers",
					Use:       "gatekeepers",
					Short:     "List the gatekeepers",
				},
				{
					RpcMethod:      "Unbondings",
					Use:            "unbondings <operator>",
					Short:          "List an operator's worker stake on its way back, with release times",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "operator"}},
				},
				{
					RpcMethod: "MasterKey",
					Use:       "master-key",
					Short:     "Show the master public key the first gatekeeper published",
				},
				{
					RpcMethod:      "WorkerStatus",
					Use:            "worker-status <identity-pubkey-hex>",
					Short:          "Show a worker's heartbeats: responsive or not, open challenge, score, misses, slashed and rewarded totals",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "identity_pubkey"}},
				},
				{
					RpcMethod: "Beacon",
					Use:       "beacon",
					Short:     "Show the newest gatekeeper randomness that seeds heartbeat challenges",
				},
				{
					RpcMethod: "ReportData",
					Use:       "report-data <operator> <identity-pubkey-hex> <ecdh-pubkey-hex>",
					Short:     "Show the report data an enclave must attest to register with these keys and operator",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "operator"}, {ProtoField: "identity_pubkey"}, {ProtoField: "ecdh_pubkey"},
					},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Msg_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				// Custom commands in client/cli: update-params-proposal (merges changes
				// into the current params) and the worker commands (files, hex keys).
				{RpcMethod: "UpdateParams", Skip: true},
				{RpcMethod: "RegisterWorker", Skip: true},
				{RpcMethod: "SubmitCollateral", Skip: true},
				{RpcMethod: "UpdateEndpoint", Skip: true},
				{RpcMethod: "RenewWorker", Skip: true},
				{
					RpcMethod:      "BondWorker",
					Use:            "bond-worker <identity-pubkey-hex> <amount>",
					Short:          "Add stake to your worker (it serves once bonded at least min_worker_bond)",
					Example:        "phalad tx registry bond-worker <hex> 1000000000upha --from operator",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "identity_pubkey"}, {ProtoField: "amount"}},
				},
				{
					RpcMethod:      "UnbondWorker",
					Use:            "unbond-worker <identity-pubkey-hex> <amount>",
					Short:          "Withdraw stake from your worker; it returns after unbonding_time",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "identity_pubkey"}, {ProtoField: "amount"}},
				},
				{
					RpcMethod:      "DeregisterWorker",
					Use:            "deregister-worker <identity-pubkey-hex>",
					Short:          "Take your worker out of service; it is removed and its bond returned after unbonding_time",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "identity_pubkey"}},
				},
				{
					RpcMethod: "SubmitEgress",
					Use:       "submit-egress <worker-hex> <sequence> <payload-file|hex> <signature-hex>",
					Short:     "Deliver a message an enclave signed (normally its sidecar does); anyone may",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "worker"}, {ProtoField: "sequence"}, {ProtoField: "payload"}, {ProtoField: "signature"},
					},
				},
				{
					RpcMethod:      "AddGatekeeper",
					Use:            "add-gatekeeper <identity-pubkey-hex>",
					Short:          "Propose (governance) making a registered worker a gatekeeper",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "identity_pubkey"}},
					GovProposal:    true,
				},
				{
					RpcMethod: "RotateMasterKey",
					Use:       "rotate-master-key",
					Short:     "Propose (governance) rotating the master key: a gatekeeper generates the next generation; old ones are kept for old data",
					Long: "Propose (governance) rotating the master key. The leader (--leader, the identity key; default: the gatekeeper that " +
						"published the current key, else the first gatekeeper) generates the next generation inside its enclave and publishes it; " +
						"it then shares every generation with the other gatekeepers. Proposing again while a rotation is pending re-asks.",
					GovProposal: true,
				},
				{
					RpcMethod:      "RemoveGatekeeper",
					Use:            "remove-gatekeeper <identity-pubkey-hex>",
					Short:          "Propose (governance) removing a gatekeeper",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "identity_pubkey"}},
					GovProposal:    true,
				},
			},
		},
	}
}
