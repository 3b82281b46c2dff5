package attestation

import "testing"

// BenchmarkVerifyQuote measures a full verification of a real quote with its
// collateral (parse, PCK chain, both CRLs, QE identity, TCB info): what
// x/registry does for each registration.
func BenchmarkVerifyQuote(b *testing.B) {
	raw, c := phalaSet(b)
	v := NewVerifier(DefaultPolicy())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyQuote(raw, c, phalaTime); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseQuote measures parsing alone (structure and PEM chain).
func BenchmarkParseQuote(b *testing.B) {
	raw, _ := phalaSet(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseQuote(raw); err != nil {
			b.Fatal(err)
		}
	}
}
