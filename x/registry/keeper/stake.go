package keeper

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

// BondWorker moves amount from the operator to the worker's bond.
func (k Keeper) BondWorker(ctx context.Context, msg *types.MsgBondWorker) (*types.Worker, error) {
	w, operator, err := k.operatedWorker(ctx, msg.Operator, msg.IdentityPubkey)
	if err != nil {
		return nil, err
	}
	if msg.Amount.Denom != w.Bond.Denom {
		return nil, errorsmod.Wrapf(types.ErrWrongDenom, "workers bond %s, not %s", w.Bond.Denom, msg.Amount.Denom)
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, operator, types.ModuleName, sdk.NewCoins(msg.Amount)); err != nil {
		return nil, err
	}
	w.Bond = w.Bond.Add(msg.Amount)
	return &w, k.Workers.Set(ctx, w.IdentityPubkey, w)
}

// UnbondWorker takes amount out of the worker's bond and queues it for the
// operator after the unbonding time.
func (k Keeper) UnbondWorker(ctx context.Context, msg *types.MsgUnbondWorker) (time.Time, error) {
	w, _, err := k.operatedWorker(ctx, msg.Operator, msg.IdentityPubkey)
	if err != nil {
		return time.Time{}, err
	}
	if msg.Amount.Denom != w.Bond.Denom {
		return time.Time{}, errorsmod.Wrapf(types.ErrWrongDenom, "workers bond %s, not %s", w.Bond.Denom, msg.Amount.Denom)
	}
	if w.Bond.IsLT(msg.Amount) {
		return time.Time{}, errorsmod.Wrapf(types.ErrInsufficientBond, "worker %x has %s bonded, cannot unbond %s", w.IdentityPubkey, w.Bond, msg.Amount)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return time.Time{}, err
	}
	release := sdk.UnwrapSDKContext(ctx).BlockTime().Add(params.UnbondingTime)
	w.Bond = w.Bond.Sub(msg.Amount)
	if err := k.Workers.Set(ctx, w.IdentityPubkey, w); err != nil {
		return time.Time{}, err
	}
	return release, k.queueUnbonding(ctx, types.WorkerUnbonding{
		Operator: w.Operator, IdentityPubkey: w.IdentityPubkey, Amount: msg.Amount, ReleaseTime: release,
	})
}

func (k Keeper) queueUnbonding(ctx context.Context, u types.WorkerUnbonding) error {
	seq, err := k.UnbondingSeq.Next(ctx)
	if err != nil {
		return err
	}
	return k.Unbondings.Set(ctx, collections.Join(u.ReleaseTime.UnixNano(), seq), u)
}

// DeregisterWorker takes the worker out of service now and queues its
// removal, with its bond returned, after the unbonding time. Gatekeepers
// must first be removed by governance.
func (k Keeper) DeregisterWorker(ctx context.Context, msg *types.MsgDeregisterWorker) (time.Time, error) {
	w, _, err := k.operatedWorker(ctx, msg.Operator, msg.IdentityPubkey)
	if err != nil {
		return time.Time{}, err
	}
	if is, err := k.Gatekeepers.Has(ctx, w.IdentityPubkey); err != nil {
		return time.Time{}, err
	} else if is {
		return time.Time{}, errorsmod.Wrapf(types.ErrGatekeeper, "worker %x is a gatekeeper: governance must remove it first (MsgRemoveGatekeeper)", w.IdentityPubkey)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return time.Time{}, err
	}
	remove := sdk.UnwrapSDKContext(ctx).BlockTime().Add(params.UnbondingTime)
	w.DeregisterTime = &remove
	if err := k.Workers.Set(ctx, w.IdentityPubkey, w); err != nil {
		return time.Time{}, err
	}
	return remove, k.Deregistrations.Set(ctx, collections.Join(remove.UnixNano(), w.IdentityPubkey))
}

// InService reports whether a worker may be given work: registered, not
// deregistering, bonded at least the minimum, responsive to heartbeats.
func (k Keeper) InService(ctx context.Context, w types.Worker) (bool, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return false, err
	}
	st, err := k.stats(ctx, w.IdentityPubkey)
	if err != nil {
		return false, err
	}
	return inService(w, params, st), nil
}

// inService is InService on records already read.
func inService(w types.Worker, params types.Params, st types.WorkerStats) bool {
	return challengeable(w, params) && !st.Unresponsive
}

// EndBlock pays out unbondings and removes deregistered workers whose time
// has come, in time order, then runs heartbeats and era rewards.
func (k Keeper) EndBlock(ctx context.Context) error {
	if err := k.releaseDue(ctx); err != nil {
		return err
	}
	return k.heartbeatEndBlock(ctx)
}

// releaseDue pays out unbondings and removes deregistered workers whose time
// has come.
func (k Keeper) releaseDue(ctx context.Context) error {
	now := sdk.UnwrapSDKContext(ctx).BlockTime().UnixNano()
	var due []collections.Pair[int64, uint64]
	err := k.Unbondings.Walk(ctx, new(collections.Range[collections.Pair[int64, uint64]]).EndInclusive(collections.Join(now, ^uint64(0))),
		func(key collections.Pair[int64, uint64], _ types.WorkerUnbonding) (bool, error) {
			due = append(due, key)
			return false, nil
		})
	if err != nil {
		return err
	}
	for _, key := range due {
		u, err := k.Unbondings.Get(ctx, key)
		if err != nil {
			return err
		}
		if err := k.pay(ctx, u.Operator, sdk.NewCoins(u.Amount)); err != nil {
			return err
		}
		if err := k.Unbondings.Remove(ctx, key); err != nil {
			return err
		}
	}

	var leaving []collections.Pair[int64, []byte]
	err = k.Deregistrations.Walk(ctx, nil, func(key collections.Pair[int64, []byte]) (bool, error) {
		if key.K1() > now {
			return true, nil
		}
		leaving = append(leaving, key)
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, key := range leaving {
		w, err := k.Workers.Get(ctx, key.K2())
		if err != nil && !errors.Is(err, collections.ErrNotFound) {
			return err
		}
		if err == nil {
			if err := k.pay(ctx, w.Operator, sdk.NewCoins(w.Bond)); err != nil {
				return err
			}
			if err := k.Workers.Remove(ctx, key.K2()); err != nil {
				return err
			}
			if err := k.forgetHeartbeats(ctx, key.K2()); err != nil {
				return err
			}
			sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent("worker_removed",
				sdk.NewAttribute("identity_pubkey", hexKey(w.IdentityPubkey)), sdk.NewAttribute("bond_returned", w.Bond.String())))
		}
		if err := k.Deregistrations.Remove(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// forgetHeartbeats drops a removed worker's record and open challenge.
func (k Keeper) forgetHeartbeats(ctx context.Context, identity []byte) error {
	if deadline, err := k.PendingChallenge.Get(ctx, identity); err == nil {
		if err := k.removeChallenge(ctx, identity, deadline); err != nil {
			return err
		}
	} else if !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	return k.Stats.Remove(ctx, identity)
}

func (k Keeper) pay(ctx context.Context, operator string, amount sdk.Coins) error {
	if amount.IsZero() {
		return nil
	}
	addr, err := sdk.AccAddressFromBech32(operator)
	if err != nil {
		return errorsmod.Wrap(sdkerrors.ErrInvalidAddress, err.Error())
	}
	return k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, addr, amount)
}
