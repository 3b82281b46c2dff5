package envelope

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
)

const replyKeyDomain = "phala-cosmos/reply-key/v1"

// ReplyKeyMessage is what an account signs to derive its reply key for a
// contract on a chain (docs/confidential.md).
func ReplyKeyMessage(chainID string, contract []byte) []byte {
	return Context(replyKeyDomain, []byte(chainID), contract)
}

// ReplyKey derives the X25519 key results are sealed to from the account's
// signature of ReplyKeyMessage. The signature scheme must be deterministic
// (secp256k1 with RFC 6979, as the SDK keyring signs), so the same account
// finds the same key again without storing it.
func ReplyKey(signature []byte) (*ecdh.PrivateKey, error) {
	if len(signature) < 32 {
		return nil, errors.New("envelope: a reply key needs a signature of at least 32 bytes")
	}
	secret, err := hkdf.Key(sha256.New, signature, nil, replyKeyDomain, keySize)
	if err != nil {
		return nil, err
	}
	return ecdh.X25519().NewPrivateKey(secret)
}
