package lightclient

import (
	"errors"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/internal/testchain"
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
	a := testchain.NewValSet(t, 10, 10, 10, 10)
	b := testchain.NewValSet(t, 10, 10, 10, 10) // a whole new set, as an NPoS election may elect
	chain := testchain.Chain(t, 40, a, b, 21)

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
	a := testchain.NewValSet(t, 10, 10, 10, 10)
	// Half the power stays: a skipping client trusts the overlap.
	b := testchain.ValSet{Keys: map[string]types.PrivValidator{}}
	var vals []*types.Validator
	for i, v := range a.Set.Validators {
		if i < 2 {
			vals = append(vals, types.NewValidator(v.PubKey, v.VotingPower))
			b.Keys[string(v.Address)] = a.Keys[string(v.Address)]
		}
	}
	fresh := testchain.NewValSet(t, 10, 10)
	for _, v := range fresh.Set.Validators {
		vals = append(vals, types.NewValidator(v.PubKey, v.VotingPower))
		b.Keys[string(v.Address)] = fresh.Keys[string(v.Address)]
	}
	b.Set = types.NewValidatorSet(vals)
	chain := testchain.Chain(t, 30, a, b, 11)
	c := newTestClient(t, chain[0])
	if err := c.Update(chain[29]); err != nil {
		t.Fatalf("skip 1 -> 30 with half the power kept: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	a := testchain.NewValSet(t, 10, 10, 10, 10)
	other := testchain.NewValSet(t, 10, 10, 10, 10)
	chain := testchain.Chain(t, 10, a, a, 0)
	at := func(h int64) time.Time { return testchain.GenesisTime.Add(time.Duration(h) * time.Second) }

	forgedAppHash := testchain.Block(t, testchain.Spec{Height: 3, Time: at(3), Vals: a, Next: a})
	forgedAppHash.AppHash = []byte("forged state root, 32 bytes long")

	withOtherVals := testchain.Block(t, testchain.Spec{Height: 3, Time: at(3), Vals: a, Next: a})
	withOtherVals.ValidatorSet = other.Set

	for _, tc := range []struct {
		name string
		lb   *types.LightBlock
		want error
	}{
		{"replay of the trusted header", chain[1], ErrNotNewer},
		{"older header", chain[0], ErrNotNewer},
		{"another chain", testchain.Block(t, testchain.Spec{ChainID: "other-chain", Height: 3, Time: at(3), Vals: a, Next: a}), ErrWrongChain},
		{"signed by strangers", testchain.Block(t, testchain.Spec{Height: 3, Time: at(3), Vals: other, Next: other}), ErrVerification},
		{"signed by 2 of 4 (not more than 2/3)", testchain.Block(t, testchain.Spec{Height: 3, Time: at(3), Vals: a, Next: a, Signers: 2}), ErrVerification},
		{"skipping, signed by 2 of 4", testchain.Block(t, testchain.Spec{Height: 8, Time: at(8), Vals: a, Next: a, Signers: 2}), ErrVerification},
		{"time going backwards", testchain.Block(t, testchain.Spec{Height: 3, Time: at(1), Vals: a, Next: a}), ErrVerification},
		{"same time as the trusted header", testchain.Block(t, testchain.Spec{Height: 3, Time: at(2), Vals: a, Next: a}), ErrVerification},
		{"header changed after signing", forgedAppHash, ErrMalformed},
		{"validator set not the header's", withOtherVals, ErrMalformed},
		{"beyond the trusting period", testchain.Block(t, testchain.Spec{Height: 3, Time: at(2).Add(15 * 24 * time.Hour), Vals: a, Next: a}), ErrVerification},
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
	a := testchain.NewValSet(t, 10, 10, 10)
	chain := testchain.Chain(t, 3, a, a, 0)
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

func anchorOf(lb *types.LightBlock) TrustAnchor {
	return TrustAnchor{ChainID: lb.ChainID, Height: lb.Height, Hash: lb.Hash()}
}
