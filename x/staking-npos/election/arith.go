package election

import (
	"errors"
	"fmt"
	"sort"
)

// Rounding is how a division rounds, as sp-arithmetic's Rounding.
type Rounding int

// Rounding modes.
const (
	// RoundDown rounds towards zero.
	RoundDown Rounding = iota
	// RoundUp rounds towards infinity.
	RoundUp
	// RoundNearestPrefDown rounds to the nearest integer, down when equidistant.
	RoundNearestPrefDown
	// RoundNearestPrefUp rounds to the nearest integer, up when equidistant.
	RoundNearestPrefUp
)

// MulDiv returns a*b/c computed exactly with a 256-bit intermediate and
// rounded as r. It fails (ok false) if c is zero or the result does not fit
// in 128 bits, as sp-arithmetic's multiply_by_rational_with_rounding.
func MulDiv(a, b, c Uint128, r Rounding) (Uint128, bool) {
	if c.IsZero() {
		return Uint128{}, false
	}
	q, rem, ok := divmod256(mul128(a, b), c)
	if !ok {
		return Uint128{}, false
	}
	var up bool
	switch r {
	case RoundUp:
		up = !rem.IsZero()
	case RoundNearestPrefDown:
		half, _ := c.QuoRem(U128(2))
		up = rem.Cmp(half) > 0
	case RoundNearestPrefUp:
		half, odd := c.QuoRem(U128(2))
		up = rem.Cmp(half.SaturatingAdd(odd)) >= 0
	}
	if up {
		return q.CheckedAdd(U128(1))
	}
	return q, true
}

// rational is Substrate's Rational128: a numerator and a denominator of 128
// bits, compared exactly (cross products in 256 bits).
type rational struct {
	n, d Uint128
}

// newRational builds n/d, with d raised to at least one.
func newRational(n, d Uint128) rational {
	if d.IsZero() {
		d = U128(1)
	}
	return rational{n, d}
}

var (
	rationalZero = rational{d: U128(1)}
	rationalMax  = rational{n: MaxUint128, d: U128(1)}
)

func (x rational) isZero() bool { return x.n.IsZero() }

// cmp compares x and y exactly.
func (x rational) cmp(y rational) int {
	switch {
	case x.d == y.d:
		return x.n.Cmp(y.n)
	case x.d.IsZero():
		return 1
	case y.d.IsZero():
		return -1
	}
	return cmp256(mul128(x.n, y.d), mul128(y.n, x.d))
}

// lazyAdd adds numerators, assuming equal denominators, saturating.
func (x rational) lazyAdd(y rational) rational {
	if y.isZero() {
		return x
	}
	return rational{x.n.SaturatingAdd(y.n), x.d}
}

// lazySub subtracts numerators, assuming equal denominators, saturating.
func (x rational) lazySub(y rational) rational {
	if y.isZero() {
		return x
	}
	return rational{x.n.SaturatingSub(y.n), x.d}
}

// toDen1 returns x rounded to an integer (nearest, ties down), as
// Rational128::to_den(1).
func (x rational) toDen1() (Uint128, bool) {
	if x.d == U128(1) {
		return x.n, true
	}
	return MulDiv(x.n, U128(1), x.d, RoundNearestPrefDown)
}

