package keeper_test

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/types/module"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	v1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/phala-cosmos/phala-cosmos/app/appconfig"
	"github.com/phala-cosmos/phala-cosmos/app/apptest"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/keeper"
	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

// threeValidators: bonds of 10, 20 and 30 PHA competing for 2 seats.
func threeValidators(t *testing.T) (*env, []apptest.Validator) {
	var vals []apptest.Validator
	e := newEnv(t, func(g *apptest.Genesis) {
		g.SetStakingParams(t, func(p *types.Params) { p.ValidatorCount = 2 })
		for _, b := range []int64{10, 20, 30} {
			vals = append(vals, g.AddValidator(t, phas(b)))
		}
	})
	return e, vals
}

func TestGenesisElectsTheLargestBonds(t *testing.T) {
	e, vals := threeValidators(t)
	if len(e.updates) != 2 {
		t.Fatalf("genesis set has %d validators, want 2", len(e.updates))
	}
	for i, want := range []int64{0, 20, 30} {
		power, in := powerOf(e.updates, vals[i])
		if power != want || in != (want > 0) {
			t.Errorf("validator %d: power %d (in set %v), want %d", i, power, in, want)
		}
	}
	if st := e.status(vals[0]); st != types.VALIDATOR_STATUS_WAITING {
		t.Fatalf("10 PHA candidate is %v, want waiting", st)
	}
	o, err := e.k.Exposures.Get(e.ctx, collections.Join(uint64(0), vals[2].ValAddress()))
	if err != nil || !o.Total.Equal(phas(30)) || !o.Own.Equal(phas(30)) || o.NominatorCount != 0 {
		t.Fatalf("era 0 exposure of the 30 PHA validator: %+v, %v", o, err)
	}
	// Nothing changes within an era; the next era re-elects the same set.
	if u := e.block(nil); len(u) != 0 {
		t.Fatalf("an ordinary block changed the set: %v", u)
	}
	if u := e.nextEra(); len(u) != 0 {
		t.Fatalf("an unchanged election changed the set: %v", u)
	}
}

