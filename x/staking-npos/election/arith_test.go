package election

import (
	"encoding/json"
	"math/big"
	"os"
	"testing"

	"pgregory.net/rapid"
)

func genU128(t *rapid.T, label string) Uint128 {
	// Mix small, 64-bit and full 128-bit values, and the extremes.
	switch rapid.IntRange(0, 3).Draw(t, label+"-kind") {
	case 0:
		return U128(rapid.Uint64Range(0, 1000).Draw(t, label))
	case 1:
		return U128(rapid.Uint64().Draw(t, label))
	case 2:
		return Uint128{rapid.Uint64().Draw(t, label+"-hi"), rapid.Uint64().Draw(t, label+"-lo")}
	default:
		return rapid.SampledFrom([]Uint128{{}, U128(1), MaxUint128, {Hi: 1}, {Hi: 1 << 63}}).Draw(t, label)
	}
}

// TestMulDivMatchesBigInt checks the 256-bit multiply-divide against math/big
// for every rounding mode.
func TestMulDivMatchesBigInt(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := genU128(t, "a"), genU128(t, "b"), genU128(t, "c")
		r := Rounding(rapid.IntRange(0, 3).Draw(t, "rounding"))
		got, ok := MulDiv(a, b, c, r)
		if c.IsZero() {
			if ok {
				t.Fatalf("division by zero succeeded")
			}
			return
		}
		prod := new(big.Int).Mul(a.Big(), b.Big())
		q, rem := new(big.Int).QuoRem(prod, c.Big(), new(big.Int))
		half := new(big.Int).Rsh(c.Big(), 1)
		switch r {
		case RoundUp:
			if rem.Sign() > 0 {
				q.Add(q, big.NewInt(1))
			}
		case RoundNearestPrefDown:
			if rem.Cmp(half) > 0 {
				q.Add(q, big.NewInt(1))
			}
		case RoundNearestPrefUp:
			if rem.Cmp(new(big.Int).Add(half, new(big.Int).And(c.Big(), big.NewInt(1)))) >= 0 {
				q.Add(q, big.NewInt(1))
			}
		}
		want, err := Uint128FromBig(q)
		if err != nil {
			if ok {
				t.Fatalf("%s*%s/%s overflows 128 bits but MulDiv returned %s", a, b, c, got)
			}
			return
		}
		if !ok || got != want {
			t.Fatalf("%s*%s/%s (rounding %d) = %s, %v; want %s", a, b, c, r, got, ok, want)
		}
	})
}

func TestUint128Ops(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := genU128(t, "a"), genU128(t, "b")
		max := MaxUint128.Big()
		clamp := func(x *big.Int) Uint128 {
			if x.Sign() < 0 {
				return Uint128{}
			}
			if x.Cmp(max) > 0 {
				return MaxUint128
			}
			u, _ := Uint128FromBig(x)
			return u
		}
		if got, want := a.SaturatingAdd(b), clamp(new(big.Int).Add(a.Big(), b.Big())); got != want {
			t.Fatalf("%s+%s = %s, want %s", a, b, got, want)
		}
		if got, want := a.SaturatingSub(b), clamp(new(big.Int).Sub(a.Big(), b.Big())); got != want {
			t.Fatalf("%s-%s = %s, want %s", a, b, got, want)
		}
		if got, want := a.SaturatingMul(b), clamp(new(big.Int).Mul(a.Big(), b.Big())); got != want {
			t.Fatalf("%s*%s = %s, want %s", a, b, got, want)
		}
		if got, want := a.Cmp(b), a.Big().Cmp(b.Big()); got != want {
			t.Fatalf("cmp(%s, %s) = %d, want %d", a, b, got, want)
		}
		if !b.IsZero() {
			q, r := a.QuoRem(b)
			wq, wr := new(big.Int).QuoRem(a.Big(), b.Big(), new(big.Int))
			if q.Big().Cmp(wq) != 0 || r.Big().Cmp(wr) != 0 {
				t.Fatalf("%s/%s = %s r %s, want %s r %s", a, b, q, r, wq, wr)
			}
		}
		if p, err := ParseUint128(a.String()); err != nil || p != a {
			t.Fatalf("parse(%s) = %s, %v", a, p, err)
		}
	})
}

func TestRationalCompareIsExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x := newRational(genU128(t, "xn"), genU128(t, "xd"))
		y := newRational(genU128(t, "yn"), genU128(t, "yd"))
		want := new(big.Int).Mul(x.n.Big(), y.d.Big()).Cmp(new(big.Int).Mul(y.n.Big(), x.d.Big()))
		if got := x.cmp(y); got != want {
			t.Fatalf("%s/%s cmp %s/%s = %d, want %d", x.n, x.d, y.n, y.d, got, want)
		}
	})
}

func TestPerThing(t *testing.T) {
	for _, tc := range []struct {
		acc  Accuracy
		p, q uint64
		want uint64
	}{
		{Perbill, 1, 3, 333_333_333},
		{Perbill, 2, 3, 666_666_666},
		{Percent, 985, 1000, 98},
		{PerU16, 1, 2, 32_767},
		{Perbill, 5, 0, 1_000_000_000}, // q = 0: one
		{Perbill, 7, 5, 1_000_000_000}, // p > q: one
		{Perquintill, 1, 3, 333_333_333_333_333_333},
	} {
		if got := tc.acc.FromRational(U128(tc.p), U128(tc.q)); got != tc.want {
			t.Errorf("%s.FromRational(%d, %d) = %d, want %d", tc.acc, tc.p, tc.q, got, tc.want)
		}
	}
	// PerThing * x rounds to nearest, ties down; mul_ceil rounds up.
	if got := Percent.Mul(50, U128(5), RoundNearestPrefDown); got != U128(2) {
		t.Errorf("50%% of 5 = %s, want 2 (tie rounds down)", got)
	}
	if got := Perbill.Mul(10_000_000, U128(115), RoundUp); got != U128(2) {
		t.Errorf("1%% of 115 rounded up = %s, want 2", got)
	}
	if _, err := ParseAccuracy("perbillion"); err == nil {
		t.Error("unknown accuracy accepted")
	}
}

func readVectors(t testing.TB, name string, v any) {
	t.Helper()
	bz, err := os.ReadFile("testdata/npos/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(bz, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestNormalizeVectors(t *testing.T) {
	var file struct {
		Vectors []struct {
			Input    []uint64 `json:"input"`
			Target   uint64   `json:"target"`
			Expected []uint64 `json:"expected"`
			Note     string   `json:"note"`
		} `json:"vectors"`
	}
	readVectors(t, "normalize_vectors.json", &file)
	if len(file.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range file.Vectors {
		in := make([]Uint128, len(v.Input))
		for i, x := range v.Input {
			in[i] = U128(x)
		}
		got, err := Normalize(in, U128(v.Target))
		if err != nil {
			t.Fatalf("normalize(%v, %d): %v", v.Input, v.Target, err)
		}
		for i := range got {
			if got[i] != U128(v.Expected[i]) {
				t.Fatalf("normalize(%v, %d) = %v, want %v %s", v.Input, v.Target, got, v.Expected, v.Note)
			}
		}
	}
	if _, err := Normalize([]Uint128{MaxUint128, U128(1)}, U128(5)); err == nil {
		t.Fatal("an input whose sum overflows was accepted")
	}
}

func TestNormalizeProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Normalization corrects small errors: the target is near the sum.
		in := rapid.SliceOfN(rapid.Uint64Range(0, 1<<40), 1, 20).Draw(t, "input")
		var sum uint64
		for _, x := range in {
			sum += x
		}
		target := rapid.Uint64Range(sum/2, sum*2+10).Draw(t, "target")
		xs := make([]Uint128, len(in))
		for i, x := range in {
			xs[i] = U128(x)
		}
		got, err := Normalize(xs, U128(target))
		if err != nil {
			t.Fatal(err)
		}
		total := Uint128{}
		for _, g := range got {
			total = total.SaturatingAdd(g)
		}
		if total != U128(target) {
			t.Fatalf("normalize(%v, %d) sums to %s", in, target, total)
		}
	})
}

func score(v [3]json.Number) ElectionScore {
	p := func(n json.Number) Uint128 {
		u, err := ParseUint128(n.String())
		if err != nil {
			panic(err)
		}
		return u
	}
	return ElectionScore{p(v[0]), p(v[1]), p(v[2])}
}

