package core

import (
	"crypto/ecdh"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/phala-cosmos/phala-cosmos/enclave/api"
	"github.com/phala-cosmos/phala-cosmos/enclave/contractkey"
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
	e.contracts = append(e.contracts, assignment{contract: a.Contract, codeID: a.CodeId, codeHash: a.CodeHash, key: key, next: a.FromSequence})
	return nil
}

// sealedKeyLabel is the TEE sealing label of contract keys in checkpoints.
const sealedKeyLabel = "phala-cosmos/contract-key/sealed/v1"

// encodeContracts appends the assignments: their count, then per contract
// its address, code id, code hash, sealed key (each length-prefixed where
// variable) and next call.
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
		var a assignment
		var sealed []byte
		var ok bool
		if a.contract, b, ok = readBytes(b); !ok || len(b) < 8 {
			return nil, bad
		}
		a.codeID, b = binary.BigEndian.Uint64(b), b[8:]
		if a.codeHash, b, ok = readBytes(b); !ok {
			return nil, bad
		}
		if sealed, b, ok = readBytes(b); !ok || len(b) < 8 {
			return nil, bad
		}
		a.next, b = binary.BigEndian.Uint64(b), b[8:]
		secret, err := e.tee.Unseal(sealed, []byte(sealedKeyLabel))
		if err != nil {
			return nil, fmt.Errorf("core: contract key in checkpoint: %w", err)
		}
		if a.key, err = ecdh.X25519().NewPrivateKey(secret); err != nil {
			return nil, bad
		}
		e.contracts = append(e.contracts, a)
	}
	return b, nil
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
