// Package envelope encrypts a message to an X25519 public key so that only
// the holder of the private key can read it, binding it to associated data
// the recipient must name to open it. One format serves the CLI, the enclave
// and web clients.
//
// Version 1: a fresh ephemeral X25519 key per message; the shared secret
// goes through HKDF-SHA256 (salt: the ephemeral and recipient public keys;
// info: "phala-cosmos/envelope/v1") to a 32-byte key for XChaCha20-Poly1305
// with a random 24-byte nonce. Layout:
//
//	version (1 byte, 1) ‖ ephemeral public key (32) ‖ nonce (24) ‖ ciphertext and tag
//
// The associated data (for example chain-id, contract, sender and a nonce)
// is authenticated, not sent: opening with other associated data fails, so a
// ciphertext cannot be moved to another context.
package envelope

import (
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// Version is the format version this package writes.
const Version = 1

const (
	keySize    = 32
	headerSize = 1 + keySize + chacha20poly1305.NonceSizeX
	info       = "phala-cosmos/envelope/v1"
)

// Overhead is how much longer a sealed message is than its plaintext.
const Overhead = headerSize + chacha20poly1305.Overhead

// ErrOpen is returned for any envelope that does not open: wrong key, other
// associated data, tampering, truncation or an unknown version.
var ErrOpen = errors.New("envelope: cannot open")

// Seal encrypts plaintext to the recipient's X25519 public key.
func Seal(recipient []byte, plaintext, associatedData []byte) ([]byte, error) {
	pub, err := ecdh.X25519().NewPublicKey(recipient)
	if err != nil {
		return nil, fmt.Errorf("envelope: recipient key: %w", err)
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	shared, err := eph.ECDH(pub)
	if err != nil {
		return nil, fmt.Errorf("envelope: key agreement: %w", err)
	}
	aead, err := newAEAD(shared, eph.PublicKey().Bytes(), recipient)
	if err != nil {
		return nil, err
	}
	out := make([]byte, headerSize, headerSize+len(plaintext)+aead.Overhead())
	out[0] = Version
	copy(out[1:], eph.PublicKey().Bytes())
	if _, err := rand.Read(out[1+keySize : headerSize]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[1+keySize:headerSize], plaintext, associatedData), nil
}

// Open decrypts an envelope with the recipient's private key.
func Open(recipient *ecdh.PrivateKey, sealed, associatedData []byte) ([]byte, error) {
	if len(sealed) < Overhead {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte overhead", ErrOpen, len(sealed), Overhead)
	}
	if sealed[0] != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrOpen, sealed[0], Version)
	}
	eph, err := ecdh.X25519().NewPublicKey(sealed[1 : 1+keySize])
	if err != nil {
		return nil, fmt.Errorf("%w: ephemeral key: %v", ErrOpen, err)
	}
	shared, err := recipient.ECDH(eph)
	if err != nil {
		return nil, fmt.Errorf("%w: key agreement: %v", ErrOpen, err)
	}
	aead, err := newAEAD(shared, sealed[1:1+keySize], recipient.PublicKey().Bytes())
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, sealed[1+keySize:headerSize], sealed[headerSize:], associatedData)
	if err != nil {
		return nil, fmt.Errorf("%w: wrong key, other associated data or tampered", ErrOpen)
	}
	return plain, nil
}

func newAEAD(shared, ephemeral, recipient []byte) (cipher.AEAD, error) {
	salt := append(append([]byte{}, ephemeral...), recipient...)
	key, err := hkdf.Key(sha256.New, shared, salt, info, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.NewX(key)
}