func TestScoreVectors(t *testing.T) {
	var file struct {
		Vectors []struct {
			Fn        string         `json:"fn"`
			This      [3]json.Number `json:"this"`
			That      [3]json.Number `json:"that"`
			Threshold uint64         `json:"threshold_perbill_parts"`
			Expected  bool           `json:"expected"`
		} `json:"vectors"`
	}
	readVectors(t, "score_vectors.json", &file)
	for _, v := range file.Vectors {
		this, that := score(v.This), score(v.That)
		var got bool
		switch v.Fn {
		case "strict_threshold_better":
			got = this.StrictThresholdBetter(that, v.Threshold, Perbill)
		case "Ord (a > b)":
			got = this.Compare(that) > 0
		case "Ord (==)":
			got = this.Compare(that) == 0
		default:
			t.Fatalf("unknown score vector fn %q", v.Fn)
		}
		if got != v.Expected {
			t.Errorf("%s(%v, %v, threshold %d) = %v, want %v", v.Fn, v.This, v.That, v.Threshold, got, v.Expected)
		}
	}
}

func TestReduceVectors(t *testing.T) {
	type dist [][2]uint64
	type assignment struct {
		Voter        uint64 `json:"voter"`
		Distribution dist   `json:"distribution"`
	}
	var file struct {
		Vectors []struct {
			Name     string       `json:"name"`
			Fn       string       `json:"fn"`
			Input    []assignment `json:"input"`
			Expected struct {
				NumReduced *int         `json:"num_reduced"`
				Output     []assignment `json:"output"`
				Panics     bool         `json:"panics"`
				Property   string       `json:"property"`
			} `json:"expected"`
		} `json:"vectors"`
	}
	readVectors(t, "reduce_vectors.json", &file)
	for _, v := range file.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			var as []StakedAssignment[uint64]
			for _, a := range v.Input {
				s := StakedAssignment[uint64]{Voter: a.Voter}
				for _, d := range a.Distribution {
					s.Distribution = append(s.Distribution, Backing[uint64]{Who: d[0], Amount: U128(d[1])})
				}
				as = append(as, s)
			}
			supportBefore := totals(as)
			var n int
			var err error
			switch v.Fn {
			case "reduce_4 (private)", "reduce_4":
				n, err = reduce4(as)
			case "reduce_all (private)", "reduce_all":
				n = reduceAll(as)
			default:
				n, err = Reduce(as)
			}
			if v.Expected.Panics {
				if err == nil {
					t.Fatal("corrupt input (Substrate panics) was accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Expected.NumReduced != nil && n != *v.Expected.NumReduced {
				t.Errorf("removed %d edges, want %d", n, *v.Expected.NumReduced)
			}
			if v.Expected.Property != "" && 16-n > 4+4 {
				t.Errorf("%d edges remain, more than voters + winners", 16-n)
			}
			if v.Expected.Output != nil {
				if len(as) != len(v.Expected.Output) {
					t.Fatalf("%d assignments, want %d", len(as), len(v.Expected.Output))
				}
				for i, want := range v.Expected.Output {
					got := as[i]
					if got.Voter != want.Voter || len(got.Distribution) != len(want.Distribution) {
						t.Fatalf("assignment %d = %v, want %v", i, got, want)
					}
					for k, d := range want.Distribution {
						if got.Distribution[k].Who != d[0] || got.Distribution[k].Amount != U128(d[1]) {
							t.Fatalf("assignment %d = %v, want %v", i, got, want)
						}
					}
				}
			}
			// Reduce never changes a target's total support.
			if v.Name != "should_deal_with_duplicates_target" {
				after := totals(as)
				for target, total := range supportBefore {
					if after[target] != total {
						t.Errorf("support of %d changed from %s to %s", target, total, after[target])
					}
				}
			}
		})
	}
}

func totals(as []StakedAssignment[uint64]) map[uint64]Uint128 {
	out := map[uint64]Uint128{}
	for _, a := range as {
		for _, b := range a.Distribution {
			out[b.Who] = out[b.Who].SaturatingAdd(b.Amount)
		}
	}
	return out
}

// TestDivmodReconstructs builds n = q*d + r with random q and r < d and
// checks the 256-by-128 division returns exactly q and r: this reaches the
// correction steps of the long division that random products rarely do.
func TestDivmodReconstructs(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := genU128(t, "d")
		if d.IsZero() {
			d = U128(1)
		}
		q := genU128(t, "q")
		r := genU128(t, "r")
		_, r = r.QuoRem(d)
		n := new(big.Int).Mul(q.Big(), d.Big())
		n.Add(n, r.Big())
		var limbs [4]uint64
		for i, w := range n.Bits() {
			limbs[i] = uint64(w)
		}
		gotQ, gotR, ok := divmod256(limbs, d)
		if !ok || gotQ != q || gotR != r {
			t.Fatalf("(%s*%s+%s)/%s = %s r %s (ok %v)", q, d, r, d, gotQ, gotR, ok)
		}
	})
}
