// Command auction is a sealed-bid, second-price auction: bids are secret
// until the auction closes, and then only the winner and the price they pay
// (the second-highest bid, or their own when alone) are revealed. Losing
// bids are never revealed to anyone.
//
//	instantiate: {"item": "painting", "closes_at_height": 1000}
//	commands:    {"bid": {"amount": 120}}   before the closing height; a new bid replaces the sender's last
//	             {"close": {}}              anyone, at or after the closing height
//	             {"my_bid": {}}             the sender's bid, encrypted to the sender
//	query:       {"status": {}}
package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

// InitMsg describes the auction.
type InitMsg struct {
	Item           string `json:"item"`
	ClosesAtHeight int64  `json:"closes_at_height"`
}

// Command is one of the auction's commands.
type Command struct {
	Bid   *Bid      `json:"bid,omitempty"`
	Close *struct{} `json:"close,omitempty"`
	MyBid *struct{} `json:"my_bid,omitempty"`
}

// Bid offers Amount for the item.
type Bid struct {
	Amount uint64 `json:"amount"`
}

// Query is one of the auction's queries.
type Query struct {
	Status *struct{} `json:"status,omitempty"`
}

// Status is the auction's public state.
type Status struct {
	Item           string `json:"item"`
	ClosesAtHeight int64  `json:"closes_at_height"`
	Bids           int    `json:"bids"`
	Closed         bool   `json:"closed"`
	Winner         string `json:"winner,omitempty"`
	Price          uint64 `json:"price,omitempty"`
}

// auction is the whole state: the bids, in the order bidders first bid.
type auction struct {
	Status
	Bidders []string          `json:"bidders"`
	Amounts map[string]uint64 `json:"amounts"`
}

const stateKey = "auction"

func load(ctx *sdk.Context) (auction, error) {
	a, _, err := sdk.Load[auction](ctx, stateKey)
	return a, err
}

func instantiate(ctx *sdk.Context, msg InitMsg) error {
	if msg.Item == "" || msg.ClosesAtHeight <= ctx.Height {
		return fmt.Errorf("an auction needs an item and a closing height after the current one (%d)", ctx.Height)
	}
	return sdk.Save(ctx, stateKey, auction{Status: Status{Item: msg.Item, ClosesAtHeight: msg.ClosesAtHeight}, Amounts: map[string]uint64{}})
}

func handle(ctx *sdk.Context, cmd Command) (any, error) {
	a, err := load(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case cmd.Bid != nil:
		if a.Closed || ctx.Height >= a.ClosesAtHeight {
			return nil, errors.New("the auction is closed")
		}
		if cmd.Bid.Amount == 0 {
			return nil, errors.New("a bid must be positive")
		}
		if _, ok := a.Amounts[ctx.Sender]; !ok {
			a.Bidders = append(a.Bidders, ctx.Sender)
		}
		a.Amounts[ctx.Sender] = cmd.Bid.Amount
		a.Bids = len(a.Bidders)
		ctx.Emit("auction.bid", "bids", strconv.Itoa(a.Bids)) // that someone bid, not how much
	case cmd.Close != nil:
		if a.Closed {
			return nil, errors.New("the auction is already closed")
		}
		if ctx.Height < a.ClosesAtHeight {
			return nil, fmt.Errorf("the auction closes at height %d", a.ClosesAtHeight)
		}
		a.Closed = true
		a.Winner, a.Price = settle(a)
		ctx.Emit("auction.closed", "winner", a.Winner, "price", strconv.FormatUint(a.Price, 10))
	case cmd.MyBid != nil:
		return Bid{Amount: a.Amounts[ctx.Sender]}, nil
	default:
		return nil, errors.New("unknown command: want bid, close or my_bid")
	}
	if err := sdk.Save(ctx, stateKey, a); err != nil {
		return nil, err
	}
	return a.Status, nil
}

// settle picks the highest bid (the earliest bidder among equals) and the
// price: the second-highest bid, or the winner's own when alone.
func settle(a auction) (winner string, price uint64) {
	var best, second uint64
	for _, bidder := range a.Bidders {
		switch amount := a.Amounts[bidder]; {
		case amount > best:
			second, best, winner = best, amount, bidder
		case amount > second:
			second = amount
		}
	}
	if len(a.Bidders) == 1 {
		second = best
	}
	return winner, second
}

func query(ctx *sdk.Context, q Query) (any, error) {
	if q.Status == nil {
		return nil, errors.New(`unknown query: want {"status": {}}`)
	}
	a, err := load(ctx)
	return a.Status, err
}

func init() {
	sdk.Register(sdk.Contract[InitMsg, Command, Query]{Init: instantiate, Handle: handle, Query: query})
}

func main() {}
