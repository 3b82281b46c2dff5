package core

import (
	"bytes"
	"crypto/ecdh"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/restore"
)

// assignment is a contract this worker is scheduled to run.
type assignment struct {
	contract []byte
	codeID   uint64
	codeHash []byte
	key      *ecdh.PrivateKey
	// next is the next call of the contract's queue to run (0 while
	// restoring).
	next uint64
	// state is the contract's state after the calls before next.
	state contractState
	// restoring: the state is to be rebuilt from the chain, proven at a
	// height of at least assignedAt (where the assignment was proven), so
	// it reflects every result applied before the contract moved here.
	restoring  bool
	assignedAt int64
	// restore is the restore in progress (not checkpointed: after a
	// restart the sidecar starts it again).
	restore *restore.Restore
}

// newAssignment is a contract assignment with empty state, starting at
// call next of the contract's queue.
func (e *Enclave) newAssignment(contract []byte, codeID uint64, codeHash []byte, key *ecdh.PrivateKey, next uint64) (assignment, error) {
	keys, err := contractstate.Derive(key.Bytes(), e.cfg.ChainID, contract)
	if err != nil {
		return assignment{}, err
	}
	return assignment{contract: contract, codeID: codeID, codeHash: codeHash, key: key, next: next,
		state: contractState{keys: keys, entries: map[string][]byte{}, balance: map[string]*big.Int{}}}, nil
}

// answerKeyRequest is a gatekeeper's part in instantiating a contract:
// derive its key, reseal the init from the master key to it, sign the
// public key and share the secret with the scheduled workers. Whatever the
// request carries, it answers (an init it cannot use gets init_error), so a
// bad request never stalls the gatekeeper's queue.
func (e *Enclave) answerKeyRequest(req *api.ContractKeyRequest) error {
	if !e.gatekeeper {
		return nil // the chain asks gatekeepers only
	}
	refuse := func(reason string) error {
		return e.emit(&api.EgressMessage{Body: &api.EgressMessage_ContractKeyPublished{
			ContractKeyPublished: &api.ContractKeyPublished{Contract: req.Contract, InitError: reason}}})
	}
	master := e.generationOf(req.Generation)
	if master == nil {
		return refuse("the gatekeeper does not hold the master key generation the init is sealed to; instantiate again")
	}
	chainID := e.cfg.ChainID
	init, err := master.key.Open(req.SealedInit, envelope.InitContext(chainID, req.Contract, req.Creator, req.Nonce))
	if err != nil {
		return refuse("the init does not open with the master key: sealed to another key, chain, contract, creator or nonce, or tampered")
	}
	key, err := contractkey.Derive(master.key, chainID, req.Contract)
	if err != nil {
		return err
	}
	public := key.PublicKey().Bytes()
	resealed, err := envelope.Seal(public, init, envelope.CommandContext(chainID, req.Contract, req.Creator, req.Nonce))
	if err != nil {
		return err
	}
	out := &api.ContractKeyPublished{
		Contract: req.Contract, PublicKey: public, Generation: master.number, ResealedInit: resealed,
		Signature: e.keys.Sign(contractkey.SignBytes(chainID, req.Contract, public, master.number)),
	}
	for _, w := range req.Workers {
		share, err := contractkey.ShareTo(key, chainID, req.Contract, w.Identity, w.EcdhPubkey)
		if err != nil {
			return refuse("a scheduled worker's X25519 key is unusable; instantiate again")
		}
		out.Shares = append(out.Shares, &api.ContractKeyShare{Worker: w.Identity, Share: share})
	}
	return e.emit(&api.EgressMessage{Body: &api.EgressMessage_ContractKeyPublished{ContractKeyPublished: out}})
}

// takeAssignment keeps a contract this worker is scheduled on, with its key
// opened from the gatekeeper's share (checked against the published key).
// A share that does not open is skipped (this worker cannot run that
// contract) rather than stalling the queue.
//
// A contract that ran elsewhere first (restore set) waits for its state
// from the chain (RestoreContract), proven at height or later.
func (e *Enclave) takeAssignment(a *api.ContractAssigned, height int64) error {
	key, err := contractkey.Receive(e.keys, e.cfg.ChainID, a.Contract, e.keys.IdentityPublic(), a.PublicKey, a.Share)
	if err != nil {
		return nil
	}
	if e.assignment(a.Contract) != nil {
		return nil // assigned already
	}
	next := a.FromSequence
	if a.Restore {
		next = 0
	}
	as, err := e.newAssignment(a.Contract, a.CodeId, a.CodeHash, key, next)
	if err != nil {
		return err
	}
	as.restoring, as.assignedAt = a.Restore, height
	e.contracts = append(e.contracts, as)
	return nil
}

// dropAssignment forgets a contract the worker is no longer scheduled on,
// and its code if no other contract runs it.
func (e *Enclave) dropAssignment(contract []byte) {
	var hash []byte
	e.contracts = slices.DeleteFunc(e.contracts, func(a assignment) bool {
		if bytes.Equal(a.contract, contract) {
			hash = a.codeHash
			return true
		}
		return false
	})
	if hash != nil && !slices.ContainsFunc(e.contracts, func(a assignment) bool { return bytes.Equal(a.codeHash, hash) }) {
		delete(e.codes, [32]byte(hash))
	}
}

