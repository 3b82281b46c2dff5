// Package egress defines what an enclave signs when it sends something to
// the chain: the payload bound to the chain-id, the sending worker and a
// sequence number, under a domain tag. x/registry verifies the same bytes
// against the worker's registered identity key and accepts sequence numbers
// 1, 2, 3... in order, so a relayer cannot forge, replay or reorder what an
// enclave says; replicas submitting the same signed message are idempotent.
package egress

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
)

// Domain separates egress signatures from every other use of the identity key.
const Domain = "phala-cosmos/egress/v1"

// SignBytes is what the worker's identity key signs for message seq with
// payload: SHA-256 over the length-prefixed domain tag, chain-id, worker
// identity key, 8-byte big-endian sequence and payload.
func SignBytes(chainID string, worker []byte, seq uint64, payload []byte) []byte {
	h := sha256.New()
	for _, field := range [][]byte{[]byte(Domain), []byte(chainID), worker, binary.BigEndian.AppendUint64(nil, seq), payload} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(field)))
		h.Write(n[:])
		h.Write(field)
	}
	return h.Sum(nil)
}

// Verify checks a worker's signature of message seq.
func Verify(chainID string, worker ed25519.PublicKey, seq uint64, payload, signature []byte) bool {
	if len(worker) != ed25519.PublicKeySize || len(signature) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(worker, SignBytes(chainID, worker, seq, payload), signature)
}
