package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// BankKeeper moves fees and funds.
type BankKeeper interface {
	SendCoins(ctx context.Context, from, to sdk.AccAddress, amt sdk.Coins) error
	SendCoinsFromAccountToModule(ctx context.Context, sender sdk.AccAddress, module string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, module string, recipient sdk.AccAddress, amt sdk.Coins) error
	// BlockedAddr reports a module account bank sends may not pay.
	BlockedAddr(addr sdk.AccAddress) bool
}

// RegistryKeeper is what x/confidential needs of x/registry: the workers and
// gatekeepers, the master key, randomness, and the ingress queues enclaves
// read with proofs.
type RegistryKeeper interface {
	Schedulable(ctx context.Context) ([]registrytypes.Schedulable, error)
	// GatekeeperCandidates lists the gatekeepers to ask, most likely to
	// answer for master key generation first.
	GatekeeperCandidates(ctx context.Context, generation uint32) ([][]byte, error)
	BeaconValue(ctx context.Context) ([]byte, error)
	CurrentMasterKey(ctx context.Context) (registrytypes.MasterKey, error)
	Enqueue(ctx context.Context, dest []byte, msg enclaveapi.IngressMessage) (uint64, error)
	// WorkerStatus returns a registered worker and whether it is in
	// service; registrytypes.ErrWorkerNotFound if unknown.
	WorkerStatus(ctx context.Context, identity []byte) (registrytypes.Worker, bool, error)
}
