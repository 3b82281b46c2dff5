package types

import "fmt"

// Default limits.
const (
	// DefaultMaxCodeSize is the largest contract module by default: 2 MiB.
	DefaultMaxCodeSize = 2 << 20
	// DefaultMaxMessageSize is the largest encrypted command or state blob by default: 64 KiB.
	DefaultMaxMessageSize = 64 << 10
	// DefaultMaxFuelPerCall is the most fuel one call may burn by default.
	DefaultMaxFuelPerCall = 100_000_000
)

// Hard ceilings no governance vote may exceed: a contract or message must
// fit comfortably in a block.
const (
	MaxCodeSizeCeiling    = 8 << 20
	MaxMessageSizeCeiling = 4 << 20
)

// DefaultParams returns the default limits.
func DefaultParams() Params {
	return Params{
		MaxCodeSize:    DefaultMaxCodeSize,
		MaxMessageSize: DefaultMaxMessageSize,
		MaxFuelPerCall: DefaultMaxFuelPerCall,
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
	return nil
}
