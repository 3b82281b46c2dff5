package envelope

import "encoding/binary"

// Domains of the associated data of contract calls (docs/confidential.md).
const (
	initDomain    = "phala-cosmos/init/v1"
	commandDomain = "phala-cosmos/command/v1"
	resultDomain  = "phala-cosmos/result/v1"
)

// Context joins a domain tag and parts, each prefixed by its 4-byte
// big-endian length, so that no two different lists give the same bytes.
func Context(domain string, parts ...[]byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(domain)))
	out = append(out, domain...)
	for _, p := range parts {
		out = binary.BigEndian.AppendUint32(out, uint32(len(p)))
		out = append(out, p...)
	}
	return out
}

// InitContext is the associated data of a contract's init, sealed by its
// creator to the master public key.
func InitContext(chainID string, contract, creator, nonce []byte) []byte {
	return Context(initDomain, []byte(chainID), contract, creator, nonce)
}

// CommandContext is the associated data of a command sealed by its sender
// to the contract's key (and of the init once a gatekeeper resealed it).
func CommandContext(chainID string, contract, sender, nonce []byte) []byte {
	return Context(commandDomain, []byte(chainID), contract, sender, nonce)
}

// ResultContext is the associated data of a call's output, sealed by the
// worker to the sender's reply key; commandDigest is SHA-256 of the sealed
// command, so a result answers exactly one ciphertext.
func ResultContext(chainID string, contract []byte, sequence uint64, commandDigest []byte) []byte {
	return Context(resultDomain, []byte(chainID), contract, binary.BigEndian.AppendUint64(nil, sequence), commandDigest)
}
