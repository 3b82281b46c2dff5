// Package masterkey is the cluster's master key, as Phala's gatekeepers hold
// it: 32 random bytes generated inside the first gatekeeper's enclave, whose
// X25519 public key is published on chain; handed to each new gatekeeper
// encrypted to its attested X25519 key (enclave/envelope), bound to the chain
// and the recipient; kept sealed by the TEE; and the root from which
// contract keys derive by labelled HKDF. The secret never leaves an enclave
// in the clear, and Master prints its public key only.
package masterkey

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
)

const (
	size       = 32
	shareLabel = "phala-cosmos/masterkey/share/v1"
	sealLabel  = "phala-cosmos/masterkey/sealed/v1"
	deriveInfo = "phala-cosmos/masterkey/derive/v1"
)

// Master is the master key.
type Master struct {
	x *ecdh.PrivateKey
}

// Generate makes a new master key (inside the first gatekeeper's enclave).
func Generate() (*Master, error) {
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Master{x: x}, nil
}

func fromSecret(secret []byte) (*Master, error) {
	if len(secret) != size {
		return nil, fmt.Errorf("masterkey: %d bytes, want %d", len(secret), size)
	}
	x, err := ecdh.X25519().NewPrivateKey(secret)
	if err != nil {
		return nil, fmt.Errorf("masterkey: %w", err)
	}
	return &Master{x: x}, nil
}

// Public is the master public key, published on chain.
func (m *Master) Public() []byte { return m.x.PublicKey().Bytes() }

// String shows the public key only.
func (m *Master) String() string { return fmt.Sprintf("masterkey{public %x}", m.Public()) }

// GoString is String, so %#v does not print the secret either.
func (m *Master) GoString() string { return m.String() }

// shareAD binds a share to the chain, the recipient gatekeeper and the
// master public key it carries.
func shareAD(chainID string, recipient, public []byte) []byte {
	ad := []byte(shareLabel + "|" + chainID + "|")
	ad = append(ad, recipient...)
	return append(ad, public...)
}

// ShareTo encrypts the master key to a gatekeeper's attested X25519 key,
// bound to chainID and the gatekeeper's identity key.
func (m *Master) ShareTo(chainID string, recipientIdentity, recipientECDH []byte) ([]byte, error) {
	return envelope.Seal(recipientECDH, m.x.Bytes(), shareAD(chainID, recipientIdentity, m.Public()))
}

// Opener opens envelopes sealed to this enclave's X25519 key (enclave/keys.Keys).
type Opener interface {
	OpenEnvelope(sealed, associatedData []byte) ([]byte, error)
}

// Receive opens a share sent to this enclave (identity myIdentity) and checks
// it is the master key published on chain, so a gatekeeper cannot hand over
// another key.
func Receive(o Opener, chainID string, myIdentity, published, share []byte) (*Master, error) {
	secret, err := o.OpenEnvelope(share, shareAD(chainID, myIdentity, published))
	if err != nil {
		return nil, fmt.Errorf("masterkey: share: %w", err)
	}
	m, err := fromSecret(secret)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(m.Public(), published) {
		return nil, errors.New("masterkey: the share is not the master key published on chain")
	}
	return m, nil
}

// Sealer seals to the enclave itself (enclave/tee.TEE).
type Sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Unseal(sealed, additionalData []byte) ([]byte, error)
}

// Seal stores the master key sealed by the TEE.
func (m *Master) Seal(s Sealer) ([]byte, error) { return s.Seal(m.x.Bytes(), []byte(sealLabel)) }

// Unseal loads a master key Seal stored.
func Unseal(s Sealer, sealed []byte) (*Master, error) {
	secret, err := s.Unseal(sealed, []byte(sealLabel))
	if err != nil {
		return nil, fmt.Errorf("masterkey: unseal: %w", err)
	}
	return fromSecret(secret)
}

// Derive returns a 32-byte key for one purpose and context, such as a
// contract's key: HKDF-SHA256 of the master secret with info = domain ‖
// label ‖ 0x00 ‖ context. Different labels or contexts give independent keys.
func (m *Master) Derive(label string, context []byte) ([]byte, error) {
	info := append([]byte(deriveInfo+"|"+label), 0)
	return hkdf.Key(sha256.New, m.x.Bytes(), nil, string(append(info, context...)), size)
}

// Open opens an envelope sealed to the master public key, such as a
// contract's init.
func (m *Master) Open(sealed, associatedData []byte) ([]byte, error) {
	return envelope.Open(m.x, sealed, associatedData)
}
