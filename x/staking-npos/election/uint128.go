package election

import (
	"fmt"
	"math/big"
	"math/bits"
)

// Uint128 is an unsigned 128-bit integer, the ExtendedBalance of Substrate's
// sp-npos-elections. Arithmetic helpers state whether they saturate.
type Uint128 struct {
	Hi, Lo uint64
}

// MaxUint128 is 2^128 - 1.
var MaxUint128 = Uint128{Hi: ^uint64(0), Lo: ^uint64(0)}

// U128 returns x as a Uint128.
func U128(x uint64) Uint128 { return Uint128{Lo: x} }

// IsZero reports whether u is zero.
func (u Uint128) IsZero() bool { return u.Hi == 0 && u.Lo == 0 }

// Cmp returns -1, 0 or +1 as u is less than, equal to or greater than v.
func (u Uint128) Cmp(v Uint128) int {
	switch {
	case u.Hi < v.Hi:
		return -1
	case u.Hi > v.Hi:
		return 1
	case u.Lo < v.Lo:
		return -1
	case u.Lo > v.Lo:
		return 1
	}
	return 0
}

// Less reports whether u < v.
func (u Uint128) Less(v Uint128) bool { return u.Cmp(v) < 0 }

// CheckedAdd returns u + v and whether it did not overflow.
func (u Uint128) CheckedAdd(v Uint128) (Uint128, bool) {
	lo, carry := bits.Add64(u.Lo, v.Lo, 0)
	hi, carry := bits.Add64(u.Hi, v.Hi, carry)
	return Uint128{hi, lo}, carry == 0
}

// SaturatingAdd returns u + v, or MaxUint128 on overflow.
func (u Uint128) SaturatingAdd(v Uint128) Uint128 {
	s, ok := u.CheckedAdd(v)
	if !ok {
		return MaxUint128
	}
	return s
}

// CheckedSub returns u - v and whether it did not underflow.
func (u Uint128) CheckedSub(v Uint128) (Uint128, bool) {
	lo, borrow := bits.Sub64(u.Lo, v.Lo, 0)
	hi, borrow := bits.Sub64(u.Hi, v.Hi, borrow)
	return Uint128{hi, lo}, borrow == 0
}

// SaturatingSub returns u - v, or zero if v > u.
func (u Uint128) SaturatingSub(v Uint128) Uint128 {
	d, ok := u.CheckedSub(v)
	if !ok {
		return Uint128{}
	}
	return d
}

// CheckedMul returns u * v and whether it fits in 128 bits.
func (u Uint128) CheckedMul(v Uint128) (Uint128, bool) {
	p := mul128(u, v)
	return Uint128{p[1], p[0]}, p[2] == 0 && p[3] == 0
}

// SaturatingMul returns u * v, or MaxUint128 on overflow.
func (u Uint128) SaturatingMul(v Uint128) Uint128 {
	p, ok := u.CheckedMul(v)
	if !ok {
		return MaxUint128
	}
	return p
}

// QuoRem returns u / v and u % v. v must not be zero.
func (u Uint128) QuoRem(v Uint128) (Uint128, Uint128) {
	q, r, _ := divmod256([4]uint64{u.Lo, u.Hi}, v)
	return q, r
}

// Big returns u as a big.Int.
func (u Uint128) Big() *big.Int {
	b := new(big.Int).SetUint64(u.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(u.Lo))
}

// String returns u in decimal.
func (u Uint128) String() string { return u.Big().String() }

// Uint128FromBig converts b, failing if it is negative or wider than 128 bits.
func Uint128FromBig(b *big.Int) (Uint128, error) {
	if b.Sign() < 0 || b.BitLen() > 128 {
		return Uint128{}, fmt.Errorf("%s does not fit in 128 bits", b)
	}
	lo := new(big.Int).And(b, new(big.Int).SetUint64(^uint64(0))).Uint64()
	hi := new(big.Int).Rsh(b, 64).Uint64()
	return Uint128{hi, lo}, nil
}

// ParseUint128 parses a decimal string.
func ParseUint128(s string) (Uint128, error) {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return Uint128{}, fmt.Errorf("%q is not a decimal integer", s)
	}
	return Uint128FromBig(b)
}

