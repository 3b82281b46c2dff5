package main

import (
	"testing"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

func TestAggregateOnly(t *testing.T) {
	st := sdk.NewTestState()
	as := func(sender string) *sdk.Context { return sdk.NewTestContext(sdk.Env{Sender: sender}, st, false) }
	if err := instantiate(as("x"), InitMsg{Parties: []string{"a", "a"}, Limit: 1}); err == nil {
		t.Fatal("duplicate parties accepted")
	}
	if err := instantiate(as("x"), InitMsg{Parties: []string{"bank_b", "bank_a", "bank_c"}, Limit: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, err := handle(as("eve"), Command{Submit: &Submit{Exposure: 1}}); err == nil {
		t.Fatal("an outsider submitted")
	}
	for party, figure := range map[string]uint64{"bank_a": 400, "bank_b": 350} {
		if _, err := handle(as(party), Command{Submit: &Submit{Exposure: figure}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := handle(as("bank_a"), Command{Reveal: &struct{}{}}); err == nil {
		t.Fatal("revealed before every party submitted")
	}
	if _, err := handle(as("bank_c"), Command{Submit: &Submit{Exposure: 300}}); err != nil {
		t.Fatal(err)
	}
	res, err := handle(as("bank_b"), Command{Reveal: &struct{}{}})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.(Status); !s.Revealed || s.Total != 1050 || !s.OverLimit {
		t.Fatalf("status %+v", s)
	}
	if _, err := handle(as("bank_a"), Command{Submit: &Submit{Exposure: 0}}); err == nil {
		t.Fatal("a figure changed after the reveal")
	}
	status, _ := query(sdk.NewTestContext(sdk.Env{}, st, true), Query{Status: &struct{}{}})
	if s := status.(Status); s.Total != 1050 || s.Submitted != 3 {
		t.Fatalf("query %+v", s)
	}
}
