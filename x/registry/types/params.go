package types

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/enclave/attestation"
)

// TCB statuses Intel assigns to a platform, as spelled in TCB info (v3).
// "Revoked" is deliberately absent: a revoked platform is never accepted.
const (
	TCBUpToDate                          = "UpToDate"
	TCBSWHardeningNeeded                 = "SWHardeningNeeded"
	TCBConfigurationNeeded               = "ConfigurationNeeded"
	TCBConfigurationAndSWHardeningNeeded = "ConfigurationAndSWHardeningNeeded"
	TCBOutOfDate                         = "OutOfDate"
	TCBOutOfDateConfigurationNeeded      = "OutOfDateConfigurationNeeded"
)

var acceptableTCBStatuses = map[string]bool{
	TCBUpToDate: true, TCBSWHardeningNeeded: true, TCBConfigurationNeeded: true,
	TCBConfigurationAndSWHardeningNeeded: true, TCBOutOfDate: true, TCBOutOfDateConfigurationNeeded: true,
}

// DefaultMaxCollateralAge is how old Intel collateral may be by default. Intel
// reissues TCB info and QE identity with a 30-day next-update window.
const DefaultMaxCollateralAge = 30 * 24 * time.Hour

// DefaultUnbondingTime keeps unbonded worker stake for a week.
const DefaultUnbondingTime = 7 * 24 * time.Hour

// Heartbeat defaults, for 6-second blocks: a worker is challenged about
// every ten minutes and has two minutes to answer; a miss burns 0.1% of
// its bond.
const (
	DefaultHeartbeatPeriod = 100
	DefaultHeartbeatWindow = 20
	// MinHeartbeatWindow leaves room for the round trip: the challenge is
	// provable one block after it is queued, and the answer is a transaction
	// in a later block.
	MinHeartbeatWindow = 3
)

// DefaultUnresponsiveSlashFraction is burned from the bond per missed challenge.
var DefaultUnresponsiveSlashFraction = math.LegacyNewDecWithPrec(1, 3)

// DefaultMinWorkerBond is 1,000 PHA.
var DefaultMinWorkerBond = sdk.NewCoin(appconfig.BondDenom, math.NewInt(1_000_000_000))

// DefaultParams is the policy of a new chain: no enclave allowed until
// governance names one, up-to-date platforms (or ones needing only software
// hardening), simulation refused.
func DefaultParams() Params {
	return Params{
		AcceptedTcbStatuses: []string{TCBUpToDate, TCBSWHardeningNeeded},
		MaxCollateralAge:    DefaultMaxCollateralAge,
		AllowSimulation:     false,
		MinWorkerBond:       DefaultMinWorkerBond,
		UnbondingTime:       DefaultUnbondingTime,

		HeartbeatPeriod:           DefaultHeartbeatPeriod,
		HeartbeatWindow:           DefaultHeartbeatWindow,
		UnresponsiveSlashFraction: DefaultUnresponsiveSlashFraction,
		// No worker rewards until governance sets a budget.
		WorkerRewardPerEra: sdk.NewCoin(appconfig.BondDenom, math.ZeroInt()),
	}
}

// Validate checks that the policy is well formed.
func (p Params) Validate() error {
	for i, id := range p.AllowedEnclaves {
		if err := id.Validate(); err != nil {
			return fmt.Errorf("allowed_enclaves[%d]: %w", i, err)
		}
	}
	seen := map[string]bool{}
	for _, s := range p.AcceptedTcbStatuses {
		if !acceptableTCBStatuses[s] {
			return fmt.Errorf("accepted_tcb_statuses: %q is not an acceptable Intel TCB status (one of UpToDate, SWHardeningNeeded, ConfigurationNeeded, ConfigurationAndSWHardeningNeeded, OutOfDate, OutOfDateConfigurationNeeded)", s)
		}
		if seen[s] {
			return fmt.Errorf("accepted_tcb_statuses: %q is listed twice", s)
		}
		seen[s] = true
	}
	if p.MaxCollateralAge <= 0 {
		return fmt.Errorf("max_collateral_age must be positive, got %s", p.MaxCollateralAge)
	}
	if err := p.MinWorkerBond.Validate(); err != nil {
		return fmt.Errorf("min_worker_bond: %w", err)
	}
	if p.UnbondingTime <= 0 {
		return fmt.Errorf("unbonding_time must be positive, got %s", p.UnbondingTime)
	}
	if p.HeartbeatPeriod < 1 {
		return fmt.Errorf("heartbeat_period must be at least 1 block, got %d", p.HeartbeatPeriod)
	}
	if p.HeartbeatWindow < MinHeartbeatWindow {
		return fmt.Errorf("heartbeat_window must be at least %d blocks (a challenge needs a block to be provable and another to answer), got %d", MinHeartbeatWindow, p.HeartbeatWindow)
	}
	if f := p.UnresponsiveSlashFraction; f.IsNil() || f.IsNegative() || f.GT(math.LegacyOneDec()) {
		return fmt.Errorf("unresponsive_slash_fraction must be between 0 and 1, got %s", f)
	}
	if err := p.WorkerRewardPerEra.Validate(); err != nil {
		return fmt.Errorf("worker_reward_per_era: %w", err)
	}
	if p.WorkerRewardPerEra.Denom != p.MinWorkerBond.Denom {
		return fmt.Errorf("worker_reward_per_era must be in the bond denom %s, got %s", p.MinWorkerBond.Denom, p.WorkerRewardPerEra.Denom)
	}
	return nil
}

// Validate checks that exactly one measurement is given, as 32 bytes of hex.
func (id EnclaveIdentity) Validate() error {
	switch {
	case id.MrEnclave != "" && id.MrSigner != "":
		return fmt.Errorf("set mr_enclave or mr_signer, not both")
	case id.MrEnclave != "":
		return validateMeasurement("mr_enclave", id.MrEnclave)
	case id.MrSigner != "":
		return validateMeasurement("mr_signer", id.MrSigner)
	default:
		return fmt.Errorf("one of mr_enclave or mr_signer is required")
	}
}

func validateMeasurement(field, value string) error {
	b, err := hex.DecodeString(value)
	if err != nil {
		return fmt.Errorf("%s is not hex: %w", field, err)
	}
	if len(b) != 32 {
		return fmt.Errorf("%s is %d bytes, want 32", field, len(b))
	}
	return nil
}

// AttestationPolicy is the quote verification policy these params make: the
// chain refuses debug enclaves, and requires CRLs unless allow_missing_crl.
func (p Params) AttestationPolicy() attestation.Policy {
	policy := attestation.DefaultPolicy()
	policy.MaxCollateralAge = p.MaxCollateralAge
	policy.AllowMissingCRL = p.AllowMissingCrl
	for _, s := range p.AcceptedTcbStatuses {
		policy.AcceptedTCBStatuses = append(policy.AcceptedTCBStatuses, attestation.TCBStatus(s))
	}
	return policy
}

// Allows reports whether an enclave with measurement m is allowed.
func (p Params) Allows(mrEnclave, mrSigner [32]byte, isvProdID, isvSVN uint16) bool {
	for _, id := range p.AllowedEnclaves {
		match := (id.MrEnclave != "" && strings.EqualFold(id.MrEnclave, hex.EncodeToString(mrEnclave[:]))) ||
			(id.MrSigner != "" && strings.EqualFold(id.MrSigner, hex.EncodeToString(mrSigner[:])))
		if match && id.IsvProdId == uint32(isvProdID) && uint32(isvSVN) >= id.MinIsvSvn {
			return true
		}
	}
	return false
}
