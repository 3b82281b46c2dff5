package confidential

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
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
					Short:     "Show the contract limits: code size, message size, fuel per call",
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Msg_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "UpdateParams", Skip: true}, // update-params-proposal: client/cli (merges changes into the current params),
			},
		},
	}
}
