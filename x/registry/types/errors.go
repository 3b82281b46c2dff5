package types

import errorsmod "cosmossdk.io/errors"

// Errors of x/registry. Codes are stable: never renumber them.
var (
	ErrInvalidParams         = errorsmod.Register(ModuleName, 2, "invalid attestation policy")
	ErrInvalidSigner         = errorsmod.Register(ModuleName, 3, "signer is not the module authority")
	ErrInvalidWorker         = errorsmod.Register(ModuleName, 4, "invalid worker registration")
	ErrAttestation           = errorsmod.Register(ModuleName, 5, "attestation failed")
	ErrSimulationNotAllowed  = errorsmod.Register(ModuleName, 6, "simulated enclaves are not allowed")
	ErrMeasurementNotAllowed = errorsmod.Register(ModuleName, 7, "enclave measurement not allowed")
	ErrReportDataBinding     = errorsmod.Register(ModuleName, 8, "report data does not commit to this registration")
	ErrWorkerExists          = errorsmod.Register(ModuleName, 9, "worker already registered")
	ErrWorkerNotFound        = errorsmod.Register(ModuleName, 10, "worker not found")
	ErrNoCollateral          = errorsmod.Register(ModuleName, 11, "no collateral for this platform")
	ErrCollateralNotNewer    = errorsmod.Register(ModuleName, 12, "collateral is not newer than the stored one")
	ErrNotOperator           = errorsmod.Register(ModuleName, 13, "signer is not the worker's operator")
	ErrInvalidCollateral     = errorsmod.Register(ModuleName, 14, "invalid collateral")
)

// Errors of worker stake and gatekeepers.
var (
	ErrWorkerDeregistering = errorsmod.Register(ModuleName, 15, "worker is deregistering")
	ErrInsufficientBond    = errorsmod.Register(ModuleName, 16, "insufficient worker bond")
	ErrWrongDenom          = errorsmod.Register(ModuleName, 17, "wrong bond denom")
	ErrGatekeeper          = errorsmod.Register(ModuleName, 18, "gatekeeper change refused")
)

// Errors of the enclave-to-chain channel.
var (
	ErrEgressSignature = errorsmod.Register(ModuleName, 19, "egress signature does not verify")
	ErrEgressReplay    = errorsmod.Register(ModuleName, 20, "egress message already used")
	ErrEgressGap       = errorsmod.Register(ModuleName, 21, "egress message out of order")
)

// Errors of heartbeats.
var (
	ErrNoChallenge = errorsmod.Register(ModuleName, 22, "no such heartbeat challenge")
	ErrRotation    = errorsmod.Register(ModuleName, 23, "master key rotation refused")
)

// Errors of the scheduling view.
var (
	ErrNoMasterKey = errorsmod.Register(ModuleName, 24, "no master key is published yet: the first gatekeeper publishes it")
)
