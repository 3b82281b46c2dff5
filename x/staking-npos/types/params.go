package types

import (
	"fmt"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Default parameter values.
const (
	// DefaultValidatorCount is the default size of the active set.
	DefaultValidatorCount uint32 = 100
)

// DefaultMinValidatorBond is the default smallest self-bond: one token of
// the bond denomination at six decimals (1 PHA).
var DefaultMinValidatorBond = math.NewInt(1_000_000)

// DefaultParams returns the default parameters. The bond denom is the SDK's
// default bond denom, which the app sets to upha.
func DefaultParams() Params {
	return Params{
		BondDenom:        sdk.DefaultBondDenom,
		ValidatorCount:   DefaultValidatorCount,
		MinValidatorBond: DefaultMinValidatorBond,
	}
}

// Validate checks that the parameters are usable.
func (p Params) Validate() error {
	if err := sdk.ValidateDenom(p.BondDenom); err != nil {
		return fmt.Errorf("bond_denom: %w", err)
	}
	if p.ValidatorCount == 0 {
		return fmt.Errorf("validator_count must be positive")
	}
	if p.MinValidatorBond.IsNil() || !p.MinValidatorBond.IsPositive() {
		return fmt.Errorf("min_validator_bond must be positive, got %s", p.MinValidatorBond)
	}
	return nil
}
