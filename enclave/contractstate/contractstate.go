// Package contractstate holds what a contract's workers derive from its
// secret key: the key its state is sealed to on chain, the ids its state
// entries are stored under, the seed of its deterministic randomness and the
// key of the digest replicas agree on. Every worker holding the contract key
// derives the same; nobody else can.
//
// A state entry is stored on chain under id = HMAC-SHA256(id key, state key)
// with sealed = XChaCha20-Poly1305(state key; random 24-byte nonce;
// plaintext = 4-byte big-endian length of the key, the key, the value;
// associated data = "phala-cosmos/state/v1" context of chain-id, contract, id),
// written nonce || ciphertext. The chain sees neither keys nor values, only
// how many entries a contract has and when they change.
package contractstate

import (
	"bytes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
)

// Domains of the derivations (docs/confidential.md).
const (
	stateDomain  = "phala-cosmos/state/v1"
	idDomain     = "phala-cosmos/state-id/v1"
	seedDomain   = "phala-cosmos/seed/v1"
	digestDomain = "phala-cosmos/result-digest/v1"
)

// IDSize is the size of a state entry's id.
const IDSize = sha256.Size

// ErrOpen: a sealed entry does not open (another contract's, or tampered).
var ErrOpen = errors.New("contractstate: entry does not open")

// Keys are one contract's derived keys.
type Keys struct {
	chainID  string
	contract []byte
	aead     cipher.AEAD
	idKey    []byte
	seedKey  []byte
	digest   []byte
}

// Derive derives the keys of contract from its 32-byte secret key.
func Derive(secret []byte, chainID string, contract []byte) (*Keys, error) {
	if len(secret) != 32 {
		return nil, fmt.Errorf("contractstate: secret key is %d bytes, want 32", len(secret))
	}
	derive := func(domain string, n int) ([]byte, error) {
		return hkdf.Key(sha256.New, secret, nil, string(envelope.Context(domain, []byte(chainID), contract)), n)
	}
	sealKey, err := derive(stateDomain, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(sealKey)
	if err != nil {
		return nil, err
	}
	k := &Keys{chainID: chainID, contract: bytes.Clone(contract), aead: aead}
	if k.idKey, err = derive(idDomain, 32); err != nil {
		return nil, err
	}
	if k.seedKey, err = derive(seedDomain, 32); err != nil {
		return nil, err
	}
	if k.digest, err = derive(digestDomain, 32); err != nil {
		return nil, err
	}
	return k, nil
}

// ID is the id a state key is stored under on chain.
func (k *Keys) ID(key []byte) []byte { return mac(k.idKey, key) }

// Seal seals one state entry for the chain; it returns its id and sealed bytes.
func (k *Keys) Seal(key, value []byte) (id, sealed []byte, err error) {
	id = k.ID(key)
	nonce := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+4+len(key)+len(value)+chacha20poly1305.Overhead)
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	plain := binary.BigEndian.AppendUint32(nil, uint32(len(key)))
	plain = append(append(plain, key...), value...)
	return id, k.aead.Seal(nonce, nonce, plain, k.ad(id)), nil
}

// Open opens a sealed entry stored under id and returns its key and value.
func (k *Keys) Open(id, sealed []byte) (key, value []byte, err error) {
	if len(sealed) < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead+4 {
		return nil, nil, fmt.Errorf("%w: %d bytes is too short", ErrOpen, len(sealed))
	}
	nonce, ct := sealed[:chacha20poly1305.NonceSizeX], sealed[chacha20poly1305.NonceSizeX:]
	plain, err := k.aead.Open(nil, nonce, ct, k.ad(id))
	if err != nil {
		return nil, nil, ErrOpen
	}
	n := binary.BigEndian.Uint32(plain)
	if uint64(n) > uint64(len(plain)-4) {
		return nil, nil, fmt.Errorf("%w: malformed plaintext", ErrOpen)
	}
	key, value = plain[4:4+n], plain[4+n:]
	if !hmac.Equal(k.ID(key), id) {
		return nil, nil, fmt.Errorf("%w: stored under another id", ErrOpen)
	}
	return key, value, nil
}

func (k *Keys) ad(id []byte) []byte {
	return envelope.Context(stateDomain, []byte(k.chainID), k.contract, id)
}

// Seed is the randomness seed of call sequence: every replica gets the
// same, and nobody without the contract key can predict it.
func (k *Keys) Seed(sequence uint64) [32]byte {
	return [32]byte(mac(k.seedKey, binary.BigEndian.AppendUint64(nil, sequence)))
}

// Digest is the keyed hash of a call's results that replicas compare: the
// fields are length-prefixed (envelope.Context) so no two lists collide.
func (k *Keys) Digest(fields ...[]byte) []byte {
	return mac(k.digest, envelope.Context(digestDomain, fields...))
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}
