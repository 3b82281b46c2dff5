package types

import (
	"fmt"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
)

// Default limits.
const (
	// DefaultMaxCodeSize is the largest contract module by default: 6 MiB
	// uncompressed (a Go contract built with the SDK is about 3.7 MB).
	DefaultMaxCodeSize = 6 << 20
	// DefaultMaxMessageSize is the largest encrypted command or state blob by default: 64 KiB.
	DefaultMaxMessageSize = 64 << 10
	// DefaultMaxFuelPerCall is the most fuel one call may burn by default
	// (a hello command burns about 4.5 million).
	DefaultMaxFuelPerCall = 100_000_000
	// DefaultReplicas is how many workers run each contract by default.
	DefaultReplicas = 1
	// DefaultKeyRequestTimeout is how many blocks a gatekeeper has by
	// default to answer for a contract's key before another is asked.
	DefaultKeyRequestTimeout = 20
)

// Hard ceilings no governance vote may exceed: a contract or message must
// fit comfortably in a block.
const (
	MaxCodeSizeCeiling    = 16 << 20
	MaxMessageSizeCeiling = 4 << 20
	MaxReplicasCeiling    = 16
)

// DefaultFeePerMegaFuel is the default price of a million units of fuel.
func DefaultFeePerMegaFuel() sdk.Coin { return sdk.NewInt64Coin(appconfig.BondDenom, 1000) }

// DefaultParams returns the default limits.
func DefaultParams() Params {
	return Params{
		MaxCodeSize:    DefaultMaxCodeSize,
		MaxMessageSize: DefaultMaxMessageSize,
		MaxFuelPerCall: DefaultMaxFuelPerCall,
		Replicas:       DefaultReplicas,
		FeePerMegaFuel: DefaultFeePerMegaFuel(),

		KeyRequestTimeout: DefaultKeyRequestTimeout,
	}
}

// Validate checks that every limit is positive and under its ceiling.
func (p Params) Validate() error {
	if p.MaxCodeSize == 0 || p.MaxCodeSize > MaxCodeSizeCeiling {
		return fmt.Errorf("max_code_size must be in [1, %d], got %d", MaxCodeSizeCeiling, p.MaxCodeSize)
	}
	if p.MaxMessageSize == 0 || p.MaxMessageSize > MaxMessageSizeCeiling {
		return fmt.Errorf("max_message_size must be in [1, %d], got %d", MaxMessageSizeCeiling, p.MaxMessageSize)
	}
	if p.MaxFuelPerCall == 0 {
		return fmt.Errorf("max_fuel_per_call must be positive")
	}
	if p.Replicas == 0 || p.Replicas > MaxReplicasCeiling {
		return fmt.Errorf("replicas must be in [1, %d], got %d", MaxReplicasCeiling, p.Replicas)
	}
	if err := p.FeePerMegaFuel.Validate(); err != nil {
		return fmt.Errorf("fee_per_mega_fuel: %w", err)
	}
	if p.KeyRequestTimeout == 0 {
		return fmt.Errorf("key_request_timeout must be at least 1 block")
	}
	return nil
}

// Fee is what fuel units cost at the params' price, rounded up.
func (p Params) Fee(fuel uint64) sdk.Coin {
	amount := p.FeePerMegaFuel.Amount.Mul(math.NewIntFromUint64(fuel))
	amount = amount.Add(math.NewInt(999_999)).Quo(math.NewInt(1_000_000))
	return sdk.NewCoin(p.FeePerMegaFuel.Denom, amount)
}
