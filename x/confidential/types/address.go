package types

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"unicode"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/phala-cosmos/phala-cosmos/enclave/envelope"
)

// contractDomain separates contract addresses from every other hash.
const contractDomain = "phala-cosmos/contract/v1"

// MaxLabelSize bounds a contract's label.
const MaxLabelSize = 128

// ContractAddress derives the address of the contract creator instantiates
// from codeID under label: 32 bytes, also the contract's queue destination.
func ContractAddress(codeID uint64, creator sdk.AccAddress, label string) sdk.AccAddress {
	h := sha256.Sum256(envelope.Context(contractDomain, binary.BigEndian.AppendUint64(nil, codeID), creator, []byte(label)))
	return h[:]
}

// ValidateLabel: 1 to MaxLabelSize printable characters.
func ValidateLabel(label string) error {
	if label == "" || len(label) > MaxLabelSize {
		return fmt.Errorf("%w: a label is 1 to %d bytes, got %d", ErrInvalidLabel, MaxLabelSize, len(label))
	}
	for _, r := range label {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %q has a non-printable character", ErrInvalidLabel, label)
		}
	}
	return nil
}
