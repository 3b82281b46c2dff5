package election

import "math/bits"

// wide is a 192-bit unsigned accumulator for sums of many 128-bit terms.
type wide [3]uint64

func (w *wide) add(x Uint128) {
	var c uint64
	w[0], c = bits.Add64(w[0], x.Lo, 0)
	w[1], c = bits.Add64(w[1], x.Hi, c)
	w[2] += c
}

// sub subtracts x, which must not exceed the accumulated value.
func (w *wide) sub(x Uint128) {
	var b uint64
	w[0], b = bits.Sub64(w[0], x.Lo, 0)
	w[1], b = bits.Sub64(w[1], x.Hi, b)
	w[2] -= b
}

// plusSaturating returns w + x capped at MaxUint128.
func (w wide) plusSaturating(x Uint128) Uint128 {
	if w[2] != 0 {
		return MaxUint128
	}
	return Uint128{w[1], w[0]}.SaturatingAdd(x)
}
