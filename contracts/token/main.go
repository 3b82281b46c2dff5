// Command token is a confidential token (Phala's "secret wallet"): coins of
// one on-chain denomination are deposited into the contract, then held and
// transferred privately; only deposits and withdrawals, which move on-chain
// funds, are public. Balances and transfers exist in the clear only inside
// the enclave.
//
//	instantiate: {"denom": "uphala"}
//	commands:    {"deposit": {}}                 with funds attached to the execute
//	             {"transfer": {"to": "phala1...", "amount": 10}}
//	             {"withdraw": {"amount": 10}}     paid back on chain to the sender
//	             {"balance": {}}                   the sender's balance, encrypted to the sender
//	query:       {"balance": {}}                   needs an authenticated sender
package main

import (
	"errors"
	"fmt"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

// InitMsg names the on-chain denomination the token wraps.
type InitMsg struct {
	Denom string `json:"denom"`
}

// Command is one of the token's commands.
type Command struct {
	Deposit  *struct{} `json:"deposit,omitempty"`
	Transfer *Transfer `json:"transfer,omitempty"`
	Withdraw *Withdraw `json:"withdraw,omitempty"`
	Balance  *struct{} `json:"balance,omitempty"`
}

// Transfer moves Amount from the sender to To, privately.
type Transfer struct {
	To     string `json:"to"`
	Amount uint64 `json:"amount"`
}

// Withdraw pays Amount back to the sender on chain.
type Withdraw struct {
	Amount uint64 `json:"amount"`
}

// Query is one of the token's queries.
type Query struct {
	Balance *struct{} `json:"balance,omitempty"`
}

// BalanceResponse is the sender's balance.
type BalanceResponse struct {
	Balance uint64 `json:"balance"`
	Denom   string `json:"denom"`
}

const configKey = "config"

func balanceKey(addr string) string { return "balance/" + addr }

func instantiate(ctx *sdk.Context, msg InitMsg) error {
	if msg.Denom == "" {
		return errors.New("denom is required")
	}
	return sdk.Save(ctx, configKey, msg)
}

func balance(ctx *sdk.Context, addr string) (uint64, error) {
	b, _, err := sdk.Load[uint64](ctx, balanceKey(addr))
	return b, err
}

func setBalance(ctx *sdk.Context, addr string, amount uint64) error {
	if amount == 0 {
		ctx.Delete(balanceKey(addr))
		return nil
	}
	return sdk.Save(ctx, balanceKey(addr), amount)
}

func handle(ctx *sdk.Context, cmd Command) (any, error) {
	cfg, _, err := sdk.Load[InitMsg](ctx, configKey)
	if err != nil {
		return nil, err
	}
	mine, err := balance(ctx, ctx.Sender)
	if err != nil {
		return nil, err
	}
	switch {
	case cmd.Deposit != nil:
		if len(ctx.Funds) != 1 || ctx.Funds[0].Denom != cfg.Denom {
			return nil, fmt.Errorf("a deposit must attach %s, and only %s", cfg.Denom, cfg.Denom)
		}
		amount, err := ctx.Funds[0].Uint64()
		if err != nil {
			return nil, err
		}
		if mine+amount < mine {
			return nil, errors.New("the balance would overflow")
		}
		mine += amount
	case cmd.Transfer != nil:
		t := cmd.Transfer
		if t.To == "" || t.To == ctx.Sender || t.Amount == 0 {
			return nil, errors.New("a transfer needs another recipient and a positive amount")
		}
		if t.Amount > mine {
			return nil, errors.New("insufficient balance")
		}
		theirs, err := balance(ctx, t.To)
		if err != nil {
			return nil, err
		}
		if theirs+t.Amount < theirs {
			return nil, errors.New("the recipient's balance would overflow")
		}
		if err := setBalance(ctx, t.To, theirs+t.Amount); err != nil {
			return nil, err
		}
		mine -= t.Amount
	case cmd.Withdraw != nil:
		if cmd.Withdraw.Amount == 0 || cmd.Withdraw.Amount > mine {
			return nil, errors.New("insufficient balance")
		}
		mine -= cmd.Withdraw.Amount
		ctx.Send(ctx.Sender, cfg.Denom, cmd.Withdraw.Amount)
	case cmd.Balance != nil:
	default:
		return nil, errors.New("unknown command: want deposit, transfer, withdraw or balance")
	}
	if err := setBalance(ctx, ctx.Sender, mine); err != nil {
		return nil, err
	}
	return BalanceResponse{Balance: mine, Denom: cfg.Denom}, nil
}

func query(ctx *sdk.Context, q Query) (any, error) {
	if q.Balance == nil {
		return nil, errors.New(`unknown query: want {"balance": {}}`)
	}
	if ctx.Sender == "" {
		return nil, errors.New("a balance is private: send an authenticated query, or the balance command")
	}
	cfg, _, err := sdk.Load[InitMsg](ctx, configKey)
	if err != nil {
		return nil, err
	}
	mine, err := balance(ctx, ctx.Sender)
	return BalanceResponse{Balance: mine, Denom: cfg.Denom}, err
}

func init() {
	sdk.Register(sdk.Contract[InitMsg, Command, Query]{Init: instantiate, Handle: handle, Query: query})
}

func main() {}
