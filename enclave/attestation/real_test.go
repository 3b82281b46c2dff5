package attestation

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// phalaSet is the dcap-qvl sample: quote and one-file collateral.
func phalaSet(t testing.TB) ([]byte, *Collateral) {
	t.Helper()
	c, err := ParseCollateralJSON(readTestdata(t, "phala/sgx_quote_collateral.json"))
	if err != nil {
		t.Fatal(err)
	}
	return readTestdata(t, "phala/sgx_quote.bin"), c
}

// oasisSet is the oasis-core sample: PCS response bodies, no CRLs.
func oasisSet(t testing.TB) ([]byte, *Collateral) {
	t.Helper()
	tcb, tcbSig, err := SplitSignedBody(readTestdata(t, "oasis/tcb_info_v3_fmspc_00606A000000.json"), "tcbInfo")
	if err != nil {
		t.Fatal(err)
	}
	qe, qeSig, err := SplitSignedBody(readTestdata(t, "oasis/qe_identity_v2.json"), "enclaveIdentity")
	if err != nil {
		t.Fatal(err)
	}
	return readTestdata(t, "oasis/quote_v3_ecdsa_p256_pck_chain.bin"), &Collateral{
		TCBInfo: tcb, TCBInfoSignature: tcbSig,
		TCBInfoIssuerChain: readTestdata(t, "oasis/tcb_info_v3_fmspc_00606A000000_certs.pem"),
		QEIdentity:         qe, QEIdentitySignature: qeSig,
	}
}

var phalaTime = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPhalaQuoteVerifies(t *testing.T) {
	raw, c := phalaSet(t)
	res, err := NewVerifier(DefaultPolicy()).VerifyQuote(raw, c, phalaTime)
	if err != nil {
		t.Fatal(err)
	}
	if res.TCBStatus != TCBConfigurationAndSWHardeningNeeded {
		t.Errorf("TCB status %s, want ConfigurationAndSWHardeningNeeded", res.TCBStatus)
	}
	if got := strings.Join(res.AdvisoryIDs, ","); got != "INTEL-SA-00289,INTEL-SA-00615" {
		t.Errorf("advisories %s", got)
	}
	if hex.EncodeToString(res.MREnclave[:]) != "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb" {
		t.Errorf("MRENCLAVE %x", res.MREnclave)
	}
	if hex.EncodeToString(res.MRSigner[:]) != "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6" {
		t.Errorf("MRSIGNER %x", res.MRSigner)
	}
	if res.ISVProdID != 0 || res.ISVSVN != 0 || res.Debug || res.Attributes[0] != 0x05 {
		t.Errorf("prodid %d svn %d debug %v attributes %x", res.ISVProdID, res.ISVSVN, res.Debug, res.Attributes)
	}
	want := make([]byte, 64)
	copy(want, "Hello, world!")
	if string(res.ReportData[:]) != string(want) {
		t.Errorf("report data %q", res.ReportData)
	}
	if hex.EncodeToString(res.FMSPC[:]) != "00a067110000" {
		t.Errorf("FMSPC %x", res.FMSPC)
	}
}

// TestPhalaQuoteWindow checks both edges of the collateral's validity window.
func TestPhalaQuoteWindow(t *testing.T) {
	raw, c := phalaSet(t)
	v := NewVerifier(DefaultPolicy())
	for _, tc := range []struct {
		at   string
		step Step // empty: success
		msg  string
	}{
		{"2025-06-19T10:56:11Z", "", ""},
		{"2025-06-19T10:56:10Z", StepTCBInfo, "issued in the future"},
		{"2025-07-19T10:01:18Z", "", ""},
		{"2025-07-19T10:01:19Z", StepQEIdentity, "maximum collateral age"},
		{"2025-08-01T00:00:00Z", StepPCKCRL, "CRL expired"},
	} {
		at, err := time.Parse(time.RFC3339, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.VerifyQuote(raw, c, at)
		checkStep(t, tc.at, err, tc.step, tc.msg)
	}
}

// checkStep asserts err is nil (step "") or an *Error at step containing msg.
func checkStep(t *testing.T, name string, err error, step Step, msg string) {
	t.Helper()
	if step == "" {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v, want a failure at %q", name, err, step)
		return
	}
	if e.Step != step || !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: %v, want step %q containing %q", name, err, step, msg)
	}
}

func TestOasisQuote(t *testing.T) {
	raw, c := oasisSet(t)
	policy := DefaultPolicy()
	policy.AllowMissingCRL = true
	v := NewVerifier(policy)
	res, err := v.VerifyQuote(raw, c, time.Unix(1671497404, 0))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(res.MREnclave[:]) != "68823bc62f409ee33a32ea270cfe45d4b19a6fb3c8570d7bc186cbe062398e8f" ||
		hex.EncodeToString(res.MRSigner[:]) != "9affcfae47b848ec2caf1c49b4b283531e1cc425f93582b36806e52a43d78d1a" ||
		res.ISVProdID != 0 || res.ISVSVN != 0 {
		t.Errorf("result %+v", res)
	}
	q, err := ParseQuote(raw)
	if err != nil {
		t.Fatal(err)
	}
	if q.QEReport.ISVSVN != 9 || q.Header.PCESVN != 13 {
		t.Errorf("QE SVN %d, PCE SVN %d; want 9 and 13", q.QEReport.ISVSVN, q.Header.PCESVN)
	}

	for _, tc := range []struct {
		at   int64
		step Step
		msg  string
	}{
		{1891163522, StepPCKChain, "expired"},
		{1670238720, StepPCKChain, "not valid before"},
		{1671194735, StepQEIdentity, "issued in the future"},
		{1673786737, StepQEIdentity, "maximum collateral age"},
	} {
		_, err := v.VerifyQuote(raw, c, time.Unix(tc.at, 0))
		checkStep(t, time.Unix(tc.at, 0).UTC().String(), err, tc.step, tc.msg)
	}
	policy.MaxCollateralAge = 90 * 24 * time.Hour
	if _, err := NewVerifier(policy).VerifyQuote(raw, c, time.Unix(1673786737, 0)); err != nil {
		t.Errorf("with a 90-day policy: %v", err)
	}

	// Without the CRLs the default policy refuses.
	_, err = NewVerifier(DefaultPolicy()).VerifyQuote(raw, c, time.Unix(1671497404, 0))
	checkStep(t, "missing CRL", err, StepRootCACRL, "no CRL")

	// The wrong issuer chain for the TCB info.
	bad := *c
	bad.TCBInfoIssuerChain = readTestdata(t, "oasis/tcb_info_v3_fmspc_00606A000000_certs_bad.pem")
	_, err = v.VerifyQuote(raw, &bad, time.Unix(1671497404, 0))
	checkStep(t, "bad QE identity chain", err, StepQEIdentity, "not Intel's TCB signing certificate")
	bad = *c
	bad.QEIdentityIssuerChain = c.TCBInfoIssuerChain
	bad.TCBInfoIssuerChain = readTestdata(t, "oasis/tcb_info_v3_fmspc_00606A000000_certs_bad.pem")
	_, err = v.VerifyQuote(raw, &bad, time.Unix(1671497404, 0))
	checkStep(t, "bad TCB info chain", err, StepTCBInfo, "not Intel's TCB signing certificate")
}

func TestEncryptedPPIDQuoteRefused(t *testing.T) {
	_, err := ParseQuote(readTestdata(t, "oasis/quote_v3_ecdsa_p256_eppid.bin"))
	checkStep(t, "eppid", err, StepParseQuote, "certification data type 3")
}
