package types

import (
	"fmt"

	"cosmossdk.io/math"
)

// NewLedger is a fresh bond of amount, all of it active.
func NewLedger(stash string, amount math.Int) Ledger {
	return Ledger{Stash: stash, Total: amount, Active: amount}
}

// Validate checks that total is active plus the unlocking chunks.
func (l Ledger) Validate() error {
	if l.Total.IsNil() || l.Active.IsNil() || l.Active.IsNegative() {
		return fmt.Errorf("ledger of %s: total and active must be set and not negative", l.Stash)
	}
	sum := l.Active
	for _, c := range l.Unlocking {
		if c.Amount.IsNil() || !c.Amount.IsPositive() {
			return fmt.Errorf("ledger of %s: unlocking chunk of %v", l.Stash, c.Amount)
		}
		sum = sum.Add(c.Amount)
	}
	if !sum.Equal(l.Total) {
		return fmt.Errorf("ledger of %s: total %s is not active %s plus unlocking", l.Stash, l.Total, l.Active)
	}
	if len(l.Unlocking) > MaxUnlockingChunks {
		return fmt.Errorf("ledger of %s: %d unlocking chunks, at most %d", l.Stash, len(l.Unlocking), MaxUnlockingChunks)
	}
	return nil
}

// Unbond moves amount from active into a chunk withdrawable at era. Chunks
// of the same era merge.
func (l *Ledger) Unbond(amount math.Int, era uint64) error {
	if !amount.IsPositive() || amount.GT(l.Active) {
		return fmt.Errorf("cannot unbond %s of an active bond of %s", amount, l.Active)
	}
	if n := len(l.Unlocking); n > 0 && l.Unlocking[n-1].Era == era {
		l.Unlocking[n-1].Amount = l.Unlocking[n-1].Amount.Add(amount)
	} else {
		if n >= MaxUnlockingChunks {
			return fmt.Errorf("%d chunks are already unlocking; withdraw or rebond first", n)
		}
		l.Unlocking = append(l.Unlocking, UnlockChunk{Amount: amount, Era: era})
	}
	l.Active = l.Active.Sub(amount)
	return nil
}

// Rebond moves up to amount from the newest unlocking chunks back to active
// and returns how much it moved.
func (l *Ledger) Rebond(amount math.Int) math.Int {
	moved := math.ZeroInt()
	for len(l.Unlocking) > 0 && moved.LT(amount) {
		last := &l.Unlocking[len(l.Unlocking)-1]
		take := math.MinInt(last.Amount, amount.Sub(moved))
		last.Amount = last.Amount.Sub(take)
		moved = moved.Add(take)
		if last.Amount.IsZero() {
			l.Unlocking = l.Unlocking[:len(l.Unlocking)-1]
		}
	}
	l.Active = l.Active.Add(moved)
	return moved
}

// WithdrawUnlocked removes the chunks withdrawable at currentEra and returns
// their sum.
func (l *Ledger) WithdrawUnlocked(currentEra uint64) math.Int {
	freed := math.ZeroInt()
	kept := l.Unlocking[:0]
	for _, c := range l.Unlocking {
		if c.Era <= currentEra {
			freed = freed.Add(c.Amount)
			continue
		}
		kept = append(kept, c)
	}
	l.Unlocking = kept
	l.Total = l.Total.Sub(freed)
	return freed
}

// Slash takes up to amount from the bond, active stake first, then the
// newest unlocking chunks, and returns what it took.
func (l *Ledger) Slash(amount math.Int) math.Int {
	take := math.MinInt(amount, l.Active)
	l.Active = l.Active.Sub(take)
	taken := take
	for i := len(l.Unlocking) - 1; i >= 0 && taken.LT(amount); i-- {
		t := math.MinInt(l.Unlocking[i].Amount, amount.Sub(taken))
		l.Unlocking[i].Amount = l.Unlocking[i].Amount.Sub(t)
		taken = taken.Add(t)
	}
	kept := l.Unlocking[:0]
	for _, c := range l.Unlocking {
		if c.Amount.IsPositive() {
			kept = append(kept, c)
		}
	}
	l.Unlocking = kept
	l.Total = l.Total.Sub(taken)
	return taken
}
