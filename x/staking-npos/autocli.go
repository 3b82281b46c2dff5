package stakingnpos

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	// autocli decodes the JSON of an Any (validate's consensus key) with the
	// protobuf global registry, where only the api package registers the
	// ed25519 key type.
	_ "cosmossdk.io/api/cosmos/crypto/ed25519"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// AutoCLIOptions describes the module's commands for autocli.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	app := version.AppName
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the staking-npos parameters"},
				{
					RpcMethod: "Validators", Use: "validators",
					Short:   "List validator candidates with status (elected, waiting, chilled, jailed), bond and voting power",
					Example: fmt.Sprintf("%s query stakingnpos validators --status VALIDATOR_STATUS_WAITING", app),
				},
				{
					RpcMethod: "Validator", Use: "validator <operator-address>", Short: "Show one validator candidate",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "operator_address"}},
				},
				{
					RpcMethod: "Ledger", Use: "ledger <address>", Short: "Show an account's bond: total, active and unlocking chunks",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
				{RpcMethod: "Nominators", Use: "nominators", Short: "List nominators with their targets and active bond"},
				{
					RpcMethod: "Nominator", Use: "nominator <address>", Short: "Show one nominator",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
				{RpcMethod: "CurrentEra", Use: "current-era", Short: "Show the current era and the height the next one starts at"},
				{
					RpcMethod: "Exposure", Use: "exposure <era> <operator-address>",
					Short:          "Show the stake behind a validator in an era (one page of nominators, --page)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "era"}, {ProtoField: "operator_address"}},
				},
				{
					RpcMethod: "EraRewards", Use: "era-rewards <era>", Short: "Show an era's payout and reward points",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "era"}},
				},
				{RpcMethod: "ElectionPreview", Use: "election-preview", Short: "Run the next era's election on the current bonds, without changing anything"},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Msg_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "Bond", Use: "bond <amount>", Short: "Bond funds of the --from account",
					Example:        fmt.Sprintf("%s tx stakingnpos bond 1000000000upha --from alice", app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "amount"}},
				},
				{
					RpcMethod: "BondExtra", Use: "bond-extra <amount>", Short: "Add funds to the --from account's bond",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "amount"}},
				},
				{
					RpcMethod: "Unbond", Use: "unbond <amount>", Short: "Start unlocking part of the active bond (withdrawable after unbonding_eras)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "amount"}},
				},
				{RpcMethod: "WithdrawUnbonded", Use: "withdraw-unbonded", Short: "Return every unlocked chunk to the --from account"},
				{
					RpcMethod: "Rebond", Use: "rebond <amount>", Short: "Move unlocking funds back into the active bond",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "amount"}},
				},
				{
					RpcMethod: "Validate", Use: "validate <pubkey-json> <commission>",
					Short:          "Declare the intent to validate with a consensus key (as printed by 'phalad comet show-validator')",
					Example:        fmt.Sprintf(`%s tx stakingnpos validate "$(%s comet show-validator)" 0.05 --description '{"moniker":"mynode"}' --from mykey`, app, app),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "pubkey"}, {ProtoField: "commission"}},
					FlagOptions: map[string]*autocliv1.FlagOptions{
						"description": {Name: "description", Usage: `description as JSON: {"moniker":"...","website":"..."}`},
					},
				},
				{
					RpcMethod: "Nominate", Use: "nominate <operator-address>...", Short: "Back up to max_nominations candidates with the active bond",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "targets", Varargs: true}},
				},
				{RpcMethod: "Chill", Use: "chill", Short: "Withdraw the intent to validate or nominate (from the next era)"},
				{
					RpcMethod: "PayoutStakers", Use: "payout-stakers <operator-address> <era>",
					Short:          "Pay a validator and its nominators their reward for a finished era (one page, --page)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "operator_address"}, {ProtoField: "era"}},
				},
				{RpcMethod: "UpdateParams", Skip: true}, // update-params-proposal: client/cli (merges changes into the current params),
			},
		},
	}
}
