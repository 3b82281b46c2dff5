package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// Schedulable lists, in identity key order, the workers work may be given
// to: in service (see InService), not gatekeepers (they keep the master key
// and nothing else), and with a positive weight, bond × performance score.
func (k Keeper) Schedulable(ctx context.Context) ([]types.Schedulable, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	var out []types.Schedulable
	err = k.Workers.Walk(ctx, nil, func(id []byte, w types.Worker) (bool, error) {
		if gk, err := k.Gatekeepers.Has(ctx, id); err != nil || gk {
			return err != nil, err
		}
		st, err := k.stats(ctx, id)
		if err != nil {
			return true, err
		}
		weight := w.Bond.Amount.Mul(math.NewIntFromUint64(st.PerformanceScore))
		if !inService(w, params, st) || !weight.IsPositive() {
			return false, nil
		}
		out = append(out, types.Schedulable{Identity: id, ECDHPubkey: w.EcdhPubkey, Operator: w.Operator, Weight: weight})
		return false, nil
	})
	return out, err
}

// GatekeeperList returns the gatekeepers' identity keys in key order.
func (k Keeper) GatekeeperList(ctx context.Context) ([][]byte, error) { return k.gatekeeperList(ctx) }

// BeaconValue is the newest gatekeeper randomness, nil before the first.
func (k Keeper) BeaconValue(ctx context.Context) ([]byte, error) {
	b, err := k.Beacon.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, nil
	}
	return b.Value, err
}

// CurrentMasterKey is the published master public key and its generation.
func (k Keeper) CurrentMasterKey(ctx context.Context) (types.MasterKey, error) {
	mk, err := k.MasterKey.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return mk, types.ErrNoMasterKey
	}
	return mk, err
}

// WorkerOperator is the operator account (bech32) of a registered worker.
func (k Keeper) WorkerOperator(ctx context.Context, identity []byte) (string, error) {
	w, err := k.Workers.Get(ctx, identity)
	if errors.Is(err, collections.ErrNotFound) {
		return "", types.ErrWorkerNotFound
	}
	return w.Operator, err
}
