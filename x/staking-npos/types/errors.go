package types

import errorsmod "cosmossdk.io/errors"

// Errors of x/staking-npos. Codes are stable: never renumber them.
var (
	ErrInvalidParams        = errorsmod.Register(ModuleName, 2, "invalid staking-npos params")
	ErrInvalidSigner        = errorsmod.Register(ModuleName, 3, "signer is not the module authority")
	ErrValidatorNotFound    = errorsmod.Register(ModuleName, 4, "validator not found")
	ErrDuplicateValidator   = errorsmod.Register(ModuleName, 5, "duplicate validator")
	ErrInvalidValidator     = errorsmod.Register(ModuleName, 6, "invalid validator")
	ErrBondedPoolMismatch   = errorsmod.Register(ModuleName, 7, "bonded pool balance does not match the sum of bonds")
	ErrInvalidGenesis       = errorsmod.Register(ModuleName, 8, "invalid staking-npos genesis")
	ErrNotBonded            = errorsmod.Register(ModuleName, 9, "account has no bond")
	ErrAlreadyBonded        = errorsmod.Register(ModuleName, 10, "account is already bonded")
	ErrInsufficientBond     = errorsmod.Register(ModuleName, 11, "bond below the minimum")
	ErrInvalidAmount        = errorsmod.Register(ModuleName, 12, "invalid amount")
	ErrTooManyChunks        = errorsmod.Register(ModuleName, 13, "too many unlocking chunks")
	ErrTooManyNominations   = errorsmod.Register(ModuleName, 14, "too many nominations")
	ErrInvalidNominations   = errorsmod.Register(ModuleName, 15, "invalid nominations")
	ErrInvalidConsensusKey  = errorsmod.Register(ModuleName, 16, "invalid consensus key")
	ErrEraOutOfHistory      = errorsmod.Register(ModuleName, 17, "era outside the kept history")
	ErrNoExposure           = errorsmod.Register(ModuleName, 18, "validator was not elected in that era")
	ErrRewardAlreadyClaimed = errorsmod.Register(ModuleName, 19, "reward already claimed")
	ErrNothingToWithdraw    = errorsmod.Register(ModuleName, 20, "nothing to withdraw")
)
