package types

import errorsmod "cosmossdk.io/errors"

// Errors of x/staking-npos. Codes are stable: never renumber them.
var (
	ErrInvalidParams      = errorsmod.Register(ModuleName, 2, "invalid staking-npos params")
	ErrInvalidSigner      = errorsmod.Register(ModuleName, 3, "signer is not the module authority")
	ErrValidatorNotFound  = errorsmod.Register(ModuleName, 4, "validator not found")
	ErrDuplicateValidator = errorsmod.Register(ModuleName, 5, "duplicate validator")
	ErrInvalidValidator   = errorsmod.Register(ModuleName, 6, "invalid validator")
	ErrBondedPoolMismatch = errorsmod.Register(ModuleName, 7, "bonded pool balance does not match the sum of bonds")
	ErrInvalidGenesis     = errorsmod.Register(ModuleName, 8, "invalid staking-npos genesis")
)