func cmp256(a, b [4]uint64) int {
	for i := 3; i >= 0; i-- {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return 0
}

// Accuracy is a PerThing type: ratios are stored as parts of One.
type Accuracy struct {
	name string
	one  uint64
}

// The PerThing accuracies of sp-arithmetic.
var (
	Percent     = Accuracy{"percent", 100}
	Permill     = Accuracy{"permill", 1_000_000}
	Perbill     = Accuracy{"perbill", 1_000_000_000}
	PerU16      = Accuracy{"peru16", 65_535}
	Perquintill = Accuracy{"perquintill", 1_000_000_000_000_000_000}
)

// Accuracies lists every accuracy by name.
var Accuracies = []Accuracy{Perbill, Permill, Percent, PerU16, Perquintill}

// ParseAccuracy returns the accuracy with the given name.
func ParseAccuracy(name string) (Accuracy, error) {
	for _, a := range Accuracies {
		if a.name == name {
			return a, nil
		}
	}
	return Accuracy{}, fmt.Errorf("unknown accuracy %q (use perbill, permill, percent, peru16 or perquintill)", name)
}

// String returns the accuracy's name.
func (a Accuracy) String() string { return a.name }

// One is the number of parts that make a whole.
func (a Accuracy) One() uint64 { return a.one }

// FromRational returns p/q in parts, rounded down; one whole when q is zero
// or p > q (PerThing::from_rational).
func (a Accuracy) FromRational(p, q Uint128) uint64 {
	if q.IsZero() || p.Cmp(q) > 0 {
		return a.one
	}
	parts, ok := MulDiv(U128(a.one), p, q, RoundDown)
	if !ok {
		return a.one
	}
	return parts.Lo
}

// Mul returns parts/One of x, rounded as r and saturating
// (PerThing's mul_floor, mul_ceil and `*`).
func (a Accuracy) Mul(parts uint64, x Uint128, r Rounding) Uint128 {
	v, ok := MulDiv(x, U128(parts), U128(a.one), r)
	if !ok {
		return MaxUint128
	}
	return v
}

// ErrArithmetic is returned when a sum does not fit in 128 bits.
var ErrArithmetic = errors.New("election: arithmetic overflow")

// Normalize adjusts input so that it sums to exactly target, changing each
// element as little as possible, with sp-arithmetic's exact algorithm: the
// difference is spread over the smallest (when bumping) or largest (when
// cutting) elements first, in ascending order of value, stable by position.
func Normalize(input []Uint128, target Uint128) ([]Uint128, error) {
	sum := Uint128{}
	for _, x := range input {
		var ok bool
		if sum, ok = sum.CheckedAdd(x); !ok {
			return nil, fmt.Errorf("%w: sum of input does not fit", ErrArithmetic)
		}
	}
	count := len(input)
	if count == 0 {
		return nil, nil
	}
	out := append([]Uint128(nil), input...)
	needsBump := target.Cmp(sum) > 0
	var diff Uint128
	if needsBump {
		diff = target.SaturatingSub(sum)
	} else {
		diff = sum.SaturatingSub(target)
	}
	if diff.IsZero() {
		return out, nil
	}
	countU := U128(uint64(count))
	perRound, leftover := diff.QuoRem(countU)

	order := make([]int, count)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return out[order[i]].Less(out[order[j]]) })
	one := U128(1)

	if needsBump {
		minIndex := 0
		threshold, _ := target.QuoRem(countU)
		if !perRound.IsZero() {
			for range count {
				out[order[minIndex]] = out[order[minIndex]].SaturatingAdd(perRound)
				if out[order[minIndex]].Cmp(threshold) >= 0 {
					minIndex = (minIndex + 1) % count
				}
			}
		}
		// Substrate adds the leftover one unit at a time, moving to the next
		// element once the current one reaches the threshold; the same steps
		// are taken here in batches.
		for !leftover.IsZero() {
			x := out[order[minIndex]]
			k := one
			if x.Less(threshold) {
				k = minU128(leftover, threshold.SaturatingSub(x))
			}
			out[order[minIndex]] = x.SaturatingAdd(k)
			if out[order[minIndex]].Cmp(threshold) >= 0 {
				minIndex = (minIndex + 1) % count
			}
			leftover = leftover.SaturatingSub(k)
		}
		return out, nil
	}

	maxIndex := count - 1
	threshold := out[order[0]]
	prev := func(i int) int {
		if i == 0 {
			return count - 1
		}
		return i - 1
	}
	if !perRound.IsZero() {
		for range count {
			cur := out[order[maxIndex]]
			if next, ok := cur.CheckedSub(perRound); ok {
				out[order[maxIndex]] = next
			} else {
				leftover = leftover.SaturatingAdd(perRound.SaturatingSub(cur))
				out[order[maxIndex]] = Uint128{}
			}
			if out[order[maxIndex]].Cmp(threshold) <= 0 {
				maxIndex = prev(maxIndex)
			}
		}
	}
	// Substrate takes the leftover one unit at a time, moving to the previous
	// element once the current one falls to the threshold (or is empty); the
	// same steps are taken here in batches.
	for !leftover.IsZero() {
		x := out[order[maxIndex]]
		if x.IsZero() {
			maxIndex = prev(maxIndex)
			continue
		}
		k := one
		if x.Cmp(threshold) > 0 {
			k = minU128(leftover, x.SaturatingSub(threshold))
		}
		out[order[maxIndex]] = x.SaturatingSub(k)
		if out[order[maxIndex]].Cmp(threshold) <= 0 {
			maxIndex = prev(maxIndex)
		}
		leftover = leftover.SaturatingSub(k)
	}
	return out, nil
}

func minU128(a, b Uint128) Uint128 {
	if a.Less(b) {
		return a
	}
	return b
}