// answerShareRequest is a gatekeeper sealing an existing contract's key to
// newly scheduled workers. Like a key request, it always answers: a
// generation it lacks, or a worker key it cannot use, gets an error, and
// the chain asks another gatekeeper.
func (e *Enclave) answerShareRequest(req *api.ContractShareRequest) error {
	if !e.gatekeeper {
		return nil // the chain asks gatekeepers only
	}
	out := &api.ContractKeyShared{Contract: req.Contract, Generation: req.Generation}
	master := e.generationOf(req.Generation)
	if master == nil {
		out.Error = fmt.Sprintf("the gatekeeper does not hold master key generation %d", req.Generation)
		return e.emit(&api.EgressMessage{Body: &api.EgressMessage_ContractKeyShared{ContractKeyShared: out}})
	}
	key, err := contractkey.Derive(master.key, e.cfg.ChainID, req.Contract)
	if err != nil {
		return err
	}
	for _, w := range req.Workers {
		share, err := contractkey.ShareTo(key, e.cfg.ChainID, req.Contract, w.Identity, w.EcdhPubkey)
		if err != nil {
			out.Shares, out.Error = nil, fmt.Sprintf("worker %x's X25519 key is unusable", w.Identity)
			break
		}
		out.Shares = append(out.Shares, &api.ContractKeyShare{Worker: w.Identity, Share: share})
	}
	return e.emit(&api.EgressMessage{Body: &api.EgressMessage_ContractKeyShared{ContractKeyShared: out}})
}

// ErrNotRestoring: RestoreContract for a contract the enclave does not
// wait for the state of.
var ErrNotRestoring = errors.New("core: the contract's state is not awaited")

// RestoreContract takes a batch of a contract's state proven at height
// (restore package): the head first, then entries, in as many batches as
// the sidecar likes, all at one height; a batch at another height or with
// another head starts over. Once the head's count of entries is held, each
// must open with the contract's state key, and the contract's state and
// balance become those of the head's last applied call: the enclave runs
// the calls after it. Entries accepted before a refused one in a batch are
// kept.
func (e *Enclave) RestoreContract(contract []byte, height int64, head []byte, headProof *cmtcrypto.ProofOps, entries []RestoreEntry) (RestoreProgress, error) {
	a := e.assignment(contract)
	switch {
	case a == nil:
		return RestoreProgress{}, fmt.Errorf("%w: %x", ErrNotAssigned, contract)
	case !a.restoring:
		return RestoreProgress{}, fmt.Errorf("%w: contract %x runs from call %d", ErrNotRestoring, contract, a.next)
	case height < a.assignedAt:
		return RestoreProgress{}, fmt.Errorf("%w: state proven at %d, but the contract was assigned at %d: prove it at %d or later",
			restore.ErrHead, height, a.assignedAt, a.assignedAt)
	}
	appHash, err := e.provenAt(height)
	if err != nil {
		return RestoreProgress{}, err
	}
	r := a.restore
	if r == nil || !r.Continues(height, head) {
		if r, err = restore.Begin(appHash, contract, height, head, headProof); err != nil {
			return RestoreProgress{}, err
		}
		a.restore = r
	}
	for _, en := range entries {
		if err := r.Add(appHash, en.ID, en.Sealed, en.Proof); err != nil {
			return RestoreProgress{Received: r.Received()}, err
		}
	}
	if !r.Done() {
		return RestoreProgress{Received: r.Received()}, nil
	}
	if err := e.finishRestore(a, r); err != nil {
		a.restore = nil
		return RestoreProgress{}, err
	}
	return RestoreProgress{Received: r.Received(), Done: true, Next: a.next}, e.save()
}

// RestoreProgress is where a contract's restore stands.
type RestoreProgress struct {
	// Received is how many of the head's entries the enclave holds.
	Received uint64
	// Done: the state is whole; the enclave runs calls from Next.
	Done bool
	Next uint64
}

// RestoreEntry is a sealed state entry with its proof.
type RestoreEntry struct {
	ID, Sealed []byte
	Proof      *cmtcrypto.ProofOps
}

// finishRestore opens a complete restore's entries with the contract's
// state key and makes them the contract's state, with the head's balance,
// continuing after the head's last applied call.
func (e *Enclave) finishRestore(a *assignment, r *restore.Restore) error {
	head := r.Head()
	entries := map[string][]byte{}
	err := r.Entries(func(id, sealed []byte) error {
		key, value, err := a.state.keys.Open(id, sealed)
		if err != nil {
			return fmt.Errorf("core: state entry %x of contract %x on chain: %w", id, a.contract, err)
		}
		entries[string(key)] = value
		return nil
	})
	if err != nil {
		return err
	}
	coins, err := parseCoins(head.Balance)
	if err != nil {
		return fmt.Errorf("core: contract %x's balance %q on chain: %w", a.contract, head.Balance, err)
	}
	a.state.entries, a.state.balance = entries, nil
	a.state.balance = a.state.withFunds(coins)
	a.next, a.restoring, a.restore = head.Applied+1, false, nil
	return nil
}

