// Command hello is the tutorial's contract: a counter that only the enclave
// can see. Increment adds to it (a command, sent encrypted through the
// chain); GetCount reads it (a query, sent encrypted to a worker).
//
//	instantiate: {"count": 0}
//	command:     {"increment": {"by": 1}}
//	query:       {"get_count": {}}
package main

import (
	"errors"
	"strconv"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

// InitMsg sets the starting count.
type InitMsg struct {
	Count uint64 `json:"count"`
}

// Command is one of the contract's commands.
type Command struct {
	Increment *Increment `json:"increment,omitempty"`
	Reset     *struct{}  `json:"reset,omitempty"`
}

// Increment adds By (1 when omitted) to the counter.
type Increment struct {
	By uint64 `json:"by"`
}

// Query is one of the contract's queries.
type Query struct {
	GetCount *struct{} `json:"get_count,omitempty"`
}

// CountResponse answers GetCount and Increment.
type CountResponse struct {
	Count uint64 `json:"count"`
	// Owner is who instantiated the contract (only the owner may Reset).
	Owner string `json:"owner"`
}

type state struct {
	Count uint64 `json:"count"`
	Owner string `json:"owner"`
}

const stateKey = "counter"

func instantiate(ctx *sdk.Context, msg InitMsg) error {
	return sdk.Save(ctx, stateKey, state{Count: msg.Count, Owner: ctx.Sender})
}

func handle(ctx *sdk.Context, cmd Command) (any, error) {
	s, _, err := sdk.Load[state](ctx, stateKey)
	if err != nil {
		return nil, err
	}
	switch {
	case cmd.Increment != nil:
		by := cmd.Increment.By
		if by == 0 {
			by = 1
		}
		if s.Count+by < s.Count {
			return nil, errors.New("the counter would overflow")
		}
		s.Count += by
		// Public: that the counter moved, not by how much.
		ctx.Emit("hello.incremented", "by_owner", strconv.FormatBool(ctx.Sender == s.Owner))
	case cmd.Reset != nil:
		if ctx.Sender != s.Owner {
			return nil, errors.New("only the owner may reset the counter")
		}
		s.Count = 0
	default:
		return nil, errors.New(`unknown command: want {"increment": {"by": N}} or {"reset": {}}`)
	}
	if err := sdk.Save(ctx, stateKey, s); err != nil {
		return nil, err
	}
	return CountResponse(s), nil
}

func query(ctx *sdk.Context, q Query) (any, error) {
	if q.GetCount == nil {
		return nil, errors.New(`unknown query: want {"get_count": {}}`)
	}
	s, _, err := sdk.Load[state](ctx, stateKey)
	if err != nil {
		return nil, err
	}
	return CountResponse(s), nil
}

func init() {
	sdk.Register(sdk.Contract[InitMsg, Command, Query]{Init: instantiate, Handle: handle, Query: query})
}

func main() {}
