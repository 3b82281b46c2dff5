package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module, its store key and its router key.
	ModuleName = "stakingnpos"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
	// BondedPoolName is the module account that escrows every bond, active
	// and unlocking.
	BondedPoolName = "npos_bonded_pool"
	// RewardPoolName is the module account era rewards are minted into and
	// paid out from.
	RewardPoolName = "npos_reward_pool"

	// MaxUnlockingChunks is the most unbonding chunks a ledger may hold.
	MaxUnlockingChunks = 32
	// PointsPerBlock are the era reward points a validator earns per block it proposes.
	PointsPerBlock = 20
)

// Store prefixes of the module's collections.
var (
	ParamsKey               = collections.NewPrefix(0)
	ValidatorsKey           = collections.NewPrefix(1)
	ValidatorsByConsAddrKey = collections.NewPrefix(2)
	ActiveSetKey            = collections.NewPrefix(3)
	ActiveSetStaleKey       = collections.NewPrefix(4)
	LedgersKey              = collections.NewPrefix(5)
	NominatorsKey           = collections.NewPrefix(6)
	CurrentEraKey           = collections.NewPrefix(7)
	ErasKey                 = collections.NewPrefix(8)
	ExposuresKey            = collections.NewPrefix(9)
	ExposurePagesKey        = collections.NewPrefix(10)
	RewardPointsKey         = collections.NewPrefix(11)
	EraRewardsKey           = collections.NewPrefix(12)
	ClaimedRewardsKey       = collections.NewPrefix(13)
	UnappliedSlashesKey     = collections.NewPrefix(14)
	SlashSequenceKey        = collections.NewPrefix(15)
	TotalActiveKey          = collections.NewPrefix(16)
)
