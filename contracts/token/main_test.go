package main

import (
	"testing"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

func TestSecretWallet(t *testing.T) {
	st := sdk.NewTestState()
	as := func(sender string, funds ...sdk.Coin) *sdk.Context {
		return sdk.NewTestContext(sdk.Env{Sender: sender, Funds: funds}, st, false)
	}
	if err := instantiate(as("admin"), InitMsg{Denom: "uphala"}); err != nil {
		t.Fatal(err)
	}
	mustBalance := func(res any, err error, want uint64) {
		t.Helper()
		if err != nil || res.(BalanceResponse).Balance != want {
			t.Fatalf("got %v %v, want balance %d", res, err, want)
		}
	}
	res, err := handle(as("alice", sdk.Coin{Denom: "uphala", Amount: "100"}), Command{Deposit: &struct{}{}})
	mustBalance(res, err, 100)
	if _, err := handle(as("alice", sdk.Coin{Denom: "uatom", Amount: "5"}), Command{Deposit: &struct{}{}}); err == nil {
		t.Fatal("a deposit of another denom was accepted")
	}
	res, err = handle(as("alice"), Command{Transfer: &Transfer{To: "bob", Amount: 30}})
	mustBalance(res, err, 70)
	if _, err := handle(as("alice"), Command{Transfer: &Transfer{To: "bob", Amount: 71}}); err == nil {
		t.Fatal("an overdraft was accepted")
	}
	res, err = handle(as("bob"), Command{Withdraw: &Withdraw{Amount: 30}})
	mustBalance(res, err, 0)
	if len(st.Payments) != 1 || st.Payments[0] != (sdk.Payment{To: "bob", Coin: sdk.Coin{Denom: "uphala", Amount: "30"}}) {
		t.Fatalf("payments %+v", st.Payments)
	}
	if _, ok := st.Values[balanceKey("bob")]; ok {
		t.Fatal("an empty balance is still stored")
	}
	res, err = query(sdk.NewTestContext(sdk.Env{Sender: "alice"}, st, true), Query{Balance: &struct{}{}})
	mustBalance(res, err, 70)
	if _, err := query(sdk.NewTestContext(sdk.Env{}, st, true), Query{Balance: &struct{}{}}); err == nil {
		t.Fatal("an anonymous query read a balance")
	}
	if len(st.Events) != 0 {
		t.Fatalf("the token published %+v", st.Events)
	}
}
