package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

var _ types.MsgServer = msgServer{}

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the module's transaction service. Every message
// is checked in full before any state changes, so a refused message changes
// nothing.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

func (m msgServer) stash(addr string) (sdk.AccAddress, error) {
	a, err := m.k.accountAddrCdc.StringToBytes(addr)
	if err != nil {
		return nil, errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "stash address %q: %v", addr, err)
	}
	return a, nil
}

// bondChange decodes a message that moves amount of the stash's funds: the
// params, the stash's address and the amount, which must be a positive amount
// of the bond denom.
func (m msgServer) bondChange(ctx context.Context, stashAddr string, coin sdk.Coin) (types.Params, sdk.AccAddress, math.Int, error) {
	p, err := m.k.Params.Get(ctx)
	if err != nil {
		return p, nil, math.Int{}, err
	}
	stash, err := m.stash(stashAddr)
	if err != nil {
		return p, nil, math.Int{}, err
	}
	if coin.Denom != p.BondDenom {
		return p, nil, math.Int{}, errorsmod.Wrapf(types.ErrInvalidAmount, "bond in %s, not %q", p.BondDenom, coin.Denom)
	}
	if coin.Amount.IsNil() || !coin.Amount.IsPositive() {
		return p, nil, math.Int{}, errorsmod.Wrapf(types.ErrInvalidAmount, "amount must be positive, got %s", coin.Amount)
	}
	return p, stash, coin.Amount, nil
}

func emit(ctx context.Context, event string, attrs ...sdk.Attribute) {
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(event, attrs...))
}

// Bond locks funds of the stash in the bonded pool.
func (m msgServer) Bond(ctx context.Context, msg *types.MsgBond) (*types.MsgBondResponse, error) {
	_, stash, amount, err := m.bondChange(ctx, msg.Stash, msg.Amount)
	if err != nil {
		return nil, err
	}
	if ok, err := m.k.Ledgers.Has(ctx, stash); err != nil {
		return nil, err
	} else if ok {
		return nil, errorsmod.Wrapf(types.ErrAlreadyBonded, "%s: use bond-extra to add to it", msg.Stash)
	}
	if err := m.k.bankKeeper.SendCoinsFromAccountToModule(ctx, stash, types.BondedPoolName, sdk.NewCoins(msg.Amount)); err != nil {
		return nil, err
	}
	if err := m.k.setLedger(ctx, stash, types.NewLedger(msg.Stash, amount)); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeBond, sdk.NewAttribute(types.AttributeKeyStash, msg.Stash), sdk.NewAttribute(types.AttributeKeyAmount, msg.Amount.String()))
	return &types.MsgBondResponse{}, nil
}

// BondExtra adds funds to a bond; they count from the next election.
func (m msgServer) BondExtra(ctx context.Context, msg *types.MsgBondExtra) (*types.MsgBondExtraResponse, error) {
	_, stash, amount, err := m.bondChange(ctx, msg.Stash, msg.Amount)
	if err != nil {
		return nil, err
	}
	l, err := m.k.GetLedger(ctx, stash)
	if err != nil {
		return nil, err
	}
	if err := m.k.bankKeeper.SendCoinsFromAccountToModule(ctx, stash, types.BondedPoolName, sdk.NewCoins(msg.Amount)); err != nil {
		return nil, err
	}
	l.Total, l.Active = l.Total.Add(amount), l.Active.Add(amount)
	if err := m.k.setLedger(ctx, stash, l); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeBond, sdk.NewAttribute(types.AttributeKeyStash, msg.Stash), sdk.NewAttribute(types.AttributeKeyAmount, msg.Amount.String()))
	return &types.MsgBondExtraResponse{}, nil
}

// roles reports whether stash intends to validate and whether it nominates.
func (k Keeper) roles(ctx context.Context, stash sdk.AccAddress) (validating bool, v types.Validator, nominating bool, err error) {
	v, err = k.Validators.Get(ctx, sdk.ValAddress(stash))
	switch {
	case err == nil:
		validating = !v.Chilled
	case !errors.Is(err, collections.ErrNotFound):
		return false, v, false, err
	}
	nominating, err = k.Nominators.Has(ctx, stash)
	return validating, v, nominating, err
}

