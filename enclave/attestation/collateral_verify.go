package attestation

import (
	"encoding/hex"
	"time"
)

// CollateralInfo describes collateral that verified on its own.
type CollateralInfo struct {
	// FMSPC is the platform family the TCB info is for.
	FMSPC [6]byte
	// TCBInfoIssued and QEIdentityIssued are Intel's issue dates.
	TCBInfoIssued    time.Time
	QEIdentityIssued time.Time
	// Expires is the first time it stops verifying under the verifier's
	// policy: an issue date plus the maximum collateral age, or a CRL's
	// next update.
	Expires time.Time
}

// VerifyCollateral checks collateral without a quote, so that anyone can
// post it and everyone can trust it: the TCB info and QE identity (issuer
// chains to the pinned root, signatures, kinds, ages), the root CA CRL signed
// by the root, and the PCK CRL signed by the leaf of PCKCRLIssuerChain, which
// must itself chain to the root; both CRLs current at at. Both CRLs are
// required whatever the policy says about missing ones.
func (v *Verifier) VerifyCollateral(c *Collateral, at time.Time) (*CollateralInfo, error) {
	qe, err := v.verifiedQEIdentity(c, at)
	if err != nil {
		return nil, &Error{Step: StepQEIdentity, Err: err}
	}
	info, err := v.verifiedTCBInfo(c, at)
	if err != nil {
		return nil, &Error{Step: StepTCBInfo, Err: err}
	}
	fmspc, err := hex.DecodeString(info.FMSPC)
	if err != nil || len(fmspc) != 6 {
		return nil, fail(StepTCBInfo, "FMSPC %q is not 6 hex bytes", info.FMSPC)
	}
	out := &CollateralInfo{TCBInfoIssued: info.IssueDate, QEIdentityIssued: qe.IssueDate}
	copy(out.FMSPC[:], fmspc)
	out.Expires = info.IssueDate.Add(v.policy.MaxCollateralAge)
	if e := qe.IssueDate.Add(v.policy.MaxCollateralAge); e.Before(out.Expires) {
		out.Expires = e
	}

	if len(c.RootCACRL) == 0 {
		return nil, fail(StepRootCACRL, "the collateral has no root CA CRL")
	}
	rootCRL, err := checkCRL(c.RootCACRL, v.root, nil, at)
	if err != nil {
		return nil, &Error{Step: StepRootCACRL, Err: err}
	}
	if len(c.PCKCRL) == 0 || len(c.PCKCRLIssuerChain) == 0 {
		return nil, fail(StepPCKCRL, "the collateral needs the PCK CRL and its issuer chain")
	}
	chain, err := parsePEMChain(c.PCKCRLIssuerChain)
	if err != nil {
		return nil, fail(StepPCKCRL, "issuer chain: %v", err)
	}
	if err := verifyChain(chain, v.root, at); err != nil {
		return nil, fail(StepPCKCRL, "issuer chain: %v", err)
	}
	pckCRL, err := checkCRL(c.PCKCRL, chain[0], nil, at)
	if err != nil {
		return nil, &Error{Step: StepPCKCRL, Err: err}
	}
	for _, next := range []time.Time{rootCRL.NextUpdate, pckCRL.NextUpdate} {
		if next.Before(out.Expires) {
			out.Expires = next
		}
	}
	return out, nil
}