// sealedKeyLabel is the TEE sealing label of contract keys in checkpoints.
const sealedKeyLabel = "phala-cosmos/contract-key/sealed/v1"

// encodeContracts appends the assignments: their count, then per contract
// its address, code id, code hash, sealed key (each length-prefixed where
// variable), next call, restoring flag (1 byte) and assignment height, then
// its state entries (count, then key and value
// length-prefixed, sorted by key) and its balance (count, then denomination
// and decimal amount length-prefixed, sorted by denomination).
func (e *Enclave) encodeContracts(out []byte) ([]byte, error) {
	out = binary.BigEndian.AppendUint32(out, uint32(len(e.contracts)))
	for _, a := range e.contracts {
		sealed, err := e.tee.Seal(a.key.Bytes(), []byte(sealedKeyLabel))
		if err != nil {
			return nil, err
		}
		out = appendBytes(out, a.contract)
		out = binary.BigEndian.AppendUint64(out, a.codeID)
		out = appendBytes(out, a.codeHash)
		out = appendBytes(out, sealed)
		out = binary.BigEndian.AppendUint64(out, a.next)
		var restoring byte
		if a.restoring {
			restoring = 1
		}
		out = binary.BigEndian.AppendUint64(append(out, restoring), uint64(a.assignedAt))
		out = appendSorted(out, a.state.entries, func(v []byte) []byte { return v })
		out = appendSorted(out, a.state.balance, func(v *big.Int) []byte { return []byte(v.String()) })
	}
	return out, nil
}

// decodeContracts reads what encodeContracts wrote and returns the rest.
func (e *Enclave) decodeContracts(b []byte) ([]byte, error) {
	bad := errors.New("core: malformed contracts in checkpoint")
	if len(b) < 4 {
		return nil, bad
	}
	count := binary.BigEndian.Uint32(b)
	b = b[4:]
	e.contracts = nil
	for i := uint32(0); i < count; i++ {
		var contract, codeHash, sealed []byte
		var ok bool
		if contract, b, ok = readBytes(b); !ok || len(b) < 8 {
			return nil, bad
		}
		codeID := binary.BigEndian.Uint64(b)
		b = b[8:]
		if codeHash, b, ok = readBytes(b); !ok {
			return nil, bad
		}
		if sealed, b, ok = readBytes(b); !ok || len(b) < 8 {
			return nil, bad
		}
		next := binary.BigEndian.Uint64(b)
		b = b[8:]
		if len(b) < 9 || b[0] > 1 {
			return nil, bad
		}
		restoring, assignedAt := b[0] == 1, int64(binary.BigEndian.Uint64(b[1:]))
		b = b[9:]
		secret, err := e.tee.Unseal(sealed, []byte(sealedKeyLabel))
		if err != nil {
			return nil, fmt.Errorf("core: contract key in checkpoint: %w", err)
		}
		key, err := ecdh.X25519().NewPrivateKey(secret)
		if err != nil {
			return nil, bad
		}
		a, err := e.newAssignment(contract, codeID, codeHash, key, next)
		if err != nil {
			return nil, err
		}
		a.restoring, a.assignedAt = restoring, assignedAt
		if b, ok = readPairs(b, func(k string, v []byte) bool { a.state.entries[k] = v; return true }); !ok {
			return nil, bad
		}
		if b, ok = readPairs(b, func(k string, v []byte) bool {
			amount, ok := new(big.Int).SetString(string(v), 10)
			a.state.balance[k] = amount
			return ok && amount.Sign() > 0
		}); !ok {
			return nil, bad
		}
		e.contracts = append(e.contracts, a)
	}
	return b, nil
}

// appendSorted appends a map's size, then its keys and encoded values
// (length-prefixed), in key order.
func appendSorted[V any](out []byte, m map[string]V, encode func(V) []byte) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out = binary.BigEndian.AppendUint32(out, uint32(len(keys)))
	for _, k := range keys {
		out = appendBytes(appendBytes(out, []byte(k)), encode(m[k]))
	}
	return out
}

// readPairs reads what appendSorted wrote, handing each pair to keep.
func readPairs(b []byte, keep func(key string, value []byte) bool) ([]byte, bool) {
	if len(b) < 4 {
		return nil, false
	}
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	for i := uint32(0); i < n; i++ {
		var k, v []byte
		var ok bool
		if k, b, ok = readBytes(b); !ok {
			return nil, false
		}
		if v, b, ok = readBytes(b); !ok || !keep(string(k), v) {
			return nil, false
		}
	}
	return b, true
}

func appendBytes(out, b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(out, uint32(len(b))), b...)
}

func readBytes(b []byte) (field, rest []byte, ok bool) {
	if len(b) < 4 || uint64(len(b)-4) < uint64(binary.BigEndian.Uint32(b)) {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint32(b))
	return append([]byte(nil), b[4:4+n]...), b[4+n:], true
}
