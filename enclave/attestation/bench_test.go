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

// BenchmarkP256Verify is the baseline: one ECDSA P-256 signature check (a
// full verification makes nine, plus certificate and JSON parsing).
func BenchmarkP256Verify(b *testing.B) {
	raw, _ := phalaSet(b)
	q, err := ParseQuote(raw)
	if err != nil {
		b.Fatal(err)
	}
	key, err := rawP256Key(q.AttestationKey[:])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !verifyP256(key, q.signedISV, q.Signature[:]) {
			b.Fatal("signature does not verify")
		}
	}
}
