package lightclient

import (
	"errors"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"
)

func newTestClient(t *testing.T, first *types.LightBlock) *Client {
	t.Helper()
	c, err := New(anchorOf(first), first, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFollowsAdjacentAndSkipping(t *testing.T) {
	a := newValSet(t, 10, 10, 10, 10)
	b := newValSet(t, 10, 10, 10, 10) // a whole new set, as an NPoS election may elect
	chain := testChain(t, 40, a, b, 21)

	// Adjacent, block by block, across the change.
	c := newTestClient(t, chain[0])
	for _, lb := range chain[1:] {
		if err := c.Update(lb); err != nil {
			t.Fatalf("adjacent %d: %v", lb.Height, err)
		}
	}
	if got := c.Latest(); got.Height != 40 || string(got.AppHash) != string(chain[39].AppHash) {
		t.Fatalf("latest %+v", got)
	}

	// Skipping within one set works in one step.
	c = newTestClient(t, chain[0])
	if err := c.Update(chain[19]); err != nil {
		t.Fatalf("skip 1 -> 20: %v", err)
	}
	// Skipping across a complete change cannot be trusted (no overlap)...
	if err := c.Update(chain[35]); !errors.Is(err, ErrVerification) {
		t.Fatalf("skip across a full set change: %v", err)
	}
	// ...but the boundary header (signed by the old set's successor, which
	// the trusted header names as next) verifies adjacently, then skipping
	// resumes.
	if err := c.Update(chain[20]); err != nil {
		t.Fatalf("the boundary header 21: %v", err)
	}
	if err := c.Update(chain[39]); err != nil {
		t.Fatalf("skip 21 -> 40: %v", err)
	}
	if _, err := c.At(21); err != nil {
		t.Fatal(err)
	}
	if _, err := c.At(30); !errors.Is(err, ErrUnknownHeight) {
		t.Fatalf("height never verified: %v", err)
	}
}

func TestPartialSetChangeSkips(t *testing.T) {
	a := newValSet(t, 10, 10, 10, 10)
	// Half the power stays: a skipping client trusts the overlap.
	b := valSet{keys: map[string]types.PrivValidator{}}
	var vals []*types.Validator
	for i, v := range a.set.Validators {
		if i < 2 {
			vals = append(vals, types.NewValidator(v.PubKey, v.VotingPower))
			b.keys[string(v.Address)] = a.keys[string(v.Address)]
		}
	}
	fresh := newValSet(t, 10, 10)
	for _, v := range fresh.set.Validators {
		vals = append(vals, types.NewValidator(v.PubKey, v.VotingPower))
		b.keys[string(v.Address)] = fresh.keys[string(v.Address)]
	}
	b.set = types.NewValidatorSet(vals)
	chain := testChain(t, 30, a, b, 11)
	c := newTestClient(t, chain[0])
	if err := c.Update(chain[29]); err != nil {
		t.Fatalf("skip 1 -> 30 with half the power kept: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	a := newValSet(t, 10, 10, 10, 10)
	other := newValSet(t, 10, 10, 10, 10)
	chain := testChain(t, 10, a, a, 0)
	at := func(h int64) time.Time { return genesisTime.Add(time.Duration(h) * time.Second) }

	forgedAppHash := makeBlock(t, blockSpec{height: 3, time: at(3), vals: a, next: a})
	forgedAppHash.AppHash = []byte("forged state root, 32 bytes long")

	withOtherVals := makeBlock(t, blockSpec{height: 3, time: at(3), vals: a, next: a})
	withOtherVals.ValidatorSet = other.set

	for _, tc := range []struct {
		name string
		lb   *types.LightBlock
		want error
	}{
		{"replay of the trusted header", chain[1], ErrNotNewer},
		{"older header", chain[0], ErrNotNewer},
		{"another chain", makeBlock(t, blockSpec{chainID: "other-chain", height: 3, time: at(3), vals: a, next: a}), ErrWrongChain},
		{"signed by strangers", makeBlock(t, blockSpec{height: 3, time: at(3), vals: other, next: other}), ErrVerification},
		{"signed by 2 of 4 (not more than 2/3)", makeBlock(t, blockSpec{height: 3, time: at(3), vals: a, next: a, signers: 2}), ErrVerification},
		{"skipping, signed by 2 of 4", makeBlock(t, blockSpec{height: 8, time: at(8), vals: a, next: a, signers: 2}), ErrVerification},
		{"time going backwards", makeBlock(t, blockSpec{height: 3, time: at(1), vals: a, next: a}), ErrVerification},
		{"same time as the trusted header", makeBlock(t, blockSpec{height: 3, time: at(2), vals: a, next: a}), ErrVerification},
		{"header changed after signing", forgedAppHash, ErrMalformed},
		{"validator set not the header's", withOtherVals, ErrMalformed},
		{"beyond the trusting period", makeBlock(t, blockSpec{height: 3, time: at(2).Add(15 * 24 * time.Hour), vals: a, next: a}), ErrVerification},
		{"nothing", &types.LightBlock{}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, chain[0])
			if err := c.Update(chain[1]); err != nil {
				t.Fatal(err)
			}
			before := c.Latest()
			err := c.Update(tc.lb)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if after := c.Latest(); after.Height != before.Height || string(after.Hash) != string(before.Hash) {
				t.Fatal("a refused header changed the trusted state")
			}
			// The honest next header still verifies.
			if err := c.Update(chain[2]); err != nil {
				t.Fatalf("honest header after the refusal: %v", err)
			}
		})
	}
}

func TestAnchor(t *testing.T) {
	a := newValSet(t, 10, 10, 10)
	chain := testChain(t, 3, a, a, 0)
	anchor := anchorOf(chain[0])
	if _, err := New(anchor, chain[1], DefaultOptions()); !errors.Is(err, ErrAnchorMismatch) {
		t.Fatalf("another header for the anchor: %v", err)
	}
	other := anchor
	other.Hash = chain[1].Hash()
	if _, err := New(other, chain[0], DefaultOptions()); !errors.Is(err, ErrAnchorMismatch) {
		t.Fatalf("another hash: %v", err)
	}
	wrongChain := anchor
	wrongChain.ChainID = "other-chain"
	if _, err := New(wrongChain, chain[0], DefaultOptions()); !errors.Is(err, ErrWrongChain) {
		t.Fatalf("another chain: %v", err)
	}
	bad := DefaultOptions()
	bad.TrustingPeriod = 0
	if _, err := New(anchor, chain[0], bad); err == nil {
		t.Fatal("zero trusting period accepted")
	}
}
