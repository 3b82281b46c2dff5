package stakingnpos

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/cosmos/cosmos-sdk/version"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
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
					Short:     "Show the staking-npos parameters",
				},
				{
					RpcMethod: "Validators",
					Use:       "validators",
					Short:     "List validator candidates with their status (active, waiting, jailed) and voting power",
					Example:   fmt.Sprintf("%s query stakingnpos validators --status VALIDATOR_STATUS_ACTIVE", version.AppName),
				},
				{
					RpcMethod:      "Validator",
					Use:            "validator <operator-address>",
					Short:          "Show one validator candidate",
					Example:        fmt.Sprintf("%s query stakingnpos validator phalavaloper1...", version.AppName),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "operator_address"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod:      "UpdateParams",
					Use:            "update-params-proposal <params-json>",
					Short:          "Submit a governance proposal replacing all staking-npos parameters",
					Example:        fmt.Sprintf(`%s tx stakingnpos update-params-proposal '{"bond_denom":"upha","validator_count":100,"min_validator_bond":"1000000"}' --from alice --deposit 10000000upha`, version.AppName),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
