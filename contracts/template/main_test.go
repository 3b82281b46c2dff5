package main

import (
	"testing"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

// Test the logic natively: go test ./template (no enclave needed).
func TestNotes(t *testing.T) {
	st := sdk.NewTestState()
	as := func(sender string) *sdk.Context { return sdk.NewTestContext(sdk.Env{Sender: sender}, st, false) }
	if err := instantiate(as("alice"), InitMsg{}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"first", "second"} {
		if _, err := handle(as("alice"), Command{SetNote: &SetNote{Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := handle(as("alice"), Command{GetNote: &struct{}{}})
	if err != nil || got.(Note).Text != "second" {
		t.Fatalf("get_note: %v %v", got, err)
	}
	if got, _ := handle(as("bob"), Command{GetNote: &struct{}{}}); got.(Note).Text != "" {
		t.Fatalf("bob read alice's note: %v", got)
	}
	count, err := query(sdk.NewTestContext(sdk.Env{}, st, true), Query{Notes: &struct{}{}})
	if err != nil || count.(NotesResponse).Count != 1 {
		t.Fatalf("notes: %v %v", count, err)
	}
}
