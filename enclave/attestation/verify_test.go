package attestation

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"testing"
	"time"
)

func TestSyntheticQuotes(t *testing.T) {
	p := newTestPKI(t)
	strict := DefaultPolicy()
	debugOK := strict
	debugOK.AllowDebug = true
	upToDateOnly := strict
	upToDateOnly.AcceptedTCBStatuses = []TCBStatus{TCBUpToDate}
	other := newTestPKI(t) // another root, same shape

	for _, tc := range []struct {
		name       string
		policy     Policy
		quote      quoteSpec
		collateral collateralSpec
		at         time.Time
		step       Step
		msg        string
		status     TCBStatus
	}{
		{name: "v3 up to date", policy: strict, status: TCBUpToDate},
		{name: "v4 SGX", policy: strict, quote: quoteSpec{version: QuoteVersion4}, status: TCBUpToDate},
		{name: "debug refused", policy: strict, quote: quoteSpec{attributes: 0x07}, step: StepDebug, msg: "debug mode"},
		{name: "debug allowed", policy: debugOK, quote: quoteSpec{attributes: 0x07}, status: TCBUpToDate},
		{name: "revoked PCK", policy: strict, collateral: collateralSpec{revokeLeaf: true}, step: StepPCKCRL, msg: "revoked"},
		{name: "revoked PCK CA", policy: strict, collateral: collateralSpec{revokeCA: true}, step: StepRootCACRL, msg: "revoked"},
		{name: "platform below the first level", policy: strict, collateral: collateralSpec{pceSVN: 11}, status: TCBOutOfDate},
		{name: "status outside policy", policy: upToDateOnly, collateral: collateralSpec{status: "SWHardeningNeeded"}, step: StepTCBStatus, msg: "not among the accepted"},
		{name: "revoked TCB", policy: strict, collateral: collateralSpec{status: "Revoked"}, step: StepTCBStatus, msg: "revoked"},
		{name: "unknown TCB status", policy: strict, collateral: collateralSpec{status: "Fine"}, step: StepTCBInfo, msg: "unknown TCB status"},
		{name: "out-of-date QE", policy: strict, collateral: collateralSpec{qeStatus: "OutOfDate", status: "ConfigurationNeeded"}, status: TCBOutOfDateConfigurationNeeded},
		{name: "QE below every level", policy: strict, quote: quoteSpec{qeISVSVN: 0xffff}, status: TCBUpToDate},
		{name: "expired collateral", policy: strict, collateral: collateralSpec{issued: testNow.AddDate(0, 0, -31)}, step: StepRootCACRL, msg: "expired"},
		{name: "chain to another root", policy: strict, quote: quoteSpec{chain: []*x509.Certificate{other.leaf, other.ca, other.root}}, step: StepPCKChain, msg: "root other than the pinned"},
		{name: "chain without root to another root", policy: strict, quote: quoteSpec{chain: []*x509.Certificate{other.leaf, other.ca}}, step: StepPCKChain, msg: "signature by"},
		{name: "leaf alone", policy: strict, quote: quoteSpec{chain: []*x509.Certificate{p.leaf}}, step: StepParseQuote, msg: "want the leaf and its CA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.at
			if at.IsZero() {
				at = testNow
			}
			res, err := p.verifier(tc.policy).VerifyQuote(p.quote(t, tc.quote), p.collateral(t, tc.collateral), at)
			checkStep(t, tc.name, err, tc.step, tc.msg)
			if err == nil && res.TCBStatus != tc.status {
				t.Errorf("status %s, want %s", res.TCBStatus, tc.status)
			}
		})
	}
}

// TestRealQuoteTampering flips bytes all over a real quote: every flip must
// be refused, and flips in the signed parts at the step that covers them.
func TestRealQuoteTampering(t *testing.T) {
	raw, c := phalaSet(t)
	v := NewVerifier(DefaultPolicy())
	stride := 1
	if testing.Short() {
		stride = 7
	}
	for i := 0; i < len(raw); i += stride {
		for _, mask := range []byte{0x01, 0x80} {
			bad := bytes.Clone(raw)
			bad[i] ^= mask
			if _, err := v.VerifyQuote(bad, c, phalaTime); err == nil {
				t.Fatalf("byte %d ^ %#x accepted", i, mask)
			}
		}
	}
	authLen := int(binary.LittleEndian.Uint16(raw[1012:]))
	for _, tc := range []struct {
		name   string
		offset int
		step   Step
		msg    string
	}{
		{"version", 0, StepParseQuote, "version 2 is not supported"},
		{"key type", 2, StepParseQuote, "not ECDSA-P256"},
		{"QE vendor", 12, StepParseQuote, "not Intel's"},
		{"header user data", 40, StepISVReportSignature, "not signed"},
		{"report body MRENCLAVE", 48 + 64, StepISVReportSignature, "not signed"},
		{"report data", 48 + 320, StepISVReportSignature, "not signed"},
		{"ISV signature", 436 + 10, StepISVReportSignature, "not signed"},
		{"attestation key", 500 + 5, StepQEReportData, "does not commit"},
		{"QE report", 564 + 100, StepQEReportSignature, "not signed by the PCK"},
		{"QE signature", 948 + 40, StepQEReportSignature, "not signed by the PCK"},
		{"QE auth data", 1014 + authLen - 1, StepQEReportData, "does not commit"},
		{"certification data type", 1014 + authLen, StepParseQuote, "certification data type 4"},
		{"PEM header", 1014 + authLen + 6 + 3, StepParseQuote, "certificate 1: expected"},
		{"certificate body", 1014 + authLen + 6 + 200, StepParseQuote, "certificate 1"},
		{"NUL padding", len(raw) - 1, StepParseQuote, "certificate 4"},
	} {
		bad := bytes.Clone(raw)
		bad[tc.offset] ^= 0x01
		if tc.name == "version" {
			bad[0] = 2
		}
		_, err := v.VerifyQuote(bad, c, phalaTime)
		checkStep(t, tc.name, err, tc.step, tc.msg)
	}
}

