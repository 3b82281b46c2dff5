package main

import (
	"strings"
	"testing"
)

func TestParseBaselineTakesMedians(t *testing.T) {
	out := `goos: linux
BenchmarkUpdateAdjacent/validators=4         	    2000	     81499 ns/op
BenchmarkUpdateAdjacent/validators=4         	    2000	     72913 ns/op
BenchmarkUpdateAdjacent/validators=4         	    2000	     83752 ns/op
BenchmarkEd25519Verify-2                     	    2000	     21865 ns/op
BenchmarkEd25519Verify-2                     	    2000	     21145.5 ns/op
PASS
`
	b, err := parseBaseline(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := b[benchUpdate4]; got != 81499 {
		t.Fatalf("light client median %v", got)
	}
	if got := b[benchEd25519]; got != (21865+21145.5)/2 {
		t.Fatalf("ed25519 median %v", got)
	}
	if _, err := parseBaseline(strings.NewReader("BenchmarkEd25519Verify 10 5 ns/op\n")); err == nil {
		t.Fatal("a baseline without the light-client benchmark was accepted")
	}
}
