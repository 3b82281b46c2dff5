package registry

import (
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/cosmos/cosmos-sdk/version"

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
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "UpdateParams",
					Use:       "update-params-proposal <params-json>",
					Short:     "Submit a governance proposal replacing the whole attestation policy",
					Example: fmt.Sprintf(`%s tx registry update-params-proposal '{"allowed_enclaves":[{"mr_enclave":"33d8...fbb","isv_prod_id":0,"min_isv_svn":0}],"accepted_tcb_statuses":["UpToDate"],"max_collateral_age":"2592000s","allow_simulation":false}' --from alice --deposit 10000000upha`,
						version.AppName),
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "params"}},
					GovProposal:    true,
				},
			},
		},
	}
}
