// Package binding is what an enclave's attestation must commit to when it
// registers as a worker. The enclave computes it (it trusts nobody for it)
// and x/registry checks it, from this one definition.
package binding

import (
	"crypto/sha256"
	"encoding/binary"
)

// Domain separates worker report data from every other use of SHA-256
// over similar fields.
const Domain = "phala-cosmos/registry/worker-binding/v1"

// Size is the size of an enclave report's data.
const Size = 64

// ReportData is the report data an enclave's evidence must carry to
// register on this chain: SHA-256 over the domain tag, the chain-id, the
// genesis hash, the identity key, the X25519 key and the operator address,
// each prefixed by its length (4 bytes, big-endian), then 32 zero bytes. A
// quote made for another chain, other keys or another operator cannot be
// replayed here.
func ReportData(chainID string, genesisHash, identityPubkey, ecdhPubkey, operator []byte) [Size]byte {
	h := sha256.New()
	for _, field := range [][]byte{[]byte(Domain), []byte(chainID), genesisHash, identityPubkey, ecdhPubkey, operator} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(field)))
		h.Write(n[:])
		h.Write(field)
	}
	var out [Size]byte
	copy(out[:], h.Sum(nil))
	return out
}
