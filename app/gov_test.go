package app_test

import (
	"errors"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	confidentialtypes "github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
	npostypes "github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// TestGovRefusesInvalidParamsAtSubmission checks that a proposal replacing a
// phala module's params with invalid ones (here: a JSON that set one field
// and left the others zero) is refused when submitted, not after the vote,
// and that the same proposal with valid params is accepted.
func TestGovRefusesInvalidParamsAtSubmission(t *testing.T) {
	g := apptest.New(t)
	g.AddValidator(t, pha.MulRaw(10))
	ctx, _ := g.InitModules(t)
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	proposer := g.Fund(t, pha.MulRaw(10)).Address

	nposParams, err := g.App.StakingKeeper.Params.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	registryParams, err := g.App.RegistryKeeper.Params.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	confidentialParams, err := g.App.ConfidentialKeeper.Params.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		invalid, valid sdk.Msg
	}{
		{"staking-npos",
			&npostypes.MsgUpdateParams{Authority: gov, Params: npostypes.Params{EraLength: 10}},
			&npostypes.MsgUpdateParams{Authority: gov, Params: nposParams}},
		{"registry",
			&registrytypes.MsgUpdateParams{Authority: gov, Params: registrytypes.Params{AllowSimulation: true}},
			&registrytypes.MsgUpdateParams{Authority: gov, Params: registryParams}},
		{"confidential",
			&confidentialtypes.MsgUpdateParams{Authority: gov},
			&confidentialtypes.MsgUpdateParams{Authority: gov, Params: confidentialParams}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache, _ := ctx.CacheContext()
			_, err := g.App.GovKeeper.SubmitProposal(cache, []sdk.Msg{tc.invalid}, "", "params", "invalid params", proposer, false)
			if !errors.Is(err, govtypes.ErrInvalidProposalMsg) {
				t.Fatalf("invalid params: err %v, want %v", err, govtypes.ErrInvalidProposalMsg)
			}
			if _, err := g.App.GovKeeper.SubmitProposal(cache, []sdk.Msg{tc.valid}, "", "params", "valid params", proposer, false); err != nil {
				t.Fatalf("valid params refused: %v", err)
			}
		})
	}
}
