package types

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultGenesisState returns the genesis of a new chain: the default limits.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams()}
}

// Validate checks the genesis state: limits, codes matching their bytes and
// hashes, contracts naming known codes, calls and nonces naming known
// contracts.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return fmt.Errorf("%s genesis: params: %w", ModuleName, err)
	}
	if len(gs.Codes) != len(gs.CodeBytes) {
		return fmt.Errorf("%s genesis: %d codes but %d code byte strings", ModuleName, len(gs.Codes), len(gs.CodeBytes))
	}
	codes := map[uint64]bool{}
	for i, c := range gs.Codes {
		if c.CodeId == 0 || codes[c.CodeId] {
			return fmt.Errorf("%s genesis: code id %d is zero or repeated", ModuleName, c.CodeId)
		}
		codes[c.CodeId] = true
		module, err := DecodeUpload(gs.CodeBytes[i], MaxCodeSizeCeiling)
		if err != nil {
			return fmt.Errorf("%s genesis: code %d: %w", ModuleName, c.CodeId, err)
		}
		if h := sha256.Sum256(module); !bytes.Equal(h[:], c.CodeHash) {
			return fmt.Errorf("%s genesis: code %d: its bytes do not match its hash", ModuleName, c.CodeId)
		}
	}
	contracts := map[string]bool{}
	for _, c := range gs.Contracts {
		if _, err := sdk.AccAddressFromBech32(c.Address); err != nil || contracts[c.Address] {
			return fmt.Errorf("%s genesis: contract %q is invalid or repeated", ModuleName, c.Address)
		}
		if !codes[c.CodeId] {
			return fmt.Errorf("%s genesis: contract %s names unknown code %d", ModuleName, c.Address, c.CodeId)
		}
		// Replicas are what lost workers are replaced up to: zero would
		// leave a contract without workers for good.
		if c.Replicas == 0 || c.Replicas > MaxReplicasCeiling || len(c.Workers) > int(c.Replicas) {
			return fmt.Errorf("%s genesis: contract %s wants %d replicas and has %d workers; want 1..%d replicas, no more workers",
				ModuleName, c.Address, c.Replicas, len(c.Workers), MaxReplicasCeiling)
		}
		contracts[c.Address] = true
	}
	for _, c := range gs.Calls {
		if !contracts[c.Contract] {
			return fmt.Errorf("%s genesis: a call names unknown contract %q", ModuleName, c.Contract)
		}
	}
	for _, n := range gs.Nonces {
		if !contracts[n.Contract] || len(n.Nonce) != NonceSize {
			return fmt.Errorf("%s genesis: a nonce names unknown contract %q or is not %d bytes", ModuleName, n.Contract, NonceSize)
		}
	}
	for _, e := range gs.State {
		if !contracts[e.Contract] || len(e.Id) != sha256.Size || len(e.Sealed) == 0 {
			return fmt.Errorf("%s genesis: a state entry names unknown contract %q, or its id is not %d bytes, or it is empty", ModuleName, e.Contract, sha256.Size)
		}
	}
	for _, r := range gs.Results {
		if !contracts[r.Contract] || r.Result.Sequence == 0 {
			return fmt.Errorf("%s genesis: a result names unknown contract %q or call 0", ModuleName, r.Contract)
		}
	}
	entries := map[string]uint64{}
	for _, e := range gs.State {
		entries[e.Contract]++
	}
	heads := map[string]bool{}
	for _, h := range gs.Heads {
		addr := sdk.AccAddress(h.Contract).String()
		if !contracts[addr] || heads[addr] {
			return fmt.Errorf("%s genesis: a state head names unknown contract %x, or repeats one", ModuleName, h.Contract)
		}
		heads[addr] = true
		if h.Entries != entries[addr] {
			return fmt.Errorf("%s genesis: contract %s's head counts %d state entries, the genesis holds %d", ModuleName, addr, h.Entries, entries[addr])
		}
		if _, err := sdk.ParseCoinsNormalized(h.Balance); err != nil {
			return fmt.Errorf("%s genesis: contract %s's balance %q: %w", ModuleName, addr, h.Balance, err)
		}
	}
	for addr := range entries {
		if !heads[addr] {
			return fmt.Errorf("%s genesis: contract %s has state but no head", ModuleName, addr)
		}
	}
	for _, r := range gs.KeyRequests {
		if !contracts[r.Contract] || len(r.Request.Gatekeeper) == 0 || r.Request.Attempt == 0 {
			return fmt.Errorf("%s genesis: a key request names unknown contract %q, no gatekeeper or attempt 0", ModuleName, r.Contract)
		}
	}
	return nil
}
