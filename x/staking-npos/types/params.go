package types

import (
	"fmt"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Default parameter values of a new chain.
const (
	DefaultValidatorCount     uint32 = 100
	DefaultMaxNominations     uint32 = 16
	DefaultMaxElectingVoters  uint32 = 22_500
	DefaultEraLength          uint64 = 14_400 // about a day of 6-second blocks
	DefaultUnbondingEras      uint32 = 7
	DefaultHistoryDepth       uint32 = 84
	DefaultSlashDeferEras     uint32 = 2
	DefaultBalancingIters     uint32 = 10
	DefaultMaxExposurePage    uint32 = 512
	DefaultExpectedBlockTime         = 6 * time.Second
	maxSupportedValidators    uint32 = 1_000
	maxSupportedNominations   uint32 = 64
	maxSupportedBalancingIter uint32 = 100
)

// Default bond minimums: 1 PHA to validate, 0.1 PHA to nominate (in upha).
var (
	DefaultMinValidatorBond = math.NewInt(1_000_000)
	DefaultMinNominatorBond = math.NewInt(100_000)
	// DefaultInflationRate is the yearly reward issuance: 5% of the supply.
	DefaultInflationRate = math.LegacyNewDecWithPrec(5, 2)
)

// DefaultParams returns the default parameters. The bond denom is the SDK's
// default bond denom, which the app sets to upha.
func DefaultParams() Params {
	return Params{
		BondDenom:           sdk.DefaultBondDenom,
		ValidatorCount:      DefaultValidatorCount,
		MinValidatorBond:    DefaultMinValidatorBond,
		MinNominatorBond:    DefaultMinNominatorBond,
		MaxNominations:      DefaultMaxNominations,
		MaxElectingVoters:   DefaultMaxElectingVoters,
		EraLength:           DefaultEraLength,
		UnbondingEras:       DefaultUnbondingEras,
		HistoryDepth:        DefaultHistoryDepth,
		SlashDeferEras:      DefaultSlashDeferEras,
		Algorithm:           ELECTION_ALGORITHM_SEQ_PHRAGMEN,
		BalancingIterations: DefaultBalancingIters,
		BalancingTolerance:  math.ZeroInt(),
		InflationRate:       DefaultInflationRate,
		ExpectedBlockTime:   DefaultExpectedBlockTime,
		MaxExposurePageSize: DefaultMaxExposurePage,
	}
}

// Validate checks that the parameters are usable.
func (p Params) Validate() error {
	if err := sdk.ValidateDenom(p.BondDenom); err != nil {
		return fmt.Errorf("bond_denom: %w", err)
	}
	checks := []struct {
		ok  bool
		msg string
	}{
		{p.ValidatorCount > 0 && p.ValidatorCount <= maxSupportedValidators, fmt.Sprintf("validator_count must be in [1, %d]", maxSupportedValidators)},
		{isPositive(p.MinValidatorBond), "min_validator_bond must be positive"},
		{isPositive(p.MinNominatorBond), "min_nominator_bond must be positive"},
		{p.MaxNominations > 0 && p.MaxNominations <= maxSupportedNominations, fmt.Sprintf("max_nominations must be in [1, %d]", maxSupportedNominations)},
		{p.MaxElectingVoters > 0, "max_electing_voters must be positive"},
		{p.EraLength >= 2, "era_length must be at least 2 blocks"},
		{p.UnbondingEras > 0, "unbonding_eras must be positive"},
		{p.HistoryDepth > 0, "history_depth must be positive"},
		{p.SlashDeferEras < p.UnbondingEras, "slash_defer_eras must be less than unbonding_eras, so unbonding funds are still there to slash"},
		{p.Algorithm == ELECTION_ALGORITHM_SEQ_PHRAGMEN || p.Algorithm == ELECTION_ALGORITHM_PHRAGMMS, "algorithm is unknown"},
		{p.BalancingIterations <= maxSupportedBalancingIter, fmt.Sprintf("balancing_iterations must be at most %d", maxSupportedBalancingIter)},
		{!p.BalancingTolerance.IsNil() && !p.BalancingTolerance.IsNegative(), "balancing_tolerance must not be negative"},
		{!p.InflationRate.IsNil() && !p.InflationRate.IsNegative() && p.InflationRate.LTE(math.LegacyOneDec()), "inflation_rate must be in [0, 1]"},
		{p.ExpectedBlockTime > 0, "expected_block_time must be positive"},
		{p.MaxExposurePageSize > 0, "max_exposure_page_size must be positive"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%s", c.msg)
		}
	}
	return nil
}

func isPositive(i math.Int) bool { return !i.IsNil() && i.IsPositive() }

// UnbondingTime is how long unbonded funds stay locked, as relayers and IBC
// light clients need it: unbonding eras × era length × expected block time.
func (p Params) UnbondingTime() time.Duration {
	return time.Duration(p.UnbondingEras) * time.Duration(p.EraLength) * p.ExpectedBlockTime
}

// EraPayout is the reward minted for one era: the yearly inflation rate of
// the supply, pro rata to the era's expected share of a year.
func (p Params) EraPayout(supply math.Int) math.Int {
	const year = 365*24*time.Hour + 6*time.Hour // a Julian year
	eraDuration := math.NewIntFromUint64(p.EraLength).Mul(math.NewInt(int64(p.ExpectedBlockTime)))
	return p.InflationRate.MulInt(supply).MulInt(eraDuration).QuoInt(math.NewInt(int64(year))).TruncateInt()
}