// Unbond starts unlocking part of the active bond. A validator or nominator
// may not go below its minimum bond, except by unbonding everything, which
// chills it.
func (m msgServer) Unbond(ctx context.Context, msg *types.MsgUnbond) (*types.MsgUnbondResponse, error) {
	p, stash, amount, err := m.bondChange(ctx, msg.Stash, msg.Amount)
	if err != nil {
		return nil, err
	}
	l, err := m.k.GetLedger(ctx, stash)
	if err != nil {
		return nil, err
	}
	if amount.GT(l.Active) {
		return nil, errorsmod.Wrapf(types.ErrInvalidAmount, "cannot unbond %s: the active bond is %s", amount, l.Active)
	}
	validating, v, nominating, err := m.k.roles(ctx, stash)
	if err != nil {
		return nil, err
	}
	remaining := l.Active.Sub(amount)
	if !remaining.IsZero() {
		if validating && remaining.LT(p.MinValidatorBond) {
			return nil, errorsmod.Wrapf(types.ErrInsufficientBond, "a validator must keep %s bonded (would keep %s); chill first or unbond everything", p.MinValidatorBond, remaining)
		}
		if nominating && remaining.LT(p.MinNominatorBond) {
			return nil, errorsmod.Wrapf(types.ErrInsufficientBond, "a nominator must keep %s bonded (would keep %s); chill first or unbond everything", p.MinNominatorBond, remaining)
		}
	}
	era, err := m.k.currentEra(ctx)
	if err != nil {
		return nil, err
	}
	withdrawable := era + uint64(p.UnbondingEras)
	if err := l.Unbond(amount, withdrawable); err != nil {
		return nil, errorsmod.Wrap(types.ErrTooManyChunks, err.Error())
	}
	if remaining.IsZero() {
		if err := m.k.chill(ctx, stash, validating, v, nominating); err != nil {
			return nil, err
		}
	}
	if err := m.k.setLedger(ctx, stash, l); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeUnbond, sdk.NewAttribute(types.AttributeKeyStash, msg.Stash), sdk.NewAttribute(types.AttributeKeyAmount, msg.Amount.String()),
		sdk.NewAttribute(types.AttributeKeyEra, fmt.Sprint(withdrawable)))
	return &types.MsgUnbondResponse{WithdrawableEra: withdrawable}, nil
}

// WithdrawUnbonded returns every chunk whose unbonding period is over.
func (m msgServer) WithdrawUnbonded(ctx context.Context, msg *types.MsgWithdrawUnbonded) (*types.MsgWithdrawUnbondedResponse, error) {
	p, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	stash, err := m.stash(msg.Stash)
	if err != nil {
		return nil, err
	}
	l, err := m.k.GetLedger(ctx, stash)
	if err != nil {
		return nil, err
	}
	era, err := m.k.currentEra(ctx)
	if err != nil {
		return nil, err
	}
	freed := l.WithdrawUnlocked(era)
	if freed.IsZero() {
		return nil, errorsmod.Wrapf(types.ErrNothingToWithdraw, "no unlocking chunk is withdrawable in era %d", era)
	}
	coin := sdk.NewCoin(p.BondDenom, freed)
	if err := m.k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.BondedPoolName, stash, sdk.NewCoins(coin)); err != nil {
		return nil, err
	}
	if err := m.k.setLedger(ctx, stash, l); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeWithdraw, sdk.NewAttribute(types.AttributeKeyStash, msg.Stash), sdk.NewAttribute(types.AttributeKeyAmount, coin.String()))
	return &types.MsgWithdrawUnbondedResponse{Amount: coin}, nil
}

