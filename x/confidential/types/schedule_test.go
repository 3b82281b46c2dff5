package types_test

import (
	"bytes"
	"testing"

	"cosmossdk.io/math"

	"github.com/phala-cosmos/phala-cosmos/x/confidential/types"
	registrytypes "github.com/phala-cosmos/phala-cosmos/x/registry/types"
)

func candidates(weights ...int64) []registrytypes.Schedulable {
	var out []registrytypes.Schedulable
	for i, w := range weights {
		out = append(out, registrytypes.Schedulable{Identity: []byte{byte(i)}, Weight: math.NewInt(w)})
	}
	return out
}

func TestDraw(t *testing.T) {
	seed := types.ScheduleSeed([]byte("beacon"), []byte("block"), []byte("contract"))
	cs := candidates(1, 2, 3, 4)
	got := types.Draw(seed, cs, 3)
	if len(got) != 3 {
		t.Fatalf("drew %d of 3", len(got))
	}
	seen := map[byte]bool{}
	for _, c := range got {
		if seen[c.Identity[0]] {
			t.Fatal("a worker was drawn twice")
		}
		seen[c.Identity[0]] = true
	}
	again := types.Draw(seed, cs, 3)
	for i := range got {
		if !bytes.Equal(got[i].Identity, again[i].Identity) {
			t.Fatal("the same seed drew other workers")
		}
	}
	if n := len(types.Draw(seed, cs, 10)); n != 4 {
		t.Fatalf("asking for more than there are drew %d, want all 4", n)
	}
	if len(types.Draw(seed, nil, 1)) != 0 {
		t.Fatal("drew from nobody")
	}
	if cs[0].Weight.Int64() != 1 || len(cs) != 4 {
		t.Fatal("Draw changed its input")
	}
}

// TestDrawProportional: over many seeds, first picks follow the weights
// (1:3 here) within a loose bound; a zero-weight-like tiny worker is rare.
func TestDrawProportional(t *testing.T) {
	cs := candidates(1, 3)
	counts := [2]int{}
	const n = 4000
	for i := 0; i < n; i++ {
		seed := types.ScheduleSeed(nil, []byte{byte(i), byte(i >> 8)}, nil)
		counts[types.Draw(seed, cs, 1)[0].Identity[0]]++
	}
	if counts[0] < n/4-200 || counts[0] > n/4+200 {
		t.Fatalf("weight 1 of 4 was drawn %d times in %d", counts[0], n)
	}
}

func TestScheduleSeed(t *testing.T) {
	a := types.ScheduleSeed([]byte("ab"), []byte("c"), []byte("d"))
	for _, other := range [][32]byte{
		types.ScheduleSeed([]byte("a"), []byte("bc"), []byte("d")),
		types.ScheduleSeed([]byte("ab"), []byte("c"), []byte("e")),
		types.ScheduleSeed(nil, []byte("c"), []byte("d")),
	} {
		if other == a {
			t.Fatal("distinct inputs gave the same seed")
		}
	}
}
