package main

import (
	"testing"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

func TestCounter(t *testing.T) {
	st := sdk.NewTestState()
	owner := sdk.NewTestContext(sdk.Env{Sender: "alice"}, st, false)
	if err := instantiate(owner, InitMsg{Count: 5}); err != nil {
		t.Fatal(err)
	}
	other := sdk.NewTestContext(sdk.Env{Sender: "bob"}, st, false)
	res, err := handle(other, Command{Increment: &Increment{By: 3}})
	if err != nil || res.(CountResponse).Count != 8 {
		t.Fatalf("increment: %v %v", res, err)
	}
	if _, err := handle(other, Command{Reset: &struct{}{}}); err == nil {
		t.Fatal("bob reset alice's counter")
	}
	if _, err := handle(other, Command{}); err == nil {
		t.Fatal("an empty command was accepted")
	}
	got, err := query(sdk.NewTestContext(sdk.Env{}, st, true), Query{GetCount: &struct{}{}})
	if err != nil || got.(CountResponse) != (CountResponse{Count: 8, Owner: "alice"}) {
		t.Fatalf("get_count: %v %v", got, err)
	}
	if len(st.Events) != 1 || st.Events[0].Type != "hello.incremented" {
		t.Fatalf("events: %+v", st.Events)
	}
}
