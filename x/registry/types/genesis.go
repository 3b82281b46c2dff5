package types

import (
	"encoding/hex"
	"fmt"
)

// DefaultGenesisState returns the genesis of a new chain: the default policy.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks the genesis state: valid params, well-formed workers
// bonded in the bond denom, unbondings of known operators, gatekeepers that
// are registered workers, no duplicates.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return fmt.Errorf("%s genesis: params: %w", ModuleName, err)
	}
	denom := gs.Params.MinWorkerBond.Denom
	workers := make(map[string]bool, len(gs.Workers))
	for i, w := range gs.Workers {
		if err := validatePubkeys(w.IdentityPubkey, w.EcdhPubkey); err != nil {
			return fmt.Errorf("%s genesis: workers[%d]: %w", ModuleName, i, err)
		}
		id := hex.EncodeToString(w.IdentityPubkey)
		if workers[id] {
			return fmt.Errorf("%s genesis: worker %s is listed twice", ModuleName, id)
		}
		workers[id] = true
		if err := w.Bond.Validate(); err != nil || w.Bond.Denom != denom {
			return fmt.Errorf("%s genesis: worker %s: bond %s must be a valid amount of %s", ModuleName, id, w.Bond, denom)
		}
	}
	for i, u := range gs.Unbondings {
		if err := u.Amount.Validate(); err != nil || u.Amount.Denom != denom || !u.Amount.IsPositive() {
			return fmt.Errorf("%s genesis: unbondings[%d]: amount %s must be a positive amount of %s", ModuleName, i, u.Amount, denom)
		}
	}
	for i, c := range gs.Collateral {
		if b, err := hex.DecodeString(c.Fmspc); err != nil || len(b) != 6 || c.Fmspc != hex.EncodeToString(b) {
			return fmt.Errorf("%s genesis: collateral[%d]: fmspc %q is not 6 bytes of lower-case hex", ModuleName, i, c.Fmspc)
		}
	}
	next := map[string]uint64{}
	for i, e := range gs.Ingress {
		if len(e.Destination) != PubkeySize {
			return fmt.Errorf("%s genesis: ingress[%d]: destination is %d bytes, want %d", ModuleName, i, len(e.Destination), PubkeySize)
		}
		id := hex.EncodeToString(e.Destination)
		if e.Sequence != next[id]+1 {
			return fmt.Errorf("%s genesis: ingress[%d]: destination %s has sequence %d after %d; sequences run 1, 2, 3... in order", ModuleName, i, id, e.Sequence, next[id])
		}
		next[id] = e.Sequence
	}
	for i, e := range gs.Egress {
		if len(e.Worker) != PubkeySize || e.Next < 1 {
			return fmt.Errorf("%s genesis: egress[%d]: want a %d-byte worker key and next >= 1", ModuleName, i, PubkeySize)
		}
	}
	seen := map[string]bool{}
	for _, g := range gs.Gatekeepers {
		id := hex.EncodeToString(g)
		if !workers[id] {
			return fmt.Errorf("%s genesis: gatekeeper %s is not a registered worker", ModuleName, id)
		}
		if seen[id] {
			return fmt.Errorf("%s genesis: gatekeeper %s is listed twice", ModuleName, id)
		}
		seen[id] = true
	}
	stats := map[string]bool{}
	for i, st := range gs.Stats {
		id := hex.EncodeToString(st.IdentityPubkey)
		if !workers[id] || stats[id] {
			return fmt.Errorf("%s genesis: stats[%d]: worker %s is not registered or listed twice", ModuleName, i, id)
		}
		stats[id] = true
		if st.Slashed.IsNil() || st.Slashed.IsNegative() || st.Rewarded.IsNil() || st.Rewarded.IsNegative() {
			return fmt.Errorf("%s genesis: stats[%d]: slashed and rewarded must be non-negative amounts", ModuleName, i)
		}
	}
	challenged := map[string]bool{}
	for i, c := range gs.Challenges {
		id := hex.EncodeToString(c.IdentityPubkey)
		if !workers[id] || challenged[id] {
			return fmt.Errorf("%s genesis: challenges[%d]: worker %s is not registered or challenged twice", ModuleName, i, id)
		}
		challenged[id] = true
		if c.Deadline <= c.Height {
			return fmt.Errorf("%s genesis: challenges[%d]: deadline %d is not after height %d", ModuleName, i, c.Deadline, c.Height)
		}
	}
	var last uint32
	for i, mk := range gs.MasterKeyHistory {
		if mk.Generation != last+1 || len(mk.PublicKey) != 32 {
			return fmt.Errorf("%s genesis: master_key_history[%d]: generation %d after %d, key of %d bytes; want generations 1, 2, 3... of 32-byte keys", ModuleName, i, mk.Generation, last, len(mk.PublicKey))
		}
		last = mk.Generation
	}
	if gs.MasterKey != nil && (last == 0 || gs.MasterKey.Generation != last) {
		return fmt.Errorf("%s genesis: the master key (generation %d) must be the last of master_key_history (%d generations)", ModuleName, gs.MasterKey.Generation, last)
	}
	if r := gs.Rotation; r != nil && (gs.MasterKey == nil || r.Generation != last+1 || !seen[hex.EncodeToString(r.Leader)]) {
		return fmt.Errorf("%s genesis: rotation to generation %d needs a current key of generation %d and a gatekeeper leader", ModuleName, r.Generation, r.Generation-1)
	}
	if b := gs.Beacon; b != nil && len(b.Value) != BeaconSize {
		return fmt.Errorf("%s genesis: beacon value is %d bytes, want %d", ModuleName, len(b.Value), BeaconSize)
	}
	return nil
}
