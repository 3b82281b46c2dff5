// Package stateproof verifies that a key of the chain's state holds a value,
// or holds none, against an app hash the enclave's light client verified.
// Proofs are the ICS-23 proof ops a node returns for an ABCI query with
// prove=true: an IAVL proof of the key in its module's store, then a simple
// Merkle proof of that store's root in the multistore, whose root is the app
// hash. The app hash in the header at height h+1 commits to the state after
// block h, so a query at height h is checked against header h+1.
//
// It uses github.com/cosmos/ics23 alone (no SDK), so the enclave can carry it.
package stateproof

import (
	"bytes"
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// Proof op types the SDK's multistore produces.
const (
	opIAVL   = "ics23:iavl"
	opSimple = "ics23:simple"
)

// ErrInvalidProof is returned, wrapped with the reason, for every proof that
// does not prove what was asked.
var ErrInvalidProof = errors.New("stateproof: invalid proof")

// VerifyValue checks that key in the module store storeKey holds value in
// the state committed by appHash.
func VerifyValue(appHash []byte, storeKey string, key, value []byte, proof *cmtcrypto.ProofOps) error {
	if len(value) == 0 {
		return fmt.Errorf("%w: an empty value cannot be proven present (use VerifyAbsent)", ErrInvalidProof)
	}
	inner, outer, err := decode(storeKey, key, proof)
	if err != nil {
		return err
	}
	if _, ok := inner.Proof.(*ics23.CommitmentProof_Exist); !ok {
		return fmt.Errorf("%w: the store proof for key %X is not an existence proof", ErrInvalidProof, key)
	}
	storeRoot, err := inner.Calculate()
	if err != nil {
		return fmt.Errorf("%w: store proof: %v", ErrInvalidProof, err)
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, storeRoot, inner, key, value) {
		return fmt.Errorf("%w: key %X does not hold the given value in store %q", ErrInvalidProof, key, storeKey)
	}
	return verifyStoreRoot(appHash, storeKey, storeRoot, outer)
}

// VerifyAbsent checks that key in the module store storeKey holds nothing in
// the state committed by appHash.
func VerifyAbsent(appHash []byte, storeKey string, key []byte, proof *cmtcrypto.ProofOps) error {
	inner, outer, err := decode(storeKey, key, proof)
	if err != nil {
		return err
	}
	if _, ok := inner.Proof.(*ics23.CommitmentProof_Nonexist); !ok {
		return fmt.Errorf("%w: the store proof for key %X is not a non-existence proof", ErrInvalidProof, key)
	}
	storeRoot, err := inner.Calculate()
	if err != nil {
		return fmt.Errorf("%w: store proof: %v", ErrInvalidProof, err)
	}
	if !ics23.VerifyNonMembership(ics23.IavlSpec, storeRoot, inner, key) {
		return fmt.Errorf("%w: key %X is not proven absent from store %q", ErrInvalidProof, key, storeKey)
	}
	return verifyStoreRoot(appHash, storeKey, storeRoot, outer)
}

func verifyStoreRoot(appHash []byte, storeKey string, storeRoot []byte, outer *ics23.CommitmentProof) error {
	if _, ok := outer.Proof.(*ics23.CommitmentProof_Exist); !ok {
		return fmt.Errorf("%w: the multistore proof is not an existence proof", ErrInvalidProof)
	}
	if !ics23.VerifyMembership(ics23.TendermintSpec, appHash, outer, []byte(storeKey), storeRoot) {
		return fmt.Errorf("%w: store %q's root is not committed by app hash %X", ErrInvalidProof, storeKey, appHash)
	}
	return nil
}

// decode checks the proof's shape (an IAVL op for key, then a simple op for
// storeKey) and decodes both.
func decode(storeKey string, key []byte, proof *cmtcrypto.ProofOps) (inner, outer *ics23.CommitmentProof, err error) {
	if proof == nil || len(proof.Ops) != 2 {
		n := 0
		if proof != nil {
			n = len(proof.Ops)
		}
		return nil, nil, fmt.Errorf("%w: want 2 proof ops (store, multistore), got %d", ErrInvalidProof, n)
	}
	ops := proof.Ops
	if ops[0].Type != opIAVL || !bytes.Equal(ops[0].Key, key) {
		return nil, nil, fmt.Errorf("%w: first op is %q for key %X, want %q for %X", ErrInvalidProof, ops[0].Type, ops[0].Key, opIAVL, key)
	}
	if ops[1].Type != opSimple || string(ops[1].Key) != storeKey {
		return nil, nil, fmt.Errorf("%w: second op is %q for %q, want %q for store %q", ErrInvalidProof, ops[1].Type, ops[1].Key, opSimple, storeKey)
	}
	inner, outer = &ics23.CommitmentProof{}, &ics23.CommitmentProof{}
	if err := inner.Unmarshal(ops[0].Data); err != nil {
		return nil, nil, fmt.Errorf("%w: store proof: %v", ErrInvalidProof, err)
	}
	if err := outer.Unmarshal(ops[1].Data); err != nil {
		return nil, nil, fmt.Errorf("%w: multistore proof: %v", ErrInvalidProof, err)
	}
	return inner, outer, nil
}