// mul128 returns the full 256-bit product of u and v as little-endian limbs.
func mul128(u, v Uint128) [4]uint64 {
	h00, l00 := bits.Mul64(u.Lo, v.Lo)
	h01, l01 := bits.Mul64(u.Lo, v.Hi)
	h10, l10 := bits.Mul64(u.Hi, v.Lo)
	h11, l11 := bits.Mul64(u.Hi, v.Hi)

	var r [4]uint64
	r[0] = l00
	var c1, c2 uint64
	r[1], c1 = bits.Add64(h00, l01, 0)
	r[1], c2 = bits.Add64(r[1], l10, 0)
	var c3, c4 uint64
	r[2], c3 = bits.Add64(h01, h10, c1)
	r[2], c4 = bits.Add64(r[2], l11, c2)
	r[3] = h11 + c3 + c4
	return r
}

// divmod256 divides the 256-bit n by the 128-bit d (d != 0). It returns the
// quotient, the remainder, and whether the quotient fits in 128 bits (the
// quotient returned is meaningful only then).
func divmod256(n [4]uint64, d Uint128) (q, r Uint128, ok bool) {
	if d.Hi == 0 {
		// Long division by one limb.
		var qs [4]uint64
		var rem uint64
		for i := 3; i >= 0; i-- {
			qs[i], rem = bits.Div64(rem, n[i], d.Lo)
		}
		return Uint128{qs[1], qs[0]}, Uint128{Lo: rem}, qs[2] == 0 && qs[3] == 0
	}
	// The quotient fits in 128 bits iff the top 128 bits of n are below d.
	if (Uint128{n[3], n[2]}).Cmp(d) >= 0 {
		return Uint128{}, Uint128{}, false
	}
	// Knuth's algorithm D with a two-limb divisor, normalized so that its
	// top bit is set.
	s := uint(bits.LeadingZeros64(d.Hi))
	v1 := d.Hi<<s | shr(d.Lo, 64-s)
	v0 := d.Lo << s
	var u [5]uint64
	u[4] = shr(n[3], 64-s)
	u[3] = n[3]<<s | shr(n[2], 64-s)
	u[2] = n[2]<<s | shr(n[1], 64-s)
	u[1] = n[1]<<s | shr(n[0], 64-s)
	u[0] = n[0] << s

	var qs [2]uint64
	for j := 1; j >= 0; j-- {
		// Estimate the quotient digit from the top two limbs.
		var qhat, rhat uint64
		if u[j+2] >= v1 {
			qhat = ^uint64(0)
			// rhat = u[j+2]*b + u[j+1] - qhat*v1, computed with overflow care.
			rhat = u[j+1] + v1
			if rhat < v1 { // overflow: rhat >= b, skip the refinement
				goto multiply
			}
		} else {
			qhat, rhat = bits.Div64(u[j+2], u[j+1], v1)
		}
		for {
			ph, pl := bits.Mul64(qhat, v0)
			if ph > rhat || (ph == rhat && pl > u[j]) {
				qhat--
				var c uint64
				rhat, c = bits.Add64(rhat, v1, 0)
				if c != 0 {
					break
				}
				continue
			}
			break
		}
	multiply:
		// Multiply and subtract qhat * v from u[j..j+2].
		p1h, p1l := bits.Mul64(qhat, v0)
		p2h, p2l := bits.Mul64(qhat, v1)
		// qhat*v = [p1l, p1h + p2l, p2h + carry]
		m1, c := bits.Add64(p1h, p2l, 0)
		m2 := p2h + c
		var b uint64
		u[j], b = bits.Sub64(u[j], p1l, 0)
		u[j+1], b = bits.Sub64(u[j+1], m1, b)
		u[j+2], b = bits.Sub64(u[j+2], m2, b)
		if b != 0 {
			// qhat was one too large: add v back.
			qhat--
			var c uint64
			u[j], c = bits.Add64(u[j], v0, 0)
			u[j+1], c = bits.Add64(u[j+1], v1, c)
			u[j+2] += c
		}
		qs[j] = qhat
	}
	// Unnormalize the remainder.
	rLo := u[0]>>s | shl(u[1], 64-s)
	rHi := u[1]>>s | shl(u[2], 64-s)
	return Uint128{qs[1], qs[0]}, Uint128{rHi, rLo}, true
}

// shr and shl shift by n in [0, 64], giving 0 for a shift of 64.
func shr(x uint64, n uint) uint64 {
	if n >= 64 {
		return 0
	}
	return x >> n
}

func shl(x uint64, n uint) uint64 {
	if n >= 64 {
		return 0
	}
	return x << n
}
