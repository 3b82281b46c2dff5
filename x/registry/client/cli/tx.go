package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/x/internal/govparams"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// NewTxCmd returns the module's transaction command with the commands
// written by hand; autocli adds the rest from the Msg service.
func NewTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        types.ModuleName,
		Short:                      "Transactions of the " + types.ModuleName + " module",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(govparams.NewCmd(govparams.Module[types.Params, *types.Params]{
		Name: types.ModuleName,
		Query: func(ctx context.Context, clientCtx client.Context) (types.Params, error) {
			res, err := types.NewQueryClient(clientCtx).Params(ctx, &types.QueryParamsRequest{})
			if err != nil {
				return types.Params{}, err
			}
			return res.Params, nil
		},
		Msg: func(authority string, params types.Params) sdk.Msg {
			return &types.MsgUpdateParams{Authority: authority, Params: params}
		},
		Example: `{"allow_simulation":false,"max_collateral_age":"604800s"}`,
	}))
	return cmd
}
