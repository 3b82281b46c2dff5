// Package keys holds an enclave's long-lived keys: the Ed25519 identity key
// that names the worker and signs everything it sends to the chain, and the
// X25519 key others encrypt to. Both are generated inside the enclave and
// stored only sealed by the TEE (enclave/tee), so they never leave the
// enclave in the clear: not on disk, not in logs (Keys has no exported
// secret fields and formats without them).
package keys

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
	"github.com/phala-cosmos/phala-cosmos/enclave/tee"
)

// SealedFile is the file name of the sealed keys in the enclave's state directory.
const SealedFile = "keys.sealed"

// sealLabel is the additional data of the sealed keys, so a sealed blob of
// another kind cannot be unsealed as keys.
var sealLabel = []byte("phala-cosmos/enclave/keys/v1")

// secretSize is the sealed plaintext: the Ed25519 seed, then the X25519 key.
const secretSize = ed25519.SeedSize + 32

// Keys are an enclave's keys.
type Keys struct {
	identity ed25519.PrivateKey
	ecdh     *ecdh.PrivateKey
}

// LoadOrCreate unseals the keys from dir, or on first start generates them
// and stores them sealed (mode 0600). A sealed file that does not unseal
// (another machine or enclave, tampering) is an error, never replaced: the
// worker's registration is bound to these keys.
func LoadOrCreate(t tee.TEE, dir string) (*Keys, error) {
	path := filepath.Join(dir, SealedFile)
	sealed, err := os.ReadFile(path)
	switch {
	case err == nil:
		plain, err := t.Unseal(sealed, sealLabel)
		if err != nil {
			return nil, fmt.Errorf("keys: %s does not unseal here (another machine, another enclave signer or product, or tampered): %w", path, err)
		}
		return fromSecret(plain)
	case errors.Is(err, fs.ErrNotExist):
		secret := make([]byte, secretSize)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		k, err := fromSecret(secret)
		if err != nil {
			return nil, err
		}
		sealed, err := t.Seal(secret, sealLabel)
		if err != nil {
			return nil, fmt.Errorf("keys: sealing: %w", err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, sealed, 0o600); err != nil {
			return nil, err
		}
		return k, os.Rename(tmp, path)
	default:
		return nil, fmt.Errorf("keys: %w", err)
	}
}

func fromSecret(secret []byte) (*Keys, error) {
	if len(secret) != secretSize {
		return nil, fmt.Errorf("keys: sealed keys are %d bytes, want %d", len(secret), secretSize)
	}
	x, err := ecdh.X25519().NewPrivateKey(secret[ed25519.SeedSize:])
	if err != nil {
		return nil, fmt.Errorf("keys: X25519 key: %w", err)
	}
	return &Keys{identity: ed25519.NewKeyFromSeed(secret[:ed25519.SeedSize]), ecdh: x}, nil
}

// IdentityPublic is the worker's identity key.
func (k *Keys) IdentityPublic() ed25519.PublicKey { return k.identity.Public().(ed25519.PublicKey) }

// ECDHPublic is the key others encrypt to.
func (k *Keys) ECDHPublic() []byte { return k.ecdh.PublicKey().Bytes() }

// Sign signs msg with the identity key.
func (k *Keys) Sign(msg []byte) []byte { return ed25519.Sign(k.identity, msg) }

// SharedSecret is the X25519 agreement with a peer's public key.
func (k *Keys) SharedSecret(peer []byte) ([]byte, error) {
	pub, err := ecdh.X25519().NewPublicKey(peer)
	if err != nil {
		return nil, fmt.Errorf("keys: peer key: %w", err)
	}
	return k.ecdh.ECDH(pub)
}

// String shows the public keys only.
func (k *Keys) String() string {
	return fmt.Sprintf("keys{identity %x, x25519 %x}", []byte(k.IdentityPublic()), k.ECDHPublic())
}

// GoString is String, so %#v does not print the secrets either.
func (k *Keys) GoString() string { return k.String() }

// OpenEnvelope opens an envelope (enclave/envelope) sealed to this
// enclave's X25519 key.
func (k *Keys) OpenEnvelope(sealed, associatedData []byte) ([]byte, error) {
	return envelope.Open(k.ecdh, sealed, associatedData)
}