func TestBondingLifecycle(t *testing.T) {
	var acct apptest.Account
	e := newEnv(t, func(g *apptest.Genesis) {
		g.AddValidator(t, phas(10))
		acct = g.Fund(t, phas(100))
	})
	stash := acct.Address.String()
	refuse := func(name string, err error, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("%s: err %v, want %v", name, err, want)
		}
	}
	_, err := e.srv.Bond(e.ctx, &types.MsgBond{Stash: stash, Amount: sdk.NewCoin("uatom", phas(1))})
	refuse("wrong denom", err, types.ErrInvalidAmount)
	_, err = e.srv.Bond(e.ctx, &types.MsgBond{Stash: stash, Amount: coin(math.ZeroInt())})
	refuse("zero", err, types.ErrInvalidAmount)
	_, err = e.srv.Bond(e.ctx, &types.MsgBond{Stash: "cosmos1notanaddress", Amount: coin(phas(1))})
	refuse("malformed stash", err, sdkerrors.ErrInvalidAddress)
	if _, err := e.srv.Bond(e.ctx, &types.MsgBond{Stash: stash, Amount: coin(phas(1000))}); err == nil {
		t.Fatal("bonded more than the balance")
	}
	if _, err := e.k.GetLedger(e.ctx, acct.Address); !errors.Is(err, types.ErrNotBonded) {
		t.Fatalf("a refused bond left a ledger: %v", err)
	}

	if _, err := e.srv.Bond(e.ctx, &types.MsgBond{Stash: stash, Amount: coin(phas(60))}); err != nil {
		t.Fatal(err)
	}
	_, err = e.srv.Bond(e.ctx, &types.MsgBond{Stash: stash, Amount: coin(phas(1))})
	refuse("bond twice", err, types.ErrAlreadyBonded)
	if _, err := e.srv.BondExtra(e.ctx, &types.MsgBondExtra{Stash: stash, Amount: coin(phas(10))}); err != nil {
		t.Fatal(err)
	}
	if l := e.ledger(acct.Address); !l.Total.Equal(phas(70)) || !l.Active.Equal(phas(70)) {
		t.Fatalf("ledger %+v", l)
	}
	if got := e.balance(acct.Address); !got.Equal(phas(30)) {
		t.Fatalf("balance %s, want 30 PHA", got)
	}

	_, err = e.srv.Unbond(e.ctx, &types.MsgUnbond{Stash: stash, Amount: coin(phas(71))})
	refuse("unbond more than active", err, types.ErrInvalidAmount)
	res, err := e.srv.Unbond(e.ctx, &types.MsgUnbond{Stash: stash, Amount: coin(phas(50))})
	if err != nil {
		t.Fatal(err)
	}
	if res.WithdrawableEra != 2 {
		t.Fatalf("withdrawable in era %d, want 0 + 2 unbonding eras", res.WithdrawableEra)
	}
	_, err = e.srv.WithdrawUnbonded(e.ctx, &types.MsgWithdrawUnbonded{Stash: stash})
	refuse("withdraw too early", err, types.ErrNothingToWithdraw)
	if _, err := e.srv.Rebond(e.ctx, &types.MsgRebond{Stash: stash, Amount: coin(phas(10))}); err != nil {
		t.Fatal(err)
	}
	if l := e.ledger(acct.Address); !l.Active.Equal(phas(30)) || !l.Unlocking[0].Amount.Equal(phas(40)) {
		t.Fatalf("after rebond: %+v", l)
	}
	total, _ := e.k.TotalActive.Get(e.ctx)
	if !total.Equal(phas(40)) { // 10 of the validator + 30 active here
		t.Fatalf("total active %s, want 40 PHA", total)
	}

	e.nextEra()
	e.nextEra()
	res2, err := e.srv.WithdrawUnbonded(e.ctx, &types.MsgWithdrawUnbonded{Stash: stash})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Amount.Amount.Equal(phas(40)) || !e.balance(acct.Address).Equal(phas(70)) {
		t.Fatalf("withdrew %s, balance %s", res2.Amount, e.balance(acct.Address))
	}
	// Unbonding everything and withdrawing removes the ledger.
	if _, err := e.srv.Unbond(e.ctx, &types.MsgUnbond{Stash: stash, Amount: coin(phas(30))}); err != nil {
		t.Fatal(err)
	}
	e.nextEra()
	e.nextEra()
	if _, err := e.srv.WithdrawUnbonded(e.ctx, &types.MsgWithdrawUnbonded{Stash: stash}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.k.GetLedger(e.ctx, acct.Address); !errors.Is(err, types.ErrNotBonded) {
		t.Fatalf("an emptied ledger remains: %v", err)
	}
}

