package types_test

import (
	"strconv"
	"testing"
	"time"

	"cosmossdk.io/math"

	"github.com/phala-cosmos/phala-cosmos/x/staking-npos/types"
)

func chunks(l types.Ledger) []string {
	var out []string
	for _, c := range l.Unlocking {
		out = append(out, c.Amount.String()+"@"+strconv.FormatUint(c.Era, 10))
	}
	return out
}

func TestLedgerLifecycle(t *testing.T) {
	l := types.NewLedger("stash", math.NewInt(100))
	if err := l.Unbond(math.NewInt(30), 5); err != nil {
		t.Fatal(err)
	}
	if err := l.Unbond(math.NewInt(10), 5); err != nil { // same era: merged
		t.Fatal(err)
	}
	if err := l.Unbond(math.NewInt(20), 7); err != nil {
		t.Fatal(err)
	}
	if !l.Active.Equal(math.NewInt(40)) || !l.Total.Equal(math.NewInt(100)) || len(l.Unlocking) != 2 {
		t.Fatalf("after unbonding: %+v", l)
	}
	if err := l.Unbond(math.NewInt(41), 8); err == nil {
		t.Fatal("unbonded more than active")
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	// Rebond takes the newest chunk first.
	if moved := l.Rebond(math.NewInt(25)); !moved.Equal(math.NewInt(25)) {
		t.Fatalf("rebonded %s", moved)
	}
	if !l.Active.Equal(math.NewInt(65)) || len(l.Unlocking) != 1 || !l.Unlocking[0].Amount.Equal(math.NewInt(35)) {
		t.Fatalf("after rebond: %v active %s", chunks(l), l.Active)
	}
	// Nothing is withdrawable before era 5.
	if freed := l.WithdrawUnlocked(4); !freed.IsZero() {
		t.Fatalf("withdrew %s in era 4", freed)
	}
	if freed := l.WithdrawUnlocked(5); !freed.Equal(math.NewInt(35)) || !l.Total.Equal(math.NewInt(65)) {
		t.Fatalf("withdrew %s, total %s", freed, l.Total)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLedgerSlashTakesActiveThenNewestChunks(t *testing.T) {
	l := types.NewLedger("stash", math.NewInt(100))
	_ = l.Unbond(math.NewInt(20), 3)
	_ = l.Unbond(math.NewInt(30), 4)
	// active 50, chunks 20@3, 30@4
	if taken := l.Slash(math.NewInt(70)); !taken.Equal(math.NewInt(70)) {
		t.Fatalf("took %s", taken)
	}
	// 50 from active, then 20 of the newest chunk (30@4).
	if !l.Active.IsZero() || len(l.Unlocking) != 2 || !l.Unlocking[0].Amount.Equal(math.NewInt(20)) || !l.Unlocking[1].Amount.Equal(math.NewInt(10)) {
		t.Fatalf("after slash: active %s chunks %v", l.Active, chunks(l))
	}
	if taken := l.Slash(math.NewInt(1000)); !taken.Equal(math.NewInt(30)) || !l.Total.IsZero() || len(l.Unlocking) != 0 {
		t.Fatalf("a slash beyond the bond took %s, left %s", taken, l.Total)
	}
}

func TestUnbondChunkLimit(t *testing.T) {
	l := types.NewLedger("stash", math.NewInt(1000))
	for era := uint64(0); era < types.MaxUnlockingChunks; era++ {
		if err := l.Unbond(math.NewInt(1), era); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Unbond(math.NewInt(1), 99); err == nil {
		t.Fatal("a chunk beyond the limit was accepted")
	}
}

func TestParamsDerivedValues(t *testing.T) {
	p := types.DefaultParams()
	p.EraLength, p.UnbondingEras, p.ExpectedBlockTime = 100, 3, 6*time.Second
	if got := p.UnbondingTime(); got != 30*time.Minute {
		t.Fatalf("unbonding time %s, want 30m", got)
	}
	// 5% of 1e15 a year; an era of 100 six-second blocks is 600/31557600 of a
	// (Julian) year: 5e13 * 600 / 31557600 = 950642634.7.
	if got := p.EraPayout(math.NewInt(1_000_000_000_000_000)); !got.Equal(math.NewInt(950_642_634)) {
		t.Fatalf("era payout %s", got)
	}
	if got := p.EraPayout(math.ZeroInt()); !got.IsZero() {
		t.Fatalf("payout of an empty supply: %s", got)
	}
}
