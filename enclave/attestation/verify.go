package attestation

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// intelRootPEM is Intel's SGX Root CA certificate, SHA-256 fingerprint
// 44A0196B2B99F889B8E149E95B807A350E7424964399E885A7CBB8CCFAB674D3.
//
//go:embed intel_sgx_root_ca.pem
var intelRootPEM []byte

// IntelRootCA returns the pinned Intel SGX Root CA certificate.
func IntelRootCA() *x509.Certificate {
	block, _ := pem.Decode(intelRootPEM)
	if block == nil {
		panic("attestation: embedded Intel SGX Root CA is not PEM")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic("attestation: embedded Intel SGX Root CA: " + err.Error())
	}
	return cert
}

// DefaultMaxCollateralAge matches Intel's refresh cadence: TCB info and QE
// identity are reissued every 30 days.
const DefaultMaxCollateralAge = 30 * 24 * time.Hour

// Policy says what a verifier accepts beyond a valid signature chain.
type Policy struct {
	// MaxCollateralAge bounds how long after its issue date TCB info and a QE
	// identity are accepted. Intel's nextUpdate is a refresh hint; this is the
	// limit. CRLs are held to their own thisUpdate..nextUpdate window.
	MaxCollateralAge time.Duration
	// AcceptedTCBStatuses lists the statuses accepted; empty accepts every
	// status but Revoked, which is never accepted.
	AcceptedTCBStatuses []TCBStatus
	// AllowMissingCRL accepts collateral without the root CA or PCK CRL (then
	// revocation is not checked). Off, a missing CRL fails verification.
	AllowMissingCRL bool
	// AllowDebug accepts enclaves launched in debug mode, whose memory the
	// host can read. Only for development.
	AllowDebug bool
}

// DefaultPolicy is the strict policy: 30-day collateral, CRLs required, no
// debug enclaves, any TCB status but Revoked.
func DefaultPolicy() Policy {
	return Policy{MaxCollateralAge: DefaultMaxCollateralAge}
}

// Result is what a verified quote attests.
type Result struct {
	MREnclave  [32]byte
	MRSigner   [32]byte
	ISVProdID  uint16
	ISVSVN     uint16
	Attributes [16]byte
	Debug      bool
	ReportData [64]byte
	// TCBStatus combines the platform's and the quoting enclave's status.
	TCBStatus   TCBStatus
	AdvisoryIDs []string
	FMSPC       [6]byte
}

// Verifier checks quotes against a pinned root under a policy. It holds no
// mutable state and is safe for concurrent use.
type Verifier struct {
	root   *x509.Certificate
	policy Policy
}

// NewVerifier returns a verifier pinned to Intel's SGX Root CA.
func NewVerifier(p Policy) *Verifier {
	return &Verifier{root: IntelRootCA(), policy: p}
}

// VerifyQuote parses raw and verifies it; see Verify.
func (v *Verifier) VerifyQuote(raw []byte, c *Collateral, at time.Time) (*Result, error) {
	q, err := ParseQuote(raw)
	if err != nil {
		return nil, err
	}
	return v.Verify(q, c, at)
}

// Verify checks a parsed quote and its collateral at time at, in this order
// (each failure an *Error naming its step): the PCK chain to the pinned root;
// the PCK certificate's SGX extensions; the root CA and PCK CRLs; the QE
// report's signature by the PCK key; the QE report data's binding of the
// attestation key and auth data; the ISV report's signature by the
// attestation key; the QE identity; the TCB info and the platform's TCB
// level; the combined TCB status against the policy; the debug flag.
func (v *Verifier) Verify(q *Quote, c *Collateral, at time.Time) (*Result, error) {
	leaf := q.PCKChain[0]
	if err := verifyChain(q.PCKChain, v.root, at); err != nil {
		return nil, &Error{Step: StepPCKChain, Err: err}
	}
	pckKey, err := p256Key(leaf)
	if err != nil {
		return nil, &Error{Step: StepPCKChain, Err: err}
	}
	ext, err := parsePCKExtensions(leaf)
	if err != nil {
		return nil, &Error{Step: StepPCKExtensions, Err: err}
	}
	if err := v.checkRevocation(q.PCKChain, c, at); err != nil {
		return nil, err
	}
	if !verifyP256(pckKey, q.signedQE, q.QEReportSignature[:]) {
		return nil, fail(StepQEReportSignature, "the QE report is not signed by the PCK certificate's key")
	}
	binding := sha256.Sum256(append(q.AttestationKey[:len(q.AttestationKey):len(q.AttestationKey)], q.QEAuthData...))
	if !bytes.Equal(q.QEReport.ReportData[:32], binding[:]) || !allZero(q.QEReport.ReportData[32:]) {
		return nil, fail(StepQEReportData, "the QE report data does not commit to the attestation key and QE auth data")
	}
	attKey, err := rawP256Key(q.AttestationKey[:])
	if err != nil {
		return nil, &Error{Step: StepISVReportSignature, Err: err}
	}
	if !verifyP256(attKey, q.signedISV, q.Signature[:]) {
		return nil, fail(StepISVReportSignature, "the header and report body are not signed by the attestation key")
	}
	qeStatus, qeAdvisories, err := v.quotingEnclaveTCB(c, &q.QEReport, at)
	if err != nil {
		return nil, &Error{Step: StepQEIdentity, Err: err}
	}
	platformStatus, advisories, err := v.platformTCB(c, ext, at)
	if err != nil {
		return nil, &Error{Step: StepTCBInfo, Err: err}
	}
	status := convergeTCBStatus(platformStatus, qeStatus)
	if status == TCBRevoked {
		return nil, fail(StepTCBStatus, "Intel has revoked this platform's or quoting enclave's TCB")
	}
	if len(v.policy.AcceptedTCBStatuses) > 0 && !containsStatus(v.policy.AcceptedTCBStatuses, status) {
		return nil, fail(StepTCBStatus, "TCB status %s (advisories %v) is not among the accepted %v", status, mergeAdvisories(advisories, qeAdvisories), v.policy.AcceptedTCBStatuses)
	}
	if q.Report.Debug() && !v.policy.AllowDebug {
		return nil, fail(StepDebug, "the enclave runs in debug mode (its memory is readable by the host) and the policy does not allow debug enclaves")
	}
	return &Result{
		MREnclave:   q.Report.MREnclave,
		MRSigner:    q.Report.MRSigner,
		ISVProdID:   q.Report.ISVProdID,
		ISVSVN:      q.Report.ISVSVN,
		Attributes:  q.Report.Attributes,
		Debug:       q.Report.Debug(),
		ReportData:  q.Report.ReportData,
		TCBStatus:   status,
		AdvisoryIDs: mergeAdvisories(advisories, qeAdvisories),
		FMSPC:       ext.FMSPC,
	}, nil
}