func anyKey(t *testing.T, pk cryptotypes.PubKey) *codectypes.Any {
	t.Helper()
	a, err := codectypes.NewAnyWithValue(pk)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestValidateAndNominateRules(t *testing.T) {
	var val apptest.Validator
	var acct, small apptest.Account
	e := newEnv(t, func(g *apptest.Genesis) {
		val = g.AddValidator(t, phas(10))
		acct = g.Fund(t, phas(100))
		small = g.Fund(t, phas(1))
	})
	stash := acct.Address.String()
	if _, err := e.srv.Bond(e.ctx, &types.MsgBond{Stash: stash, Amount: coin(phas(50))}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Bond(e.ctx, &types.MsgBond{Stash: small.Address.String(), Amount: coin(math.NewInt(10))}); err != nil {
		t.Fatal(err)
	}
	key := ed25519.GenPrivKey().PubKey()
	desc := types.Description{Moniker: "new"}
	validate := func(stash string, pk cryptotypes.PubKey, commission math.LegacyDec) error {
		_, err := e.srv.Validate(e.ctx, &types.MsgValidate{Stash: stash, Commission: commission, Pubkey: anyKey(t, pk), Description: desc})
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"below the minimum bond", validate(small.Address.String(), key, math.LegacyZeroDec()), types.ErrInsufficientBond},
		{"malformed key", validate(stash, &ed25519.PubKey{Key: []byte{1, 2}}, math.LegacyZeroDec()), types.ErrInvalidConsensusKey},
		{"another validator's key", validate(stash, val.ConsKey.PubKey(), math.LegacyZeroDec()), types.ErrInvalidConsensusKey},
		{"commission above one", validate(stash, key, math.LegacyNewDec(2)), types.ErrInvalidValidator},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Fatalf("%s: err %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if ok, _ := e.k.Validators.Has(e.ctx, sdk.ValAddress(acct.Address)); ok {
		t.Fatal("a refused validate created a candidate")
	}
	if err := validate(stash, key, math.LegacyNewDecWithPrec(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := validate(stash, ed25519.GenPrivKey().PubKey(), math.LegacyZeroDec()); !errors.Is(err, types.ErrInvalidConsensusKey) {
		t.Fatalf("changing the consensus key: %v", err)
	}

	nominate := func(stash string, targets ...string) error {
		_, err := e.srv.Nominate(e.ctx, &types.MsgNominate{Stash: stash, Targets: targets})
		return err
	}
	p, _ := e.k.Params.Get(e.ctx)
	tooMany := make([]string, p.MaxNominations+1)
	for i := range tooMany {
		tooMany[i] = sdk.ValAddress(ed25519.GenPrivKey().PubKey().Address()).String()
	}
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"too many targets", nominate(stash, tooMany...), types.ErrTooManyNominations},
		{"not a candidate", nominate(stash, sdk.ValAddress(small.Address).String()), types.ErrInvalidNominations},
		{"no targets", nominate(stash), types.ErrInvalidNominations},
		{"twice the same", nominate(stash, val.ValAddress().String(), val.ValAddress().String()), types.ErrInvalidNominations},
		{"below the minimum bond", nominate(small.Address.String(), val.ValAddress().String()), types.ErrInsufficientBond},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Fatalf("%s: err %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	// A validator that nominates is chilled.
	if err := nominate(stash, val.ValAddress().String()); err != nil {
		t.Fatal(err)
	}
	v, _ := e.k.GetValidator(e.ctx, sdk.ValAddress(acct.Address))
	if !v.Chilled {
		t.Fatal("nominating did not chill the validator role")
	}
	// Unbonding below the nominator minimum is refused; chill works once.
	if _, err := e.srv.Unbond(e.ctx, &types.MsgUnbond{Stash: stash, Amount: coin(phas(50).SubRaw(1))}); !errors.Is(err, types.ErrInsufficientBond) {
		t.Fatalf("unbonding below the nominator minimum: %v", err)
	}
	if _, err := e.srv.Chill(e.ctx, &types.MsgChill{Stash: stash}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Chill(e.ctx, &types.MsgChill{Stash: stash}); !errors.Is(err, types.ErrInvalidNominations) {
		t.Fatalf("chilling twice: %v", err)
	}
}

func TestNominationsElectAWaitingCandidate(t *testing.T) {
	var vals []apptest.Validator
	var whale apptest.Account
	e := newEnv(t, func(g *apptest.Genesis) {
		g.SetStakingParams(t, func(p *types.Params) { p.ValidatorCount = 2 })
		for _, b := range []int64{30, 20, 10} {
			vals = append(vals, g.AddValidator(t, phas(b)))
		}
		whale = g.Fund(t, phas(100))
	})
	waiting := vals[2]
	if e.status(waiting) != types.VALIDATOR_STATUS_WAITING {
		t.Fatal("the 10 PHA candidate should wait")
	}
	if _, err := e.srv.Bond(e.ctx, &types.MsgBond{Stash: whale.Address.String(), Amount: coin(phas(50))}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Nominate(e.ctx, &types.MsgNominate{Stash: whale.Address.String(), Targets: []string{waiting.ValAddress().String()}}); err != nil {
		t.Fatal(err)
	}
	if u := e.block(nil); len(u) != 0 {
		t.Fatal("a nomination changed the set before the era ended")
	}
	preview, err := keeper.NewQuerier(e.k).ElectionPreview(e.ctx, &types.QueryElectionPreviewRequest{})
	if err != nil || len(preview.Winners) != 2 || preview.Winners[0].OperatorAddress != waiting.ValAddress().String() {
		t.Fatalf("election preview: %+v, %v", preview, err)
	}
	updates := e.nextEra()
	if power, in := powerOf(updates, waiting); !in || power != 60 {
		t.Fatalf("the nominated candidate should join with power 60: %v", updates)
	}
	if power, in := powerOf(updates, vals[1]); !in || power != 0 {
		t.Fatalf("the weakest validator should leave (power 0): %v", updates)
	}
	if e.status(waiting) != types.VALIDATOR_STATUS_ELECTED || e.status(vals[1]) != types.VALIDATOR_STATUS_WAITING {
		t.Fatalf("statuses %v and %v", e.status(waiting), e.status(vals[1]))
	}
	o, err := keeper.NewQuerier(e.k).Exposure(e.ctx, &types.QueryExposureRequest{Era: e.era(), OperatorAddress: waiting.ValAddress().String()})
	if err != nil || !o.Overview.Own.Equal(phas(10)) || len(o.Page.Others) != 1 || !o.Page.Others[0].Value.Equal(phas(50)) {
		t.Fatalf("exposure of the newly elected: %+v, %v", o, err)
	}
}

func TestRewardsArePaidByPointsAndAddUp(t *testing.T) {
	var vals []apptest.Validator
	var nominator apptest.Account
	e := newEnv(t, func(g *apptest.Genesis) {
		vals = append(vals, g.AddValidator(t, phas(30)), g.AddValidator(t, phas(10)))
		nominator = g.AddNominator(t, phas(10), vals[0])
		g.Fund(t, phas(1_000_000_000)) // a supply whose inflation is worth paying
	})
	// vals[0] proposes 3 of every 4 blocks.
	e.nextEra(vals[0], vals[0], vals[0], vals[1])
	q := keeper.NewQuerier(e.k)
	rewards, err := q.EraRewards(e.ctx, &types.QueryEraRewardsRequest{Era: 0})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := e.k.Params.Get(e.ctx)
	supply := e.g.App.BankKeeper.GetSupply(e.ctx, appconfig.BondDenom).Amount.Sub(rewards.Rewards.Payout)
	if want := p.EraPayout(supply); !rewards.Rewards.Payout.Equal(want) || !want.IsPositive() {
		t.Fatalf("era 0 payout %s, want %s", rewards.Rewards.Payout, want)
	}
	if rewards.Rewards.TotalPoints != types.PointsPerBlock*(testEraLength-1) {
		t.Fatalf("total points %d", rewards.Rewards.TotalPoints)
	}

	before := map[string]math.Int{}
	for _, a := range []sdk.AccAddress{sdk.AccAddress(vals[0].ValAddress()), sdk.AccAddress(vals[1].ValAddress()), nominator.Address} {
		before[a.String()] = e.balance(a)
	}
	paid := math.ZeroInt()
	for _, v := range vals {
		res, err := e.srv.PayoutStakers(e.ctx, &types.MsgPayoutStakers{Caller: nominator.Address.String(), OperatorAddress: v.ValAddress().String(), Era: 0})
		if err != nil {
			t.Fatal(err)
		}
		paid = paid.Add(res.Paid.Amount)
	}
	gained := math.ZeroInt()
	for addr, b := range before {
		acc, _ := sdk.AccAddressFromBech32(addr)
		gained = gained.Add(e.balance(acc).Sub(b))
	}
	if !gained.Equal(paid) {
		t.Fatalf("accounts gained %s, payouts report %s", gained, paid)
	}
	// Everything is paid but rounding dust: one unit per recipient at most.
	if dust := rewards.Rewards.Payout.Sub(paid); dust.IsNegative() || dust.GT(math.NewInt(3)) {
		t.Fatalf("paid %s of %s", paid, rewards.Rewards.Payout)
	}
	// The nominator's share: (payout × points share − commission) × 10/40.
	share := rewards.Rewards.Payout.Mul(math.NewIntFromUint64(pointsOf(t, e, 0, vals[0]))).Quo(math.NewIntFromUint64(rewards.Rewards.TotalPoints))
	stakers := share.Sub(math.LegacyNewDecWithPrec(5, 2).MulInt(share).TruncateInt())
	if got, want := e.balance(nominator.Address).Sub(before[nominator.Address.String()]), stakers.MulRaw(10).QuoRaw(40); !got.Equal(want) {
		t.Fatalf("nominator earned %s, want %s", got, want)
	}

	_, err = e.srv.PayoutStakers(e.ctx, &types.MsgPayoutStakers{Caller: nominator.Address.String(), OperatorAddress: vals[0].ValAddress().String(), Era: 0})
	if !errors.Is(err, types.ErrRewardAlreadyClaimed) {
		t.Fatalf("second claim: %v", err)
	}
	_, err = e.srv.PayoutStakers(e.ctx, &types.MsgPayoutStakers{Caller: nominator.Address.String(), OperatorAddress: vals[0].ValAddress().String(), Era: e.era()})
	if !errors.Is(err, types.ErrEraOutOfHistory) {
		t.Fatalf("claim of the current era: %v", err)
	}
	for i := 0; i < 4; i++ {
		e.nextEra(vals...)
	}
	_, err = e.srv.PayoutStakers(e.ctx, &types.MsgPayoutStakers{Caller: nominator.Address.String(), OperatorAddress: vals[1].ValAddress().String(), Era: 1})
	if !errors.Is(err, types.ErrEraOutOfHistory) {
		t.Fatalf("claim of an era beyond history_depth: %v", err)
	}
}

func pointsOf(t *testing.T, e *env, era uint64, v apptest.Validator) uint64 {
	t.Helper()
	points, err := e.k.RewardPoints.Get(e.ctx, collections.Join(era, v.ValAddress()))
	if err != nil {
		t.Fatal(err)
	}
	return points
}

func TestSlashingTakesFromTheExposure(t *testing.T) {
	var vals []apptest.Validator
	var nominator apptest.Account
	e := newEnv(t, func(g *apptest.Genesis) {
		vals = append(vals, g.AddValidator(t, phas(100)), g.AddValidator(t, phas(100)), g.AddValidator(t, phas(100)))
		nominator = g.AddNominator(t, phas(50), vals[0])
	})
	offender := vals[0]
	supply := e.g.App.BankKeeper.GetSupply(e.ctx, appconfig.BondDenom).Amount
	burned, err := e.k.SlashWithInfractionReason(e.ctx, offender.ConsAddress(), e.ctx.BlockHeight(), 150, math.LegacyNewDecWithPrec(1, 1), stakingtypes.Infraction_INFRACTION_DOUBLE_SIGN)
	if err != nil {
		t.Fatal(err)
	}
	if !burned.Equal(phas(15)) {
		t.Fatalf("slashed %s, want 10%% of the 150 PHA exposure", burned)
	}
	if l := e.ledger(sdk.AccAddress(offender.ValAddress())); !l.Active.Equal(phas(90)) {
		t.Fatalf("validator bond %s, want 90 PHA", l.Active)
	}
	if l := e.ledger(nominator.Address); !l.Active.Equal(phas(45)) {
		t.Fatalf("nominator bond %s, want 45 PHA", l.Active)
	}
	if got := e.g.App.BankKeeper.GetSupply(e.ctx, appconfig.BondDenom).Amount; !supply.Sub(got).Equal(phas(15)) {
		t.Fatalf("supply fell by %s, want 15 PHA burned", supply.Sub(got))
	}
	pool := e.balance(authtypes.NewModuleAddress(types.BondedPoolName))
	if !pool.Equal(phas(300 + 50 - 15)) {
		t.Fatalf("bonded pool holds %s", pool)
	}
	// Jailing removes it from the set at the end of the block and chills it.
	if err := e.k.Jail(e.ctx, offender.ConsAddress()); err != nil {
		t.Fatal(err)
	}
	updates, err := e.k.ApplyValidatorSetChanges(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if power, in := powerOf(updates, offender); !in || power != 0 {
		t.Fatalf("jailing did not remove the validator: %v", updates)
	}
	if e.status(offender) != types.VALIDATOR_STATUS_JAILED {
		t.Fatal("not jailed")
	}
	// Unjailed, it stays chilled (out of the next election) until it validates again.
	if err := e.k.Unjail(e.ctx, offender.ConsAddress()); err != nil {
		t.Fatal(err)
	}
	if e.status(offender) != types.VALIDATOR_STATUS_CHILLED {
		t.Fatalf("after unjail: %v, want chilled", e.status(offender))
	}
	if _, in := powerOf(e.nextEra(), offender); in {
		t.Fatal("a chilled validator was elected")
	}
	for _, bad := range []math.LegacyDec{math.LegacyNewDec(-1), math.LegacyNewDec(2)} {
		if _, err := e.k.Slash(e.ctx, vals[1].ConsAddress(), e.ctx.BlockHeight(), 100, bad); err == nil {
			t.Fatalf("slash fraction %s accepted", bad)
		}
	}
}

func TestDeferredSlashAppliesLater(t *testing.T) {
	var vals []apptest.Validator
	e := newEnv(t, func(g *apptest.Genesis) {
		g.SetStakingParams(t, func(p *types.Params) { p.SlashDeferEras = 1 })
		vals = append(vals, g.AddValidator(t, phas(100)), g.AddValidator(t, phas(100)))
	})
	if _, err := e.k.Slash(e.ctx, vals[0].ConsAddress(), e.ctx.BlockHeight(), 100, math.LegacyNewDecWithPrec(2, 1)); err != nil {
		t.Fatal(err)
	}
	stash := sdk.AccAddress(vals[0].ValAddress())
	if l := e.ledger(stash); !l.Active.Equal(phas(100)) {
		t.Fatalf("a deferred slash applied at once: %s", l.Active)
	}
	e.nextEra()
	if l := e.ledger(stash); !l.Active.Equal(phas(80)) {
		t.Fatalf("after the deferral: %s, want 80 PHA", l.Active)
	}
}

func TestGovTallyCountsEachAccountsBond(t *testing.T) {
	var val apptest.Validator
	var nominator apptest.Account
	e := newEnv(t, func(g *apptest.Genesis) {
		val = g.AddValidator(t, phas(30))
		nominator = g.AddNominator(t, phas(10), val)
	})
	gov := e.g.App.GovKeeper
	yes := v1.NewNonSplitVoteOption(v1.OptionYes)
	no := v1.NewNonSplitVoteOption(v1.OptionNo)
	for _, vote := range []v1.Vote{
		v1.NewVote(7, sdk.AccAddress(val.ValAddress()), yes, ""),
		v1.NewVote(7, nominator.Address, no, ""),
	} {
		voter, _ := sdk.AccAddressFromBech32(vote.Voter)
		if err := gov.Votes.Set(e.ctx, collections.Join(uint64(7), voter), vote); err != nil {
			t.Fatal(err)
		}
	}
	total, results, err := e.k.GovTally()(e.ctx, *gov, v1.Proposal{Id: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !total.Equal(math.LegacyNewDecFromInt(phas(40))) || !results[v1.OptionYes].Equal(math.LegacyNewDecFromInt(phas(30))) || !results[v1.OptionNo].Equal(math.LegacyNewDecFromInt(phas(10))) {
		t.Fatalf("tally: total %s, results %v", total, results)
	}
	if bonded, _ := e.k.TotalBondedTokens(e.ctx); !bonded.Equal(phas(40)) {
		t.Fatalf("quorum base %s, want all 40 PHA bonded", bonded)
	}
	if n, _ := gov.Votes.Has(e.ctx, collections.Join(uint64(7), nominator.Address)); n {
		t.Fatal("counted votes were not removed")
	}
}

func TestStakingParamsForRelayers(t *testing.T) {
	e := newEnv(t, func(g *apptest.Genesis) { g.AddValidator(t, phas(10)) })
	res, err := keeper.NewStakingQuerier(e.k).Params(e.ctx, &stakingtypes.QueryParamsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// 2 unbonding eras × 10 blocks × 1 s.
	if res.Params.UnbondingTime.Seconds() != 20 || res.Params.BondDenom != appconfig.BondDenom {
		t.Fatalf("staking params %+v", res.Params)
	}
	if _, err := keeper.NewStakingQuerier(e.k).Validators(e.ctx, &stakingtypes.QueryValidatorsRequest{}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("other x/staking queries should be unimplemented: %v", err)
	}
}

func TestQueries(t *testing.T) {
	var vals []apptest.Validator
	var nominator apptest.Account
	e := newEnv(t, func(g *apptest.Genesis) {
		g.SetStakingParams(t, func(p *types.Params) { p.ValidatorCount = 1 })
		vals = append(vals, g.AddValidator(t, phas(20)), g.AddValidator(t, phas(10)))
		nominator = g.AddNominator(t, phas(5), vals...)
	})
	q := keeper.NewQuerier(e.k)
	elected, err := q.Validators(e.ctx, &types.QueryValidatorsRequest{Status: types.VALIDATOR_STATUS_ELECTED})
	if err != nil || len(elected.Validators) != 1 || elected.Validators[0].Power != 25 || !elected.Validators[0].SelfBond.Equal(phas(20)) {
		t.Fatalf("elected: %+v, %v", elected, err)
	}
	waiting, err := q.Validators(e.ctx, &types.QueryValidatorsRequest{Status: types.VALIDATOR_STATUS_WAITING})
	if err != nil || len(waiting.Validators) != 1 {
		t.Fatalf("waiting: %+v, %v", waiting, err)
	}
	if _, err := q.Validators(e.ctx, &types.QueryValidatorsRequest{Status: 42}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("unknown status: %v", err)
	}
	n, err := q.Nominator(e.ctx, &types.QueryNominatorRequest{Address: nominator.Address.String()})
	if err != nil || len(n.Nominator.Nominations.Targets) != 2 || !n.Nominator.Active.Equal(phas(5)) {
		t.Fatalf("nominator: %+v, %v", n, err)
	}
	all, err := q.Nominators(e.ctx, &types.QueryNominatorsRequest{})
	if err != nil || len(all.Nominators) != 1 {
		t.Fatalf("nominators: %+v, %v", all, err)
	}
	era, err := q.CurrentEra(e.ctx, &types.QueryCurrentEraRequest{})
	if err != nil || era.Era.Index != 0 || era.NextEraHeight != era.Era.StartHeight+testEraLength-1 {
		t.Fatalf("current era: %+v, %v", era, err)
	}
	for _, tc := range []struct {
		name string
		err  error
		code codes.Code
	}{
		{"ledger of nobody", func() error {
			_, err := q.Ledger(e.ctx, &types.QueryLedgerRequest{Address: sdk.AccAddress(make([]byte, 20)).String()})
			return err
		}(), codes.NotFound},
		{"ledger of garbage", func() error { _, err := q.Ledger(e.ctx, &types.QueryLedgerRequest{Address: "phala1xyz"}); return err }(), codes.InvalidArgument},
		{"validator unknown", func() error {
			_, err := q.Validator(e.ctx, &types.QueryValidatorRequest{OperatorAddress: sdk.ValAddress(make([]byte, 20)).String()})
			return err
		}(), codes.NotFound},
		{"exposure of a waiting candidate", func() error {
			_, err := q.Exposure(e.ctx, &types.QueryExposureRequest{Era: 0, OperatorAddress: vals[1].ValAddress().String()})
			return err
		}(), codes.NotFound},
		{"era rewards of a future era", func() error { _, err := q.EraRewards(e.ctx, &types.QueryEraRewardsRequest{Era: 9}); return err }(), codes.NotFound},
	} {
		if status.Code(tc.err) != tc.code {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.code)
		}
	}
	if !strings.Contains(elected.Validators[0].Validator.OperatorAddress, "phalavaloper") {
		t.Fatal("operator address is not in phalavaloper form")
	}
}

func TestSDKInterfacesPresentValidators(t *testing.T) {
	var vals []apptest.Validator
	e := newEnv(t, func(g *apptest.Genesis) {
		g.SetStakingParams(t, func(p *types.Params) { p.ValidatorCount = 1 })
		vals = append(vals, g.AddValidator(t, phas(20)), g.AddValidator(t, phas(10)))
	})
	k := e.k
	active, waiting := vals[0], vals[1]
	sv, err := k.ValidatorByConsAddr(e.ctx, active.ConsAddress())
	if err != nil || !sv.IsBonded() || !sv.GetBondedTokens().Equal(phas(20)) {
		t.Fatalf("active validator presented as %+v, %v", sv, err)
	}
	sv, err = k.Validator(e.ctx, waiting.ValAddress())
	if err != nil || sv.IsBonded() || sv.IsUnbonded() {
		t.Fatalf("a waiting candidate must be neither bonded nor unbonded (it stays slashable): %v, %v", sv, err)
	}
	del, err := k.Delegation(e.ctx, sdk.AccAddress(active.ValAddress()), active.ValAddress())
	if err != nil || del == nil || !del.GetShares().Equal(math.LegacyNewDecFromInt(phas(20))) {
		t.Fatalf("self-delegation = %v, %v", del, err)
	}
	if d, err := k.Delegation(e.ctx, sdk.AccAddress(waiting.ValAddress()), active.ValAddress()); err != nil || d != nil {
		t.Fatalf("NPoS has no delegation to another validator, got %v, %v", d, err)
	}
	var bonded int
	if err := k.IterateBondedValidatorsByPower(e.ctx, func(int64, stakingtypes.ValidatorI) bool { bonded++; return false }); err != nil || bonded != 1 {
		t.Fatalf("IterateBondedValidatorsByPower saw %d, %v", bonded, err)
	}
	if _, err := k.ValidatorByConsAddr(e.ctx, sdk.ConsAddress(make([]byte, 20))); !errors.Is(err, types.ErrValidatorNotFound) {
		t.Fatalf("unknown consensus address: %v", err)
	}
}

func TestGenesisRejectsAMismatchedBondedPool(t *testing.T) {
	g := apptest.New(t)
	g.AddValidator(t, phas(10))
	cdc := g.App.AppCodec()
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(g.State[types.ModuleName], &gs)
	gs.Ledgers[0].Total, gs.Ledgers[0].Active = phas(20), phas(20) // more than the pool holds
	ctx := g.App.NewUncachedContext(false, cmtproto.Header{ChainID: apptest.ChainID, Height: 1, Time: apptest.GenesisTime})
	for _, name := range []string{authtypes.ModuleName, banktypes.ModuleName} {
		g.App.ModuleManager.Modules[name].(module.HasGenesis).InitGenesis(ctx, cdc, g.State[name])
	}
	if _, err := g.App.StakingKeeper.InitGenesis(ctx, &gs); !errors.Is(err, types.ErrBondedPoolMismatch) {
		t.Fatalf("genesis bonding more than the pool holds: %v", err)
	}
}

func TestGenesisExportRoundTrip(t *testing.T) {
	var vals []apptest.Validator
	e := newEnv(t, func(g *apptest.Genesis) {
		vals = append(vals, g.AddValidator(t, phas(20)), g.AddValidator(t, phas(10)))
		g.AddNominator(t, phas(5), vals[0])
	})
	if err := e.k.Jail(e.ctx, vals[1].ConsAddress()); err != nil {
		t.Fatal(err)
	}
	exported, err := e.k.ExportGenesis(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := exported.Validate(); err != nil {
		t.Fatalf("exported genesis does not validate: %v", err)
	}
	if len(exported.Ledgers) != 3 || len(exported.Validators) != 2 || len(exported.Nominators) != 1 {
		t.Fatalf("exported %d ledgers, %d validators, %d nominators", len(exported.Ledgers), len(exported.Validators), len(exported.Nominators))
	}
	for _, v := range exported.Validators {
		if v.OperatorAddress == vals[1].ValAddress().String() && (!v.Jailed || !v.Chilled) {
			t.Fatal("the jailed validator lost its state in the export")
		}
	}
}

func TestUpdateParams(t *testing.T) {
	var val apptest.Validator
	e := newEnv(t, func(g *apptest.Genesis) { val = g.AddValidator(t, phas(10)) })
	gov := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	good, _ := e.k.Params.Get(e.ctx)
	good.ValidatorCount = 7
	for _, tc := range []struct {
		name    string
		msg     types.MsgUpdateParams
		wantErr error
	}{
		{"not the authority", types.MsgUpdateParams{Authority: sdk.AccAddress(val.ValAddress()).String(), Params: good}, types.ErrInvalidSigner},
		{"zero validators", types.MsgUpdateParams{Authority: gov, Params: func() types.Params { p := good; p.ValidatorCount = 0; return p }()}, types.ErrInvalidParams},
		{"bond denom change", types.MsgUpdateParams{Authority: gov, Params: func() types.Params { p := good; p.BondDenom = "uatom"; return p }()}, types.ErrInvalidParams},
		{"valid", types.MsgUpdateParams{Authority: gov, Params: good}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.k.Params.Get(e.ctx)
			_, err := e.srv.UpdateParams(e.ctx, &tc.msg)
			after, _ := e.k.Params.Get(e.ctx)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil && before.String() != after.String() {
				t.Fatal("a refused update changed the params")
			}
			if tc.wantErr == nil && after.ValidatorCount != 7 {
				t.Fatalf("params not updated: %+v", after)
			}
		})
	}
}
