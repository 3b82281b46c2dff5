package main

import (
	"strings"
	"testing"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

func TestSealedBids(t *testing.T) {
	st := sdk.NewTestState()
	at := func(sender string, height int64) *sdk.Context {
		return sdk.NewTestContext(sdk.Env{Sender: sender, Height: height}, st, false)
	}
	if err := instantiate(at("seller", 10), InitMsg{Item: "painting", ClosesAtHeight: 5}); err == nil {
		t.Fatal("an auction closing in the past was created")
	}
	if err := instantiate(at("seller", 10), InitMsg{Item: "painting", ClosesAtHeight: 20}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		who    string
		amount uint64
	}{{"alice", 100}, {"bob", 150}, {"carol", 150}, {"alice", 120}} {
		if _, err := handle(at(b.who, 11), Command{Bid: &Bid{Amount: b.amount}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := handle(at("dave", 20), Command{Bid: &Bid{Amount: 999}}); err == nil {
		t.Fatal("a bid at the closing height was accepted")
	}
	if _, err := handle(at("bob", 19), Command{Close: &struct{}{}}); err == nil {
		t.Fatal("closed early")
	}
	status, err := query(sdk.NewTestContext(sdk.Env{}, st, true), Query{Status: &struct{}{}})
	if err != nil || status.(Status).Bids != 3 || status.(Status).Winner != "" {
		t.Fatalf("open status %+v %v", status, err)
	}
	res, err := handle(at("anyone", 20), Command{Close: &struct{}{}})
	if err != nil {
		t.Fatal(err)
	}
	// bob bid 150 before carol: he wins and pays carol's 150.
	if s := res.(Status); !s.Closed || s.Winner != "bob" || s.Price != 150 {
		t.Fatalf("closed status %+v", s)
	}
	for _, ev := range st.Events {
		for _, a := range ev.Attributes {
			if strings.Contains(a.Value, "120") || strings.Contains(a.Value, "100") {
				t.Fatalf("a losing bid was published: %+v", ev)
			}
		}
	}
	if got, _ := handle(at("alice", 21), Command{MyBid: &struct{}{}}); got.(Bid).Amount != 120 {
		t.Fatalf("alice's bid %v", got)
	}
}

func TestSettleAlone(t *testing.T) {
	w, p := settle(auction{Bidders: []string{"a"}, Amounts: map[string]uint64{"a": 7}})
	if w != "a" || p != 7 {
		t.Fatalf("%s %d", w, p)
	}
}