// Rebond moves unlocking funds back into the active bond.
func (m msgServer) Rebond(ctx context.Context, msg *types.MsgRebond) (*types.MsgRebondResponse, error) {
	_, stash, amount, err := m.bondChange(ctx, msg.Stash, msg.Amount)
	if err != nil {
		return nil, err
	}
	l, err := m.k.GetLedger(ctx, stash)
	if err != nil {
		return nil, err
	}
	moved := l.Rebond(amount)
	if moved.IsZero() {
		return nil, errorsmod.Wrap(types.ErrInvalidAmount, "nothing is unlocking")
	}
	if err := m.k.setLedger(ctx, stash, l); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeRebond, sdk.NewAttribute(types.AttributeKeyStash, msg.Stash), sdk.NewAttribute(types.AttributeKeyAmount, moved.String()))
	return &types.MsgRebondResponse{}, nil
}

// Validate declares the intent to validate (or updates commission and
// description). It replaces any nominations of the stash.
func (m msgServer) Validate(ctx context.Context, msg *types.MsgValidate) (*types.MsgValidateResponse, error) {
	p, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	stash, err := m.stash(msg.Stash)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateCommission(msg.Commission); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidValidator, err.Error())
	}
	if err := msg.Description.Validate(); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidValidator, err.Error())
	}
	bond, err := m.k.ActiveBond(ctx, stash)
	if err != nil {
		return nil, err
	}
	if bond.LT(p.MinValidatorBond) {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBond, "a validator must bond at least %s%s, %s has %s%s active", p.MinValidatorBond, p.BondDenom, msg.Stash, bond, p.BondDenom)
	}
	if msg.Pubkey == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidConsensusKey, "pubkey is required")
	}
	pk, ok := msg.Pubkey.GetCachedValue().(cryptotypes.PubKey)
	if !ok {
		return nil, errorsmod.Wrapf(types.ErrInvalidConsensusKey, "pubkey of type %s is not a public key", msg.Pubkey.TypeUrl)
	}
	if err := types.CheckConsensusKey(pk); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidConsensusKey, err.Error())
	}
	valAddr := sdk.ValAddress(stash)
	consAddr := sdk.ConsAddress(pk.Address())
	existing, err := m.k.Validators.Get(ctx, valAddr)
	isNew := errors.Is(err, collections.ErrNotFound)
	if err != nil && !isNew {
		return nil, err
	}
	if owner, err := m.k.ValidatorsByConsAddr.Get(ctx, consAddr); err == nil && !owner.Equals(valAddr) {
		return nil, errorsmod.Wrapf(types.ErrInvalidConsensusKey, "consensus key %s already belongs to %s", consAddr, owner)
	} else if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	v := types.Validator{OperatorAddress: valAddr.String(), ConsensusPubkey: msg.Pubkey, Description: msg.Description, Commission: msg.Commission}
	if !isNew {
		current, err := existing.ConsPubKey()
		if err != nil {
			return nil, err
		}
		if !current.Equals(pk) {
			return nil, errorsmod.Wrapf(types.ErrInvalidConsensusKey, "%s validates with %s; the consensus key cannot change", valAddr, sdk.ConsAddress(current.Address()))
		}
		if existing.Jailed {
			return nil, errorsmod.Wrapf(types.ErrInvalidValidator, "%s is jailed: unjail it first (phalad tx slashing unjail)", valAddr)
		}
		v.ConsensusPubkey = existing.ConsensusPubkey
	}
	if err := m.k.Nominators.Remove(ctx, stash); err != nil {
		return nil, err
	}
	if err := m.k.setValidator(ctx, v); err != nil {
		return nil, err
	}
	if isNew && m.k.hooks != nil {
		if err := m.k.hooks.AfterValidatorCreated(ctx, valAddr); err != nil {
			return nil, err
		}
	}
	emit(ctx, types.EventTypeValidate, sdk.NewAttribute(types.AttributeKeyValidator, v.OperatorAddress))
	return &types.MsgValidateResponse{}, nil
}

