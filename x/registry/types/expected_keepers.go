package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
)

// BankKeeper moves worker stake between operators and the module account.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, sender sdk.AccAddress, module string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, module string, recipient sdk.AccAddress, amt sdk.Coins) error
	GetAllBalances(ctx context.Context, addr sdk.AccAddress) sdk.Coins
	// MintCoins creates worker rewards; BurnCoins destroys slashed bonds.
	MintCoins(ctx context.Context, module string, amt sdk.Coins) error
	BurnCoins(ctx context.Context, module string, amt sdk.Coins) error
}

// EraSource tells the registry the era in progress (x/staking-npos), at
// whose changes worker rewards are paid and fresh randomness requested.
type EraSource interface {
	CurrentEraIndex(ctx context.Context) (uint64, error)
}

// ContractHooks is x/confidential seen from x/registry: the enclaves'
// egress about contracts, already checked to come signed and in order from
// a registered worker (and, for keys, from a gatekeeper). A returned error refuses the message (nothing it
// would have changed is kept).
type ContractHooks interface {
	PublishContractKey(ctx sdk.Context, gatekeeper []byte, m *enclaveapi.ContractKeyPublished) error
	// ShareContractKey takes a gatekeeper's shares of a contract key for
	// newly scheduled workers.
	ShareContractKey(ctx sdk.Context, gatekeeper []byte, m *enclaveapi.ContractKeyShared) error
	// ApplyContractResult takes a worker's result of a contract call.
	ApplyContractResult(ctx sdk.Context, worker []byte, m *enclaveapi.ContractResult) error
}
