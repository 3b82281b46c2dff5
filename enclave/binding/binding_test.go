package binding

import (
	"encoding/hex"
	"strings"
	"testing"
)

func key(b byte) []byte { return []byte(strings.Repeat(string([]byte{b}), 32)) }

// TestReportData pins the binding: enclaves outside this repository
// compute it too, so it must never change silently.
func TestReportData(t *testing.T) {
	operator := key(3)[:20]
	got := ReportData("phala-devnet-1", key(9), key(1), key(2), operator)
	// Computed independently (Python: hashlib.sha256 over the length-prefixed fields).
	if hex.EncodeToString(got[:32]) != "b1ea029da03508b54376df4002fad44856af486584c32d406c2f00db15802aba" {
		t.Fatalf("binding %x changed", got[:32])
	}
	if [32]byte(got[32:]) != [32]byte{} {
		t.Fatal("the second half must be zero")
	}
	for name, other := range map[string][64]byte{
		"chain-id":     ReportData("phala-devnet-2", key(9), key(1), key(2), operator),
		"genesis hash": ReportData("phala-devnet-1", key(8), key(1), key(2), operator),
		"identity":     ReportData("phala-devnet-1", key(9), key(4), key(2), operator),
		"ecdh key":     ReportData("phala-devnet-1", key(9), key(1), key(4), operator),
		"operator":     ReportData("phala-devnet-1", key(9), key(1), key(2), key(4)[:20]),
		// Length prefixes keep field boundaries: moving a byte between the
		// chain-id and the genesis hash changes the result.
		"boundary": ReportData("phala-devnet-1"+string(key(9)[:1]), key(9)[1:], key(1), key(2), operator),
	} {
		if other == got {
			t.Errorf("changing the %s leaves the report data unchanged", name)
		}
	}
}
