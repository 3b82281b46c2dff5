package runtime

import "errors"

// Errors of a call. Their messages are deterministic: replicas compare them.
var (
	// ErrInvalidCode: the module cannot be a contract (malformed, not
	// meterable, missing an entry point, importing what it may not).
	ErrInvalidCode = errors.New("runtime: invalid contract code")
	// ErrOutOfFuel: the call used its whole fuel limit.
	ErrOutOfFuel = errors.New("runtime: out of fuel")
	// ErrRefused: the contract returned an error for this message (its
	// reason follows in the wrapped message).
	ErrRefused = errors.New("runtime: contract refused the message")
	// ErrTrap: the contract crashed (unreachable, out of bounds, out of
	// memory, exit).
	ErrTrap = errors.New("runtime: contract trapped")
	// ErrHostCall: the contract broke a rule of the host interface (a key or
	// value too large, too many writes or events, a write during a query).
	ErrHostCall = errors.New("runtime: invalid host call")
)
