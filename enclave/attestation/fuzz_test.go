package attestation

import (
	"testing"
)

// FuzzVerifyQuote feeds arbitrary bytes to the quote parser and, when they
// parse, to the verifier with real collateral: neither may panic, and nothing
// but the real quote may verify.
func FuzzVerifyQuote(f *testing.F) {
	raw, c := phalaSet(f)
	oasis, _ := oasisSet(f)
	f.Add(raw)
	f.Add(oasis)
	f.Add(readTestdata(f, "oasis/quote_v3_ecdsa_p256_eppid.bin"))
	f.Add(newTestPKI(f).quote(f, quoteSpec{version: QuoteVersion4}))
	v := NewVerifier(DefaultPolicy())
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := v.VerifyQuote(b, c, phalaTime)
		if err == nil && string(b) != string(raw) {
			t.Fatalf("a quote other than the real one verified: %+v", res)
		}
	})
}

// FuzzParseCollateralJSON checks the collateral decoder never panics and
// that what it accepts never makes a quote verify unless it is the real
// collateral's content.
func FuzzParseCollateralJSON(f *testing.F) {
	raw, _ := phalaSet(f)
	real := readTestdata(f, "phala/sgx_quote_collateral.json")
	f.Add(real)
	f.Add([]byte(`{"tcb_info":"{}","tcb_info_signature":"00","tcb_info_issuer_chain":"x","qe_identity":"{}","qe_identity_signature":"00"}`))
	v := NewVerifier(DefaultPolicy())
	want, err := ParseCollateralJSON(real)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCollateralJSON(b)
		if err != nil {
			return
		}
		if _, err := v.VerifyQuote(raw, c, phalaTime); err == nil &&
			(string(c.TCBInfo) != string(want.TCBInfo) || string(c.QEIdentity) != string(want.QEIdentity)) {
			t.Fatal("collateral with other TCB info or QE identity verified")
		}
	})
}
