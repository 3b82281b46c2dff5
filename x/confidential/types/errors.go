package types

import errorsmod "cosmossdk.io/errors"

// Errors of x/confidential. Codes are stable: never renumber them.
var (
	ErrInvalidParams    = errorsmod.Register(ModuleName, 2, "invalid contract limits")
	ErrInvalidSigner    = errorsmod.Register(ModuleName, 3, "signer is not the module authority")
	ErrInvalidCode      = errorsmod.Register(ModuleName, 4, "invalid contract code")
	ErrCodeNotFound     = errorsmod.Register(ModuleName, 5, "no such code")
	ErrContractNotFound = errorsmod.Register(ModuleName, 6, "no such contract")
	ErrLabelTaken       = errorsmod.Register(ModuleName, 7, "label already used by this creator")
	ErrInvalidCall      = errorsmod.Register(ModuleName, 8, "invalid sealed call")
	ErrFuelLimit        = errorsmod.Register(ModuleName, 9, "invalid fuel limit")
	ErrNonceReused      = errorsmod.Register(ModuleName, 10, "nonce already used: a replayed command")
	ErrNoWorkers        = errorsmod.Register(ModuleName, 11, "no worker can take the contract")
	ErrNoGatekeeper     = errorsmod.Register(ModuleName, 12, "no gatekeeper to derive the contract key")
	ErrKeyNotPublished  = errorsmod.Register(ModuleName, 13, "the contract's key is not published yet")
	ErrInvalidLabel     = errorsmod.Register(ModuleName, 14, "invalid label")
)
