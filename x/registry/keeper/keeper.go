// Package keeper holds the state of x/registry: the attestation policy, the
// workers admitted by attestation with their stake, Intel collateral cached
// by FMSPC, and the gatekeepers.
package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/store"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	enclaveapi "github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/ingress"
	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// Keeper owns the registry state.
type Keeper struct {
	authority string
	bank      types.BankKeeper
	eras      types.EraSource
	// contracts receives the gatekeepers' contract keys (SetContractHooks).
	contracts types.ContractHooks

	Schema collections.Schema
	// Params is the attestation policy.
	Params collections.Item[types.Params]
	// Workers maps identity keys to registered workers.
	Workers collections.Map[[]byte, types.Worker]
	// Collateral maps FMSPCs (lower-case hex) to verified Intel collateral.
	Collateral collections.Map[string, types.CollateralRecord]
	// GenesisHash is SHA-256 of the genesis app state, which worker report
	// data commits to. Set by the app at InitChain; not exported.
	GenesisHash collections.Item[[]byte]
	// Unbondings queues worker stake by release time (unix nanoseconds) and
	// a sequence number.
	Unbondings   collections.Map[collections.Pair[int64, uint64], types.WorkerUnbonding]
	UnbondingSeq collections.Sequence
	// Deregistrations queues deregistered workers by removal time.
	Deregistrations collections.KeySet[collections.Pair[int64, []byte]]
	// Gatekeepers holds the identity keys of the gatekeepers.
	Gatekeepers collections.KeySet[[]byte]
	// Ingress holds messages for enclaves by destination and sequence number,
	// under the layout enclave/ingress reads (key: destination || sequence).
	Ingress collections.Map[[]byte, enclaveapi.IngressMessage]
	// IngressLength counts the messages ever queued per destination.
	IngressLength collections.Map[[]byte, uint64]
	// EgressNext is each worker's next egress sequence number (absent: 1).
	EgressNext collections.Map[[]byte, uint64]
	// EgressDigests holds SHA-256 of the last EgressWindow accepted egress
	// messages per worker, so replicas' duplicates are recognised.
	EgressDigests collections.Map[collections.Pair[[]byte, uint64], []byte]
	// MasterKey is the master public key, once published.
	MasterKey collections.Item[types.MasterKey]
	// Stats maps identity keys to heartbeat and reward records.
	Stats collections.Map[[]byte, types.WorkerStats]
	// Challenges holds the pending heartbeat challenges by deadline and
	// worker; PendingChallenge finds a worker's by its identity key.
	Challenges       collections.Map[collections.Pair[int64, []byte], types.Challenge]
	PendingChallenge collections.Map[[]byte, int64]
	// Beacon is the newest gatekeeper randomness.
	Beacon collections.Item[types.Beacon]
	// RewardedEra is the last era whose worker rewards were paid.
	RewardedEra collections.Item[uint64]
	// MasterKeyHistory holds every generation of the master public key.
	MasterKeyHistory collections.Map[uint32, types.MasterKey]
	// Rotation is a master key rotation governance ordered, until published.
	Rotation collections.Item[types.MasterKeyRotation]
}

