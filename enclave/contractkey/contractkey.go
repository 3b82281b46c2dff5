// Package contractkey is a contract's X25519 key pair: derived from the
// master key by every gatekeeper alike (label "contract-key", context
// chain-id ‖ address), published by a gatekeeper with an Ed25519 signature
// of its identity key that clients check against the chain's gatekeeper set,
// and handed to each scheduled worker sealed to its attested X25519 key.
// Commands are sealed to the public half (enclave/envelope).
package contractkey

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
)

const (
	// Label is the master key derivation label of contract keys.
	Label       = "contract-key"
	signDomain  = "phala-cosmos/contract-key/v1"
	shareDomain = "phala-cosmos/contract-key/share/v1"
)

// Deriver derives keys from the master key (enclave/masterkey.Master).
type Deriver interface {
	Derive(label string, context []byte) ([]byte, error)
}

// Derive returns the key pair of the contract at address on chainID.
func Derive(master Deriver, chainID string, address []byte) (*ecdh.PrivateKey, error) {
	secret, err := master.Derive(Label, envelope.Context("", []byte(chainID), address))
	if err != nil {
		return nil, err
	}
	return ecdh.X25519().NewPrivateKey(secret)
}

// SignBytes is what a gatekeeper signs to publish a contract's public key:
// the length-prefixed domain tag, chain-id, address and public key, then the
// master key generation it derives from (4 bytes, big-endian).
func SignBytes(chainID string, address, public []byte, generation uint32) []byte {
	return binary.BigEndian.AppendUint32(envelope.Context(signDomain, []byte(chainID), address, public), generation)
}

// Verify checks a gatekeeper's signature of a contract's public key. It
// says nothing of whether the signer is a gatekeeper: the caller checks
// that against the chain.
func Verify(gatekeeper []byte, chainID string, address, public []byte, generation uint32, signature []byte) bool {
	if len(gatekeeper) != ed25519.PublicKeySize || len(signature) != ed25519.SignatureSize || len(public) != 32 {
		return false
	}
	return ed25519.Verify(gatekeeper, SignBytes(chainID, address, public, generation), signature)
}

func shareContext(chainID string, address, worker, public []byte) []byte {
	return envelope.Context(shareDomain, []byte(chainID), address, worker, public)
}

// ShareTo seals a contract's secret key to a worker's attested X25519 key,
// bound to the chain, the contract, the worker's identity and the public key.
func ShareTo(key *ecdh.PrivateKey, chainID string, address, workerIdentity, workerECDH []byte) ([]byte, error) {
	return envelope.Seal(workerECDH, key.Bytes(), shareContext(chainID, address, workerIdentity, key.PublicKey().Bytes()))
}

// Opener opens envelopes sealed to the enclave's X25519 key (enclave/keys.Keys).
type Opener interface {
	OpenEnvelope(sealed, associatedData []byte) ([]byte, error)
}

// ErrShare is returned for a share that does not open or is not the key
// published on chain.
var ErrShare = errors.New("contractkey: invalid share")

// Receive opens a share sealed to this worker (identity myIdentity) and
// checks it is the secret half of the public key published on chain.
func Receive(o Opener, chainID string, address, myIdentity, published, share []byte) (*ecdh.PrivateKey, error) {
	secret, err := o.OpenEnvelope(share, shareContext(chainID, address, myIdentity, published))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShare, err)
	}
	key, err := ecdh.X25519().NewPrivateKey(secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrShare, err)
	}
	if !bytes.Equal(key.PublicKey().Bytes(), published) {
		return nil, fmt.Errorf("%w: it is not the key published on chain", ErrShare)
	}
	return key, nil
}
