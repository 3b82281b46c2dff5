package attestation

import (
	"testing"
	"time"
)

func TestVerifyCollateral(t *testing.T) {
	_, c := phalaSet(t)
	v := NewVerifier(DefaultPolicy())
	info, err := v.VerifyCollateral(c, phalaTime)
	if err != nil {
		t.Fatal(err)
	}
	if info.FMSPC != [6]byte{0x00, 0xa0, 0x67, 0x11, 0x00, 0x00} {
		t.Errorf("FMSPC %x", info.FMSPC)
	}
	// The QE identity (issued 2025-06-19T10:01:18Z) ages out first.
	if want := time.Date(2025, 7, 19, 10, 1, 18, 0, time.UTC); !info.Expires.Equal(want) {
		t.Errorf("expires %s, want %s", info.Expires, want)
	}
	if !info.TCBInfoIssued.Equal(time.Date(2025, 6, 19, 10, 56, 11, 0, time.UTC)) {
		t.Errorf("TCB info issued %s", info.TCBInfoIssued)
	}
	_, err = v.VerifyCollateral(c, info.Expires.Add(time.Second))
	checkStep(t, "after expiry", err, StepQEIdentity, "maximum collateral age")

	for _, tc := range []struct {
		name string
		edit func(*Collateral)
		step Step
		msg  string
	}{
		{"no root CA CRL", func(c *Collateral) { c.RootCACRL = nil }, StepRootCACRL, "no root CA CRL"},
		{"no PCK CRL chain", func(c *Collateral) { c.PCKCRLIssuerChain = nil }, StepPCKCRL, "issuer chain"},
		{"PCK CRL chain is the TCB signer's", func(c *Collateral) { c.PCKCRLIssuerChain = c.TCBInfoIssuerChain }, StepPCKCRL, "not by"},
		{"root CRL as PCK CRL", func(c *Collateral) { c.PCKCRL = c.RootCACRL }, StepPCKCRL, "issued by"},
		{"tampered TCB info", func(c *Collateral) { c.TCBInfo = append([]byte{' '}, c.TCBInfo...) }, StepTCBInfo, "does not verify"},
	} {
		bad := *c
		tc.edit(&bad)
		_, err := v.VerifyCollateral(&bad, phalaTime)
		checkStep(t, tc.name, err, tc.step, tc.msg)
	}

	p := newTestPKI(t)
	synthetic := p.collateral(t, collateralSpec{})
	if _, err := NewVerifier(DefaultPolicy()).VerifyCollateral(synthetic, testNow); err == nil {
		t.Error("collateral under another root verified against Intel's")
	}
	if info, err := p.verifier(DefaultPolicy()).VerifyCollateral(synthetic, testNow); err != nil || info.FMSPC != testFMSPC {
		t.Errorf("synthetic collateral: %v", err)
	}
}

func TestQuotePCKExtensions(t *testing.T) {
	raw, _ := phalaSet(t)
	q, err := ParseQuote(raw)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := q.PCKExtensions()
	if err != nil || ext.FMSPC != [6]byte{0x00, 0xa0, 0x67, 0x11, 0x00, 0x00} || ext.PCEID != [2]byte{} {
		t.Fatalf("%+v %v", ext, err)
	}
}