// NewKeeper creates the keeper. authority is the account allowed to change
// the policy and the gatekeepers (the x/gov module account); eras tells the
// era in progress.
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, authority string, bank types.BankKeeper, eras types.EraSource) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		authority:   authority,
		bank:        bank,
		eras:        eras,
		Params:      collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Workers:     collections.NewMap(sb, types.WorkersKey, "workers", collections.BytesKey, codec.CollValue[types.Worker](cdc)),
		Collateral:  collections.NewMap(sb, types.CollateralKey, "collateral", collections.StringKey, codec.CollValue[types.CollateralRecord](cdc)),
		GenesisHash: collections.NewItem(sb, types.GenesisHashKey, "genesis_hash", collections.BytesValue),
		Unbondings: collections.NewMap(sb, types.UnbondingsKey, "unbondings",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key), codec.CollValue[types.WorkerUnbonding](cdc)),
		UnbondingSeq: collections.NewSequence(sb, types.UnbondingSeqKey, "unbonding_seq"),
		Deregistrations: collections.NewKeySet(sb, types.DeregistrationsKey, "deregistrations",
			collections.PairKeyCodec(collections.Int64Key, collections.BytesKey)),
		Gatekeepers: collections.NewKeySet(sb, types.GatekeepersKey, "gatekeepers", collections.BytesKey),
		Ingress: collections.NewMap(sb, collections.NewPrefix(int(ingress.MessagePrefix)), "ingress",
			collections.BytesKey, codec.CollValue[enclaveapi.IngressMessage](cdc)),
		IngressLength: collections.NewMap(sb, collections.NewPrefix(int(ingress.LengthPrefix)), "ingress_length",
			collections.BytesKey, collections.Uint64Value),
		EgressNext: collections.NewMap(sb, types.EgressNextKey, "egress_next", collections.BytesKey, collections.Uint64Value),
		EgressDigests: collections.NewMap(sb, types.EgressDigestsKey, "egress_digests",
			collections.PairKeyCodec(collections.BytesKey, collections.Uint64Key), collections.BytesValue),
		MasterKey: collections.NewItem(sb, types.MasterKeyKey, "master_key", codec.CollValue[types.MasterKey](cdc)),
		Stats:     collections.NewMap(sb, types.StatsKey, "stats", collections.BytesKey, codec.CollValue[types.WorkerStats](cdc)),
		Challenges: collections.NewMap(sb, types.ChallengesKey, "challenges",
			collections.PairKeyCodec(collections.Int64Key, collections.BytesKey), codec.CollValue[types.Challenge](cdc)),
		PendingChallenge: collections.NewMap(sb, types.PendingChallengeKey, "pending_challenge", collections.BytesKey, collections.Int64Value),
		Beacon:           collections.NewItem(sb, types.BeaconKey, "beacon", codec.CollValue[types.Beacon](cdc)),
		RewardedEra:      collections.NewItem(sb, types.RewardedEraKey, "rewarded_era", collections.Uint64Value),
		MasterKeyHistory: collections.NewMap(sb, types.MasterKeyHistoryKey, "master_key_history", collections.Uint32Key, codec.CollValue[types.MasterKey](cdc)),
		Rotation:         collections.NewItem(sb, types.RotationKey, "rotation", codec.CollValue[types.MasterKeyRotation](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// SetGenesisHash records SHA-256 of the genesis app state (the app calls it
// from InitChainer with the bytes CometBFT passed).
func (k Keeper) SetGenesisHash(ctx context.Context, appState []byte) error {
	h := sha256.Sum256(appState)
	return k.GenesisHash.Set(ctx, h[:])
}

// SetContractHooks hands the gatekeepers' egress about contracts to
// x/confidential. The app calls it once, before creating the module.
func (k *Keeper) SetContractHooks(h types.ContractHooks) { k.contracts = h }

// Authority returns the account allowed to update the policy.
func (k Keeper) Authority() string { return k.authority }

// ModuleAddress is the account holding worker stake.
func ModuleAddress() sdk.AccAddress { return authtypes.NewModuleAddress(types.ModuleName) }

// InitGenesis loads the genesis state. The module account must hold exactly
// the workers' bonds plus the unbondings.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	total := math.ZeroInt()
	for _, w := range gs.Workers {
		if err := k.Workers.Set(ctx, w.IdentityPubkey, w); err != nil {
			return err
		}
		total = total.Add(w.Bond.Amount)
		if w.DeregisterTime != nil {
			if err := k.Deregistrations.Set(ctx, collections.Join(w.DeregisterTime.UnixNano(), w.IdentityPubkey)); err != nil {
				return err
			}
		}
	}
	for _, u := range gs.Unbondings {
		if err := k.queueUnbonding(ctx, u); err != nil {
			return err
		}
		total = total.Add(u.Amount.Amount)
	}
	for _, c := range gs.Collateral {
		if err := k.Collateral.Set(ctx, c.Fmspc, c); err != nil {
			return err
		}
	}
	for _, g := range gs.Gatekeepers {
		if err := k.Gatekeepers.Set(ctx, g); err != nil {
			return err
		}
	}
	for _, e := range gs.Ingress {
		if err := k.Ingress.Set(ctx, ingress.MessageKey(e.Destination, e.Sequence)[1:], e.Message); err != nil {
			return err
		}
		if err := k.IngressLength.Set(ctx, e.Destination, e.Sequence); err != nil {
			return err
		}
	}
	for _, e := range gs.Egress {
		if err := k.EgressNext.Set(ctx, e.Worker, e.Next); err != nil {
			return err
		}
	}
	if gs.MasterKey != nil {
		if err := k.MasterKey.Set(ctx, *gs.MasterKey); err != nil {
			return err
		}
	}
	for _, st := range gs.Stats {
		if err := k.Stats.Set(ctx, st.IdentityPubkey, st); err != nil {
			return err
		}
	}
	for _, c := range gs.Challenges {
		if err := k.setChallenge(ctx, c); err != nil {
			return err
		}
	}
	if gs.Beacon != nil {
		if err := k.Beacon.Set(ctx, *gs.Beacon); err != nil {
			return err
		}
	}
	if err := k.RewardedEra.Set(ctx, gs.RewardedEra); err != nil {
		return err
	}
	for _, mk := range gs.MasterKeyHistory {
		if err := k.MasterKeyHistory.Set(ctx, mk.Generation, mk); err != nil {
			return err
		}
	}
	if gs.Rotation != nil {
		if err := k.Rotation.Set(ctx, *gs.Rotation); err != nil {
			return err
		}
	}
	if held := k.bank.GetAllBalances(ctx, ModuleAddress()).AmountOf(gs.Params.MinWorkerBond.Denom); !held.Equal(total) {
		return fmt.Errorf("%s genesis: the module account holds %s%s but bonds and unbondings total %s", types.ModuleName, held, gs.Params.MinWorkerBond.Denom, total)
	}
	return nil
}

// ExportGenesis exports the module state (not the genesis hash: a chain
// started from the export has its own, and its workers' next renewals
// commit to it).
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Workers.Walk(ctx, nil, func(_ []byte, w types.Worker) (bool, error) {
		gs.Workers = append(gs.Workers, w)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Unbondings.Walk(ctx, nil, func(_ collections.Pair[int64, uint64], u types.WorkerUnbonding) (bool, error) {
		gs.Unbondings = append(gs.Unbondings, u)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Collateral.Walk(ctx, nil, func(_ string, c types.CollateralRecord) (bool, error) {
		gs.Collateral = append(gs.Collateral, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Gatekeepers.Walk(ctx, nil, func(g []byte) (bool, error) {
		gs.Gatekeepers = append(gs.Gatekeepers, g)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Ingress.Walk(ctx, nil, func(key []byte, m enclaveapi.IngressMessage) (bool, error) {
		dest, seq := key[:ingress.DestinationSize], binary.BigEndian.Uint64(key[ingress.DestinationSize:])
		gs.Ingress = append(gs.Ingress, types.IngressEntry{Destination: dest, Sequence: seq, Message: m})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.EgressNext.Walk(ctx, nil, func(w []byte, next uint64) (bool, error) {
		gs.Egress = append(gs.Egress, types.EgressState{Worker: w, Next: next})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if mk, err := k.MasterKey.Get(ctx); err == nil {
		gs.MasterKey = &mk
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if err := k.Stats.Walk(ctx, nil, func(_ []byte, st types.WorkerStats) (bool, error) {
		gs.Stats = append(gs.Stats, st)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Challenges.Walk(ctx, nil, func(_ collections.Pair[int64, []byte], c types.Challenge) (bool, error) {
		gs.Challenges = append(gs.Challenges, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if b, err := k.Beacon.Get(ctx); err == nil {
		gs.Beacon = &b
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if gs.RewardedEra, err = k.RewardedEra.Get(ctx); err != nil && !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	if err := k.MasterKeyHistory.Walk(ctx, nil, func(_ uint32, mk types.MasterKey) (bool, error) {
		gs.MasterKeyHistory = append(gs.MasterKeyHistory, mk)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if r, err := k.Rotation.Get(ctx); err == nil {
		gs.Rotation = &r
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	return gs, nil
}
