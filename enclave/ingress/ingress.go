// Package ingress is the enclave's end of the chain-to-enclave message
// queues. The chain (x/registry) appends messages for a destination (an
// enclave's identity key) under sequence numbers 1, 2, 3... and keeps each
// queue's length; the enclave accepts message n only with an ICS-23 proof
// that the chain's state holds exactly it at key (destination, n), checked
// against an app hash its light client verified, and only right after n-1.
// A relayer can therefore delay messages but cannot forge, reorder, replay
// or skip them; withholding shows up as a backlog against the proven length.
//
// The key layout here is the one x/registry writes; both import it.
package ingress

import (
	"encoding/binary"
	"errors"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	"github.com/phala-cosmos/phala-cosmos/enclave/stateproof"
)

// Store layout in the x/registry store.
const (
	// StoreKey is the module store holding the queues.
	StoreKey = "registry"
	// MessagePrefix starts the key of a queued message: prefix, the 32-byte
	// destination, the 8-byte big-endian sequence number.
	MessagePrefix byte = 0x10
	// LengthPrefix starts the key of a queue's length: prefix, destination;
	// the value is the 8-byte big-endian number of messages ever queued.
	LengthPrefix byte = 0x11
	// DestinationSize is the size of a destination (an Ed25519 identity key).
	DestinationSize = 32
)

// MessageKey is the store key of message seq for dest.
func MessageKey(dest []byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte{MessagePrefix}, dest...), seq)
}

// LengthKey is the store key of dest's queue length.
func LengthKey(dest []byte) []byte { return append([]byte{LengthPrefix}, dest...) }

// Typed errors; a refused message leaves the queue as it was.
var (
	// ErrReplay: the message's sequence number was already accepted.
	ErrReplay = errors.New("ingress: message already accepted")
	// ErrGap: the message is ahead of the next expected one (one was skipped).
	ErrGap = errors.New("ingress: message out of order")
	// ErrNotProven: the proof does not show the message in the verified state.
	ErrNotProven = errors.New("ingress: message not proven")
)

// Queue is one destination's queue as the enclave consumes it.
type Queue struct {
	dest []byte
	next uint64
}

// NewQueue resumes dest's queue expecting message next (1 for a new one).
func NewQueue(dest []byte, next uint64) (*Queue, error) {
	if len(dest) != DestinationSize {
		return nil, fmt.Errorf("ingress: destination is %d bytes, want %d", len(dest), DestinationSize)
	}
	if next < 1 {
		return nil, errors.New("ingress: sequence numbers start at 1")
	}
	return &Queue{dest: append([]byte{}, dest...), next: next}, nil
}

// Next is the sequence number the queue expects.
func (q *Queue) Next() uint64 { return q.next }

// Accept checks that msg is message seq of the queue in the state committed
// by appHash, that seq is the next one, and advances the queue.
func (q *Queue) Accept(appHash []byte, seq uint64, msg []byte, proof *cmtcrypto.ProofOps) error {
	switch {
	case seq < q.next:
		return fmt.Errorf("%w: sequence %d, next is %d", ErrReplay, seq, q.next)
	case seq > q.next:
		return fmt.Errorf("%w: sequence %d, next is %d", ErrGap, seq, q.next)
	}
	if err := stateproof.VerifyValue(appHash, StoreKey, MessageKey(q.dest, seq), msg, proof); err != nil {
		return fmt.Errorf("%w: sequence %d: %v", ErrNotProven, seq, err)
	}
	q.next++
	return nil
}

// Backlog proves the queue's length in the state committed by appHash (the
// length value and its proof; an absent length, with an absence proof, is
// zero) and returns how many messages the chain holds that the queue has not
// accepted yet.
func (q *Queue) Backlog(appHash []byte, length []byte, proof *cmtcrypto.ProofOps) (uint64, error) {
	key := LengthKey(q.dest)
	var n uint64
	if len(length) == 0 {
		if err := stateproof.VerifyAbsent(appHash, StoreKey, key, proof); err != nil {
			return 0, fmt.Errorf("%w: queue length: %v", ErrNotProven, err)
		}
	} else {
		if len(length) != 8 {
			return 0, fmt.Errorf("%w: queue length is %d bytes, want 8", ErrNotProven, len(length))
		}
		if err := stateproof.VerifyValue(appHash, StoreKey, key, length, proof); err != nil {
			return 0, fmt.Errorf("%w: queue length: %v", ErrNotProven, err)
		}
		n = binary.BigEndian.Uint64(length)
	}
	accepted := q.next - 1
	if n < accepted {
		return 0, fmt.Errorf("%w: the chain holds %d messages but %d were accepted: state from another chain or an older height", ErrNotProven, n, accepted)
	}
	return n - accepted, nil
}