func TestQuoteLength(t *testing.T) {
	raw, c := phalaSet(t)
	v := NewVerifier(DefaultPolicy())
	for n := 0; n < len(raw); n += 1 + n/8 {
		_, err := v.VerifyQuote(raw[:n], c, phalaTime)
		checkStep(t, "truncated", err, StepParseQuote, "")
	}
	_, err := v.VerifyQuote(raw[:len(raw)-1], c, phalaTime)
	checkStep(t, "one byte short", err, StepParseQuote, "length field says")
	_, err = v.VerifyQuote(append(bytes.Clone(raw), 0), c, phalaTime)
	checkStep(t, "one byte padding", err, StepParseQuote, "length field says")

	// Padding inside the declared signature data is refused too.
	padded := append(bytes.Clone(raw), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(padded[432:], binary.LittleEndian.Uint32(raw[432:])+4)
	_, err = v.VerifyQuote(padded, c, phalaTime)
	checkStep(t, "padded signature data", err, StepParseQuote, "")
}

func TestHeaderFields(t *testing.T) {
	p := newTestPKI(t)
	v4 := p.quote(t, quoteSpec{version: QuoteVersion4})
	tdx := bytes.Clone(v4)
	binary.LittleEndian.PutUint32(tdx[4:], teeTypeTDX)
	_, err := ParseQuote(tdx)
	checkStep(t, "TDX", err, StepParseQuote, "TDX")
	bad := bytes.Clone(v4)
	bad[0] = 5
	_, err = ParseQuote(bad)
	checkStep(t, "version 5", err, StepParseQuote, "version 5 is not supported")
	bad = bytes.Clone(v4)
	bad[2] = 3
	_, err = ParseQuote(bad)
	checkStep(t, "key type 3", err, StepParseQuote, "attestation key type 3")
}

// TestCollateralTampering flips bytes in every part of real collateral.
func TestCollateralTampering(t *testing.T) {
	raw, c := phalaSet(t)
	v := NewVerifier(DefaultPolicy())
	stride := 1
	if testing.Short() {
		stride = 13
	}
	for _, field := range []struct {
		name string
		b    func(*Collateral) *[]byte
	}{
		{"tcb info", func(c *Collateral) *[]byte { return &c.TCBInfo }},
		{"tcb info signature", func(c *Collateral) *[]byte { return &c.TCBInfoSignature }},
		{"tcb info issuer chain", func(c *Collateral) *[]byte { return &c.TCBInfoIssuerChain }},
		{"qe identity", func(c *Collateral) *[]byte { return &c.QEIdentity }},
		{"qe identity signature", func(c *Collateral) *[]byte { return &c.QEIdentitySignature }},
		{"qe identity issuer chain", func(c *Collateral) *[]byte { return &c.QEIdentityIssuerChain }},
		{"root ca crl", func(c *Collateral) *[]byte { return &c.RootCACRL }},
		{"pck crl", func(c *Collateral) *[]byte { return &c.PCKCRL }},
	} {
		orig := *field.b(c)
		for i := 0; i < len(orig); i += stride {
			bad := *c
			b := bytes.Clone(orig)
			b[i] ^= 0x01
			*field.b(&bad) = b
			if _, err := v.VerifyQuote(raw, &bad, phalaTime); err == nil {
				t.Fatalf("%s: byte %d flipped, accepted", field.name, i)
			}
		}
		bad := *c
		*field.b(&bad) = append(bytes.Clone(orig), '}')
		if _, err := v.VerifyQuote(raw, &bad, phalaTime); err == nil {
			t.Fatalf("%s: a byte appended, accepted", field.name)
		}
	}
}

func TestCollateralJSON(t *testing.T) {
	for _, tc := range []struct{ name, json, msg string }{
		{"not JSON", `{`, "collateral JSON"},
		{"unknown field", `{"tcb_info":"{}","extra":1}`, `unknown field "extra"`},
		{"bad hex", `{"pck_crl":"zz"}`, "pck_crl: not hex"},
		{"missing", `{"tcb_info":"{}"}`, "tcb_info_signature is missing"},
		{"trailing", `{} {}`, "trailing data"},
	} {
		_, err := ParseCollateralJSON([]byte(tc.json))
		checkStep(t, tc.name, err, StepParseCollateral, tc.msg)
	}
}
