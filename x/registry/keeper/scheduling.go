package keeper

import (
	"bytes"
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

// GatekeeperCandidates lists the gatekeepers to ask for work with master
// key generation, most likely to answer first: the one that published the
// generation (it certainly holds it), then the others in service, then
// the rest, each group in key order. Empty when there are no gatekeepers.
func (k Keeper) GatekeeperCandidates(ctx context.Context, generation uint32) ([][]byte, error) {
	all, err := k.gatekeeperList(ctx)
	if err != nil {
		return nil, err
	}
	var publisher []byte
	if mk, err := k.MasterKeyHistory.Get(ctx, generation); err == nil {
		publisher = mk.PublishedBy
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	var first, serving, rest [][]byte
	for _, g := range all {
		_, in, err := k.WorkerStatus(ctx, g)
		switch {
		case err != nil && !errors.Is(err, types.ErrWorkerNotFound):
			return nil, err
		case bytes.Equal(g, publisher):
			first = append(first, g)
		case in:
			serving = append(serving, g)
		default:
			rest = append(rest, g)
		}
	}
	return append(append(first, serving...), rest...), nil
}

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

// WorkerStatus returns a registered worker and whether it is in service
// (InService); ErrWorkerNotFound for an unknown identity.
func (k Keeper) WorkerStatus(ctx context.Context, identity []byte) (types.Worker, bool, error) {
	w, err := k.Workers.Get(ctx, identity)
	if errors.Is(err, collections.ErrNotFound) {
		return w, false, types.ErrWorkerNotFound
	} else if err != nil {
		return w, false, err
	}
	in, err := k.InService(ctx, w)
	return w, in, err
}
