// Command riskcontrol is joint risk control: several parties (banks, desks,
// funds) each submit a private figure, for example their exposure to one
// counterparty, and learn only the aggregate: the total and whether it
// breaches the agreed limit. No party, and no node operator, sees another's
// figure.
//
//	instantiate: {"parties": ["phala1a...", "phala1b..."], "limit": 1000000}
//	commands:    {"submit": {"exposure": 250000}}   a party's figure; resubmitting replaces it
//	             {"reveal": {}}                     any party, once every party has submitted
//	query:       {"status": {}}
package main

import (
	"errors"
	"slices"
	"strconv"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

// InitMsg lists the parties and the limit on their total.
type InitMsg struct {
	Parties []string `json:"parties"`
	Limit   uint64   `json:"limit"`
}

// Command is one of the contract's commands.
type Command struct {
	Submit *Submit   `json:"submit,omitempty"`
	Reveal *struct{} `json:"reveal,omitempty"`
}

// Submit is a party's private figure.
type Submit struct {
	Exposure uint64 `json:"exposure"`
}

// Query is one of the contract's queries.
type Query struct {
	Status *struct{} `json:"status,omitempty"`
}

// Status is what everyone may know.
type Status struct {
	Parties   []string `json:"parties"`
	Limit     uint64   `json:"limit"`
	Submitted int      `json:"submitted"`
	Revealed  bool     `json:"revealed"`
	Total     uint64   `json:"total,omitempty"`
	OverLimit bool     `json:"over_limit,omitempty"`
}

type state struct {
	Status
	Figures map[string]uint64 `json:"figures"`
}

const stateKey = "risk"

func instantiate(ctx *sdk.Context, msg InitMsg) error {
	parties := slices.Clone(msg.Parties)
	slices.Sort(parties)
	if len(parties) < 2 || len(slices.Compact(parties)) != len(msg.Parties) {
		return errors.New("joint risk control needs at least two distinct parties")
	}
	return sdk.Save(ctx, stateKey, state{Status: Status{Parties: parties, Limit: msg.Limit}, Figures: map[string]uint64{}})
}

func handle(ctx *sdk.Context, cmd Command) (any, error) {
	s, _, err := sdk.Load[state](ctx, stateKey)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(s.Parties, ctx.Sender) {
		return nil, errors.New("only the parties may take part")
	}
	if s.Revealed {
		return nil, errors.New("the aggregate is already revealed")
	}
	switch {
	case cmd.Submit != nil:
		s.Figures[ctx.Sender] = cmd.Submit.Exposure
		s.Submitted = len(s.Figures)
		ctx.Emit("risk.submitted", "submitted", strconv.Itoa(s.Submitted))
	case cmd.Reveal != nil:
		if s.Submitted != len(s.Parties) {
			return nil, errors.New("waiting for every party's figure")
		}
		for _, p := range s.Parties {
			if s.Total+s.Figures[p] < s.Total {
				return nil, errors.New("the total overflows")
			}
			s.Total += s.Figures[p]
		}
		s.Revealed, s.OverLimit = true, s.Total > s.Limit
		ctx.Emit("risk.revealed", "total", strconv.FormatUint(s.Total, 10), "over_limit", strconv.FormatBool(s.OverLimit))
	default:
		return nil, errors.New("unknown command: want submit or reveal")
	}
	if err := sdk.Save(ctx, stateKey, s); err != nil {
		return nil, err
	}
	return s.Status, nil
}

func query(ctx *sdk.Context, q Query) (any, error) {
	if q.Status == nil {
		return nil, errors.New(`unknown query: want {"status": {}}`)
	}
	s, _, err := sdk.Load[state](ctx, stateKey)
	return s.Status, err
}

func init() {
	sdk.Register(sdk.Contract[InitMsg, Command, Query]{Init: instantiate, Handle: handle, Query: query})
}

func main() {}
