package types

import (
	"crypto/sha256"
	"encoding/binary"
)

// BindingDomainTag separates worker report data from every other use of
// SHA-256 over similar fields.
const BindingDomainTag = "phala-cosmos/registry/worker-binding/v1"

// ReportDataSize is the size of an enclave report's data.
const ReportDataSize = 64

// WorkerReportData is the report data an enclave's evidence must carry to
// register on this chain: SHA-256 over the domain tag, the chain-id, the
// genesis hash, the identity key, the X25519 key and the operator address,
// each prefixed by its length (4 bytes, big-endian), then 32 zero bytes. A
// quote made for another chain, other keys or another operator cannot be
// replayed here.
func WorkerReportData(chainID string, genesisHash, identityPubkey, ecdhPubkey, operator []byte) [ReportDataSize]byte {
	h := sha256.New()
	for _, field := range [][]byte{[]byte(BindingDomainTag), []byte(chainID), genesisHash, identityPubkey, ecdhPubkey, operator} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(field)))
		h.Write(n[:])
		h.Write(field)
	}
	var out [ReportDataSize]byte
	copy(out[:], h.Sum(nil))
	return out
}
