package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	"github.com/phala-cosmos/phala-cosmos/x/internal/govparams"
)

// NewTxCmd returns the module's transaction command: update-params-proposal
// and store-code, to which autocli adds the commands it generates from the
// rest of the Msg service.
func NewTxCmd() *cobra.Command {
	cmd := govparams.NewTxCmd(govparams.Module[types.Params, *types.Params]{
		Name: types.ModuleName,
		Query: func(ctx context.Context, clientCtx client.Context) (types.Params, error) {
			res, err := types.NewQueryClient(clientCtx).Params(ctx, &types.QueryParamsRequest{})
			if err != nil {
				return types.Params{}, err
			}
			return res.Params, nil
		},
		Msg: func(authority string, p types.Params) sdk.Msg {
			return &types.MsgUpdateParams{Authority: authority, Params: p}
		},
		Example: `{"max_fuel_per_call":"200000000"}`,
	})
	cmd.AddCommand(StoreCodeCmd(), InstantiateCmd(), ExecuteCmd())
	return cmd
}
