// Package restore is how a newly scheduled worker's enclave rebuilds a
// contract's state from the chain: the data availability guarantee of
// confidential contracts. x/confidential keeps, in its store, every sealed
// state entry a contract's applied results wrote, and a ContractStateHead
// counting the calls applied and the entries, with the contract's balance.
// The enclave proves the head and then each entry at one height, against
// an app hash its light client verified; once it holds as many distinct
// proven entries as the head counts, it holds the whole state as of the
// head's last applied call, and nothing a relayer did can have left an
// entry out, added one, or swapped in an older version of one.
//
// The key layout here is the one x/confidential writes; both import it.
package restore

import (
	"bytes"
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/stateproof"
)

// Store layout in the x/confidential store.
const (
	// StoreKey is the module store holding contract state.
	StoreKey = "confidential"
	// StatePrefix starts the key of a sealed state entry: prefix, the
	// contract address's length (one byte) and bytes, the entry id.
	StatePrefix byte = 10
	// HeadPrefix starts the key of a contract's ContractStateHead: prefix,
	// the contract address.
	HeadPrefix byte = 12
)

// StateKey is the store key of a contract's sealed entry id.
func StateKey(contract, id []byte) []byte {
	out := append([]byte{StatePrefix, byte(len(contract))}, contract...)
	return append(out, id...)
}

// HeadKey is the store key of a contract's ContractStateHead.
func HeadKey(contract []byte) []byte { return append([]byte{HeadPrefix}, contract...) }

// Typed errors; a refused step leaves the restore as it was.
var (
	// ErrHead: the head is not proven, or not the contract's.
	ErrHead = errors.New("restore: contract state head not proven")
	// ErrEntry: an entry is not proven, or not wanted (a repeat, or beyond
	// the head's count).
	ErrEntry = errors.New("restore: state entry refused")
)

// Restore collects one contract's state proven at one height.
type Restore struct {
	contract []byte
	height   int64
	head     *api.ContractStateHead
	raw      []byte
	entries  map[string][]byte // sealed by id
}

// Begin starts a restore of contract from its head as stored at height
// (raw, the stored protobuf), proven against appHash (of the verified
// header at height+1).
func Begin(appHash, contract []byte, height int64, raw []byte, proof *cmtcrypto.ProofOps) (*Restore, error) {
	if err := stateproof.VerifyValue(appHash, StoreKey, HeadKey(contract), raw, proof); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHead, err)
	}
	var head api.ContractStateHead
	if err := head.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHead, err)
	}
	if !bytes.Equal(head.Contract, contract) {
		return nil, fmt.Errorf("%w: it names contract %x", ErrHead, head.Contract)
	}
	return &Restore{contract: bytes.Clone(contract), height: height, head: &head, raw: bytes.Clone(raw), entries: map[string][]byte{}}, nil
}

// Continues reports whether a later batch at height with head raw belongs
// to this restore (the same height and the same head).
func (r *Restore) Continues(height int64, raw []byte) bool {
	return r.height == height && bytes.Equal(r.raw, raw)
}

// Add takes one sealed entry proven at the restore's height against
// appHash. An entry already held, or one more than the head counts, is
// refused.
func (r *Restore) Add(appHash, id, sealed []byte, proof *cmtcrypto.ProofOps) error {
	if _, ok := r.entries[string(id)]; ok {
		return fmt.Errorf("%w: entry %x given twice", ErrEntry, id)
	}
	if uint64(len(r.entries)) >= r.head.Entries {
		return fmt.Errorf("%w: the head counts %d entries, all given", ErrEntry, r.head.Entries)
	}
	if err := stateproof.VerifyValue(appHash, StoreKey, StateKey(r.contract, id), sealed, proof); err != nil {
		return fmt.Errorf("%w: %v", ErrEntry, err)
	}
	r.entries[string(id)] = bytes.Clone(sealed)
	return nil
}

// Height is the height the restore's proofs are at.
func (r *Restore) Height() int64 { return r.height }

// Head is the proven head.
func (r *Restore) Head() *api.ContractStateHead { return r.head }

// Received is how many entries the restore holds.
func (r *Restore) Received() uint64 { return uint64(len(r.entries)) }

// Done reports whether every entry the head counts has been given.
func (r *Restore) Done() bool { return uint64(len(r.entries)) == r.head.Entries }

// Entries calls f for each entry (in no particular order) until f fails.
func (r *Restore) Entries(f func(id, sealed []byte) error) error {
	for id, sealed := range r.entries {
		if err := f([]byte(id), sealed); err != nil {
			return err
		}
	}
	return nil
}
