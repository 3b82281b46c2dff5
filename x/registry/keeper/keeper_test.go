package keeper_test

import (
	"errors"
	"testing"

	"cosmossdk.io/math"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/x/registry/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

func TestUpdateParams(t *testing.T) {
	g := apptest.New(t)
	v := g.AddValidator(t, math.NewInt(1_000_000))
	ctx, _ := g.InitModules(t)
	k := g.App.RegistryKeeper
	srv := keeper.NewMsgServerImpl(k)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()

	allow := types.DefaultParams()
	allow.AllowSimulation = true
	allow.AllowedEnclaves = []types.EnclaveIdentity{{MrSigner: "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6"}}
	broken := types.DefaultParams()
	broken.AcceptedTcbStatuses = []string{"Revoked"}

	for _, tc := range []struct {
		name    string
		msg     types.MsgUpdateParams
		wantErr error
	}{
		{"not the authority", types.MsgUpdateParams{Authority: v.Address.String(), Params: allow}, types.ErrInvalidSigner},
		{"invalid policy", types.MsgUpdateParams{Authority: gov, Params: broken}, types.ErrInvalidParams},
		{"valid", types.MsgUpdateParams{Authority: gov, Params: allow}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := k.Params.Get(ctx)
			_, err := srv.UpdateParams(ctx, &tc.msg)
			after, _ := k.Params.Get(ctx)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && before.String() != after.String() {
				t.Fatal("a refused update changed the policy")
			}
			if tc.wantErr == nil && after.String() != allow.String() {
				t.Fatalf("policy not updated: %s", after.String())
			}
		})
	}

	got, err := keeper.NewQuerier(k).Params(ctx, &types.QueryParamsRequest{})
	if err != nil || !got.Params.AllowSimulation {
		t.Fatalf("query after update: %v, %v", got, err)
	}
	exported, err := k.ExportGenesis(ctx)
	if err != nil || exported.Params.String() != allow.String() {
		t.Fatalf("export: %v, %v", exported, err)
	}
}