// checkRevocation checks the intermediate against the root CA CRL and the
// leaf against the PCK CRL, each CRL signed by its issuer and current at at.
func (v *Verifier) checkRevocation(chain []*x509.Certificate, c *Collateral, at time.Time) error {
	leaf, ca := chain[0], chain[1]
	for _, check := range []struct {
		step    Step
		raw     []byte
		issuer  *x509.Certificate
		subject *x509.Certificate
	}{
		{StepRootCACRL, c.RootCACRL, v.root, ca},
		{StepPCKCRL, c.PCKCRL, ca, leaf},
	} {
		if len(check.raw) == 0 {
			if v.policy.AllowMissingCRL {
				continue
			}
			return fail(check.step, "the collateral has no CRL from %q and the policy requires revocation checks", check.issuer.Subject.CommonName)
		}
		if _, err := checkCRL(check.raw, check.issuer, check.subject, at); err != nil {
			return &Error{Step: check.step, Err: err}
		}
	}
	return nil
}

// checkCRL verifies a CRL's issuer, signature and window at at and, when
// subject is not nil, that subject is not revoked.
func checkCRL(raw []byte, issuer, subject *x509.Certificate, at time.Time) (*x509.RevocationList, error) {
	der, err := crlDER(raw)
	if err != nil {
		return nil, err
	}
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &outer); err != nil || len(rest) != 0 {
		return nil, errors.New("decode: not a single DER structure")
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return nil, fmt.Errorf("the CRL is issued by %q, not by %q", crl.Issuer.CommonName, issuer.Subject.CommonName)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("signature by %q: %w", issuer.Subject.CommonName, err)
	}
	if at.Before(crl.ThisUpdate) {
		return nil, fmt.Errorf("the CRL is issued in the future: %s, time %s", crl.ThisUpdate.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	if crl.NextUpdate.IsZero() || at.After(crl.NextUpdate) {
		return nil, fmt.Errorf("the CRL expired at %s (time %s): fetch a current one", crl.NextUpdate.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	if subject == nil {
		return crl, nil
	}
	for _, entry := range crl.RevokedCertificateEntries {
		if entry.SerialNumber.Cmp(subject.SerialNumber) == 0 {
			return nil, fmt.Errorf("certificate %q (serial %x) is revoked since %s", subject.Subject.CommonName, subject.SerialNumber, entry.RevocationTime.UTC().Format(time.RFC3339))
		}
	}
	return crl, nil
}

// verifyP256 checks a raw r||s ECDSA signature over SHA-256(msg).
func verifyP256(key *ecdsa.PublicKey, msg, sig []byte) bool {
	if len(sig) != signatureSize {
		return false
	}
	digest := sha256.Sum256(msg)
	r := new(big.Int).SetBytes(sig[:32])
	s := new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(key, digest[:], r, s)
}

// rawP256Key decodes a raw x||y P-256 public key.
func rawP256Key(xy []byte) (*ecdsa.PublicKey, error) {
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append([]byte{4}, xy...))
	if err != nil {
		return nil, fmt.Errorf("attestation key is not a P-256 point: %w", err)
	}
	return key, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func containsStatus(list []TCBStatus, s TCBStatus) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mergeAdvisories returns a's IDs then b's not already listed.
func mergeAdvisories(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, id := range b {
		found := false
		for _, x := range out {
			if x == id {
				found = true
				break
			}
		}
		if !found {
			out = append(out, id)
		}
	}
	return out
}
