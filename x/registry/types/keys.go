package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module and its store key.
	ModuleName = "registry"
	// StoreKey is the module's KV store key.
	StoreKey = ModuleName
)

// Store prefixes.
var (
	// ParamsKey holds the attestation policy.
	ParamsKey = collections.NewPrefix(0)
	// WorkersKey maps identity keys to workers.
	WorkersKey = collections.NewPrefix(1)
	// CollateralKey maps FMSPCs (hex) to verified collateral.
	CollateralKey = collections.NewPrefix(2)
	// GenesisHashKey holds SHA-256 of the genesis app state.
	GenesisHashKey = collections.NewPrefix(3)
	// UnbondingsKey queues unbonding worker stake by release time.
	UnbondingsKey = collections.NewPrefix(4)
	// UnbondingSeqKey numbers unbondings.
	UnbondingSeqKey = collections.NewPrefix(5)
	// DeregistrationsKey queues deregistered workers by removal time.
	DeregistrationsKey = collections.NewPrefix(6)
	// GatekeepersKey holds the gatekeepers' identity keys.
	GatekeepersKey = collections.NewPrefix(7)
	// EgressNextKey holds each worker's next egress sequence number.
	EgressNextKey = collections.NewPrefix(8)
	// EgressDigestsKey holds digests of recently accepted egress messages.
	EgressDigestsKey = collections.NewPrefix(9)
	// MasterKeyKey holds the published master public key.
	MasterKeyKey = collections.NewPrefix(12)
	// StatsKey maps identity keys to heartbeat and reward records.
	StatsKey = collections.NewPrefix(13)
	// ChallengesKey queues pending heartbeat challenges by deadline.
	ChallengesKey = collections.NewPrefix(14)
	// PendingChallengeKey maps workers to their pending challenge's deadline.
	PendingChallengeKey = collections.NewPrefix(19)
	// MasterKeyHistoryKey maps generations to master public keys.
	MasterKeyHistoryKey = collections.NewPrefix(20)
	// RotationKey holds a pending master key rotation.
	RotationKey = collections.NewPrefix(21)
	// BeaconKey holds the newest gatekeeper randomness.
	BeaconKey = collections.NewPrefix(15)
	// RewardedEraKey holds the last era whose worker rewards were paid.
	RewardedEraKey = collections.NewPrefix(18)
)