// Nominate backs registered candidates with the stash's active bond, from
// the next election. A validator that nominates is chilled.
func (m msgServer) Nominate(ctx context.Context, msg *types.MsgNominate) (*types.MsgNominateResponse, error) {
	p, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	stash, err := m.stash(msg.Stash)
	if err != nil {
		return nil, err
	}
	bond, err := m.k.ActiveBond(ctx, stash)
	if err != nil {
		return nil, err
	}
	if bond.LT(p.MinNominatorBond) {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBond, "a nominator must bond at least %s%s, %s has %s%s active", p.MinNominatorBond, p.BondDenom, msg.Stash, bond, p.BondDenom)
	}
	var lookupErr error
	isCandidate := func(t string) bool {
		addr, err := m.k.validatorAddrCdc.StringToBytes(t)
		if err != nil {
			return false
		}
		ok, err := m.k.Validators.Has(ctx, addr)
		if err != nil {
			lookupErr = err
		}
		return ok
	}
	if err := types.ValidateTargets(msg.Targets, p.MaxNominations, isCandidate); err != nil {
		return nil, err
	}
	if lookupErr != nil {
		return nil, lookupErr
	}
	era, err := m.k.currentEra(ctx)
	if err != nil {
		return nil, err
	}
	validating, v, _, err := m.k.roles(ctx, stash)
	if err != nil {
		return nil, err
	}
	if validating {
		v.Chilled = true
		if err := m.k.setValidator(ctx, v); err != nil {
			return nil, err
		}
	}
	if err := m.k.Nominators.Set(ctx, stash, types.Nominations{Targets: msg.Targets, SubmittedIn: era}); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeNominate, sdk.NewAttribute(types.AttributeKeyStash, msg.Stash))
	return &types.MsgNominateResponse{}, nil
}

// Chill withdraws the intent to validate or nominate, from the next election.
func (m msgServer) Chill(ctx context.Context, msg *types.MsgChill) (*types.MsgChillResponse, error) {
	stash, err := m.stash(msg.Stash)
	if err != nil {
		return nil, err
	}
	validating, v, nominating, err := m.k.roles(ctx, stash)
	if err != nil {
		return nil, err
	}
	if !validating && !nominating {
		return nil, errorsmod.Wrapf(types.ErrInvalidNominations, "%s neither validates nor nominates", msg.Stash)
	}
	if err := m.k.chill(ctx, stash, validating, v, nominating); err != nil {
		return nil, err
	}
	return &types.MsgChillResponse{}, nil
}

func (k Keeper) chill(ctx context.Context, stash sdk.AccAddress, validating bool, v types.Validator, nominating bool) error {
	if validating {
		v.Chilled = true
		if err := k.setValidator(ctx, v); err != nil {
			return err
		}
	}
	if nominating {
		if err := k.Nominators.Remove(ctx, stash); err != nil {
			return err
		}
	}
	emit(ctx, types.EventTypeChill, sdk.NewAttribute(types.AttributeKeyStash, stash.String()))
	return nil
}

// PayoutStakers pays one page of a validator's era reward.
func (m msgServer) PayoutStakers(ctx context.Context, msg *types.MsgPayoutStakers) (*types.MsgPayoutStakersResponse, error) {
	if _, err := m.stash(msg.Caller); err != nil {
		return nil, err
	}
	valAddr, err := m.k.validatorAddrCdc.StringToBytes(msg.OperatorAddress)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidValidator, "operator address %q: %v", msg.OperatorAddress, err)
	}
	paid, err := m.k.payoutStakers(ctx, valAddr, msg.Era, msg.Page)
	if err != nil {
		return nil, err
	}
	return &types.MsgPayoutStakersResponse{Paid: paid}, nil
}

// UpdateParams replaces the parameters; only the authority may.
func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidSigner, "expected %s, got %s", m.k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidParams, err.Error())
	}
	current, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if msg.Params.BondDenom != current.BondDenom {
		return nil, errorsmod.Wrapf(types.ErrInvalidParams, "bond_denom cannot change (from %s to %s): the bonded pool holds %s",
			current.BondDenom, msg.Params.BondDenom, current.BondDenom)
	}
	if err := m.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, nil
}
