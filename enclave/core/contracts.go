package core

import (
	"crypto/ecdh"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractstate"
	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
)

// assignment is a contract this worker is scheduled to run.
type assignment struct {
	contract []byte
	codeID   uint64
	codeHash []byte
	key      *ecdh.PrivateKey
	// next is the next call of the contract's queue to run.
	next uint64
	// state is the contract's state after the calls before next.
	state contractState
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
func (e *Enclave) takeAssignment(a *api.ContractAssigned) error {
	key, err := contractkey.Receive(e.keys, e.cfg.ChainID, a.Contract, e.keys.IdentityPublic(), a.PublicKey, a.Share)
	if err != nil {
		return nil
	}
	for _, have := range e.contracts {
		if string(have.contract) == string(a.Contract) {
			return nil // assigned already
		}
	}
	as, err := e.newAssignment(a.Contract, a.CodeId, a.CodeHash, key, a.FromSequence)
	if err != nil {
		return err
	}
	e.contracts = append(e.contracts, as)
	return nil
}

// sealedKeyLabel is the TEE sealing label of contract keys in checkpoints.
const sealedKeyLabel = "phala-cosmos/contract-key/sealed/v1"

// encodeContracts appends the assignments: their count, then per contract
// its address, code id, code hash, sealed key (each length-prefixed where
// variable), next call, then its state entries (count, then key and value
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
