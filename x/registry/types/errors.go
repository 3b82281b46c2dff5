package types

import errorsmod "cosmossdk.io/errors"

// Errors of x/registry. Codes are stable: never renumber them.
var (
	ErrInvalidParams = errorsmod.Register(ModuleName, 2, "invalid attestation policy")
	ErrInvalidSigner = errorsmod.Register(ModuleName, 3, "signer is not the module authority")
)
