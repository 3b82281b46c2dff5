package attestation

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TCBStatus is Intel's verdict on a platform's or quoting enclave's trusted
// computing base, from the TCB level the platform matches.
type TCBStatus string

// The TCB statuses Intel publishes.
const (
	TCBUpToDate                          TCBStatus = "UpToDate"
	TCBSWHardeningNeeded                 TCBStatus = "SWHardeningNeeded"
	TCBConfigurationNeeded               TCBStatus = "ConfigurationNeeded"
	TCBConfigurationAndSWHardeningNeeded TCBStatus = "ConfigurationAndSWHardeningNeeded"
	TCBOutOfDate                         TCBStatus = "OutOfDate"
	TCBOutOfDateConfigurationNeeded      TCBStatus = "OutOfDateConfigurationNeeded"
	TCBRevoked                           TCBStatus = "Revoked"
)

// KnownTCBStatuses lists every status, in Intel's order from best to worst.
var KnownTCBStatuses = []TCBStatus{
	TCBUpToDate, TCBSWHardeningNeeded, TCBConfigurationNeeded, TCBConfigurationAndSWHardeningNeeded,
	TCBOutOfDate, TCBOutOfDateConfigurationNeeded, TCBRevoked,
}

func parseTCBStatus(s string) (TCBStatus, error) {
	for _, k := range KnownTCBStatuses {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown TCB status %q", s)
}

// tcbInfo is Intel's signed TCB info (versions 2 and 3) for one FMSPC.
type tcbInfo struct {
	ID         string     `json:"id"`
	Version    int        `json:"version"`
	IssueDate  time.Time  `json:"issueDate"`
	NextUpdate time.Time  `json:"nextUpdate"`
	FMSPC      string     `json:"fmspc"`
	PCEID      string     `json:"pceId"`
	TCBType    int        `json:"tcbType"`
	TCBLevels  []tcbLevel `json:"tcbLevels"`
}

type tcbLevel struct {
	TCB struct {
		// Version 3: sixteen {"svn": n} objects.
		SGXTCBComponents []struct {
			SVN *int `json:"svn"`
		} `json:"sgxtcbcomponents"`
		// Version 2: sgxtcbcomp01svn .. sgxtcbcomp16svn.
		V2     [16]*int `json:"-"`
		PCESVN *int     `json:"pcesvn"`
	} `json:"tcb"`
	TCBStatus   string   `json:"tcbStatus"`
	AdvisoryIDs []string `json:"advisoryIDs"`
}

// components returns the level's 16 SGX component SVNs, whichever version.
func (l *tcbLevel) components(version int) ([16]int, error) {
	var out [16]int
	for i := range out {
		var p *int
		if version >= 3 {
			if len(l.TCB.SGXTCBComponents) != 16 {
				return out, fmt.Errorf("a TCB level has %d SGX components, want 16", len(l.TCB.SGXTCBComponents))
			}
			p = l.TCB.SGXTCBComponents[i].SVN
		} else {
			p = l.TCB.V2[i]
		}
		if p == nil || *p < 0 || *p > 255 {
			return out, fmt.Errorf("a TCB level lacks a valid SVN for component %d", i+1)
		}
		out[i] = *p
	}
	return out, nil
}

// UnmarshalJSON reads a TCB level, including version 2's numbered fields.
func (l *tcbLevel) UnmarshalJSON(b []byte) error {
	type plain tcbLevel
	if err := json.Unmarshal(b, (*plain)(l)); err != nil {
		return err
	}
	var v2 struct {
		TCB map[string]*int `json:"tcb"`
	}
	// Version 3's tcb object holds an array, which this map cannot take;
	// only version 2 levels decode here.
	if json.Unmarshal(b, &v2) == nil {
		for i := range l.TCB.V2 {
			l.TCB.V2[i] = v2.TCB[fmt.Sprintf("sgxtcbcomp%02dsvn", i+1)]
		}
	}
	return nil
}

// signedJSON checks an Intel-signed JSON object: its issuer chain leads to
// root at time at and the signature over the exact bytes verifies.
func (v *Verifier) signedJSON(body, sig, chainPEM []byte, at time.Time) error {
	chain, err := parsePEMChain(chainPEM)
	if err != nil {
		return fmt.Errorf("issuer chain: %w", err)
	}
	if err := verifyChain(chain, v.root, at); err != nil {
		return fmt.Errorf("issuer chain: %w", err)
	}
	if chain[0].IsCA {
		return fmt.Errorf("issuer chain: %q is a CA, not Intel's TCB signing certificate", chain[0].Subject.CommonName)
	}
	key, err := p256Key(chain[0])
	if err != nil {
		return fmt.Errorf("issuer chain: %w", err)
	}
	if !verifyP256(key, body, sig) {
		return fmt.Errorf("signature by %q does not verify", chain[0].Subject.CommonName)
	}
	return nil
}

// checkIssued enforces the collateral age policy on an issue date.
func (v *Verifier) checkIssued(what string, issued time.Time, at time.Time) error {
	if issued.IsZero() {
		return fmt.Errorf("%s has no issue date", what)
	}
	if at.Before(issued) {
		return fmt.Errorf("%s is issued in the future: %s, time %s", what, issued.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	if age := at.Sub(issued); age > v.policy.MaxCollateralAge {
		return fmt.Errorf("%s issued %s is %s old, more than the policy's maximum collateral age %s",
			what, issued.UTC().Format(time.RFC3339), age.Round(time.Second), v.policy.MaxCollateralAge)
	}
	return nil
}

// verifiedTCBInfo checks the TCB info's chain, signature, kind and age.
func (v *Verifier) verifiedTCBInfo(c *Collateral, at time.Time) (*tcbInfo, error) {
	if err := v.signedJSON(c.TCBInfo, c.TCBInfoSignature, c.TCBInfoIssuerChain, at); err != nil {
		return nil, err
	}
	var info tcbInfo
	if err := json.Unmarshal(c.TCBInfo, &info); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if info.ID != "" && info.ID != "SGX" {
		return nil, fmt.Errorf("TCB info is for %q, not SGX", info.ID)
	}
	if info.Version != 2 && info.Version != 3 {
		return nil, fmt.Errorf("TCB info version %d is not supported (want 2 or 3)", info.Version)
	}
	if err := v.checkIssued("TCB info", info.IssueDate, at); err != nil {
		return nil, err
	}
	return &info, nil
}

// platformTCB verifies the TCB info and returns the status and advisories of
// the TCB level the PCK certificate's TCB matches.
func (v *Verifier) platformTCB(c *Collateral, ext *PCKExtensions, at time.Time) (TCBStatus, []string, error) {
	info, err := v.verifiedTCBInfo(c, at)
	if err != nil {
		return "", nil, err
	}
	fmspc, err := hex.DecodeString(info.FMSPC)
	if err != nil || !bytes.Equal(fmspc, ext.FMSPC[:]) {
		return "", nil, fmt.Errorf("TCB info is for FMSPC %s but the PCK certificate's FMSPC is %s", info.FMSPC, strings.ToUpper(hex.EncodeToString(ext.FMSPC[:])))
	}
	pceid, err := hex.DecodeString(info.PCEID)
	if err != nil || !bytes.Equal(pceid, ext.PCEID[:]) {
		return "", nil, fmt.Errorf("TCB info is for PCE-ID %s but the PCK certificate's PCE-ID is %s", info.PCEID, strings.ToUpper(hex.EncodeToString(ext.PCEID[:])))
	}
	for _, level := range info.TCBLevels {
		comps, err := level.components(info.Version)
		if err != nil {
			return "", nil, err
		}
		if level.TCB.PCESVN == nil {
			return "", nil, errors.New("a TCB level has no pcesvn")
		}
		if !componentsAtLeast(ext.TCBComponents, comps) || int(ext.PCESVN) < *level.TCB.PCESVN {
			continue
		}
		status, err := parseTCBStatus(level.TCBStatus)
		if err != nil {
			return "", nil, err
		}
		return status, level.AdvisoryIDs, nil
	}
	return "", nil, fmt.Errorf("the platform's TCB (components %v, PCESVN %d) is below every TCB level Intel lists", ext.TCBComponents, ext.PCESVN)
}

func componentsAtLeast(have [16]uint8, want [16]int) bool {
	for i := range have {
		if int(have[i]) < want[i] {
			return false
		}
	}
	return true
}

// qeIdentity is Intel's signed identity of its quoting enclave (version 2).
type qeIdentity struct {
	ID             string    `json:"id"`
	Version        int       `json:"version"`
	IssueDate      time.Time `json:"issueDate"`
	NextUpdate     time.Time `json:"nextUpdate"`
	MiscSelect     string    `json:"miscselect"`
	MiscSelectMask string    `json:"miscselectMask"`
	Attributes     string    `json:"attributes"`
	AttributesMask string    `json:"attributesMask"`
	MRSigner       string    `json:"mrsigner"`
	ISVProdID      int       `json:"isvprodid"`
	TCBLevels      []struct {
		TCB struct {
			ISVSVN *int `json:"isvsvn"`
		} `json:"tcb"`
		TCBStatus   string   `json:"tcbStatus"`
		AdvisoryIDs []string `json:"advisoryIDs"`
	} `json:"tcbLevels"`
}

// verifiedQEIdentity checks the QE identity's chain, signature, kind and age.
func (v *Verifier) verifiedQEIdentity(c *Collateral, at time.Time) (*qeIdentity, error) {
	chain := c.QEIdentityIssuerChain
	if len(chain) == 0 {
		chain = c.TCBInfoIssuerChain
	}
	if err := v.signedJSON(c.QEIdentity, c.QEIdentitySignature, chain, at); err != nil {
		return nil, err
	}
	var id qeIdentity
	if err := json.Unmarshal(c.QEIdentity, &id); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if id.ID != "QE" {
		return nil, fmt.Errorf("identity is for %q, not the SGX quoting enclave (QE)", id.ID)
	}
	if id.Version != 2 {
		return nil, fmt.Errorf("QE identity version %d is not supported (want 2)", id.Version)
	}
	if err := v.checkIssued("QE identity", id.IssueDate, at); err != nil {
		return nil, err
	}
	return &id, nil
}

// quotingEnclaveTCB verifies the QE identity, checks the quote's QE report
// against it, and returns the QE's TCB status and advisories.
func (v *Verifier) quotingEnclaveTCB(c *Collateral, qe *ReportBody, at time.Time) (TCBStatus, []string, error) {
	id, err := v.verifiedQEIdentity(c, at)
	if err != nil {
		return "", nil, err
	}
	mrsigner, err := hexBytes("mrsigner", id.MRSigner, 32)
	if err != nil {
		return "", nil, err
	}
	if !bytes.Equal(mrsigner, qe.MRSigner[:]) {
		return "", nil, fmt.Errorf("QE report MRSIGNER %x is not Intel's %x", qe.MRSigner, mrsigner)
	}
	if int(qe.ISVProdID) != id.ISVProdID {
		return "", nil, fmt.Errorf("QE report ISVPRODID %d, want %d", qe.ISVProdID, id.ISVProdID)
	}
	misc, err := hexBytes("miscselect", id.MiscSelect, 4)
	if err != nil {
		return "", nil, err
	}
	miscMask, err := hexBytes("miscselectMask", id.MiscSelectMask, 4)
	if err != nil {
		return "", nil, err
	}
	// Intel writes MISCSELECT big-endian in the JSON; the report holds it little-endian.
	report := []byte{byte(qe.MiscSelect >> 24), byte(qe.MiscSelect >> 16), byte(qe.MiscSelect >> 8), byte(qe.MiscSelect)}
	if !maskedEqual(report, misc, miscMask) {
		return "", nil, fmt.Errorf("QE report MISCSELECT %x does not match %x under mask %x", report, misc, miscMask)
	}
	attrs, err := hexBytes("attributes", id.Attributes, 16)
	if err != nil {
		return "", nil, err
	}
	attrsMask, err := hexBytes("attributesMask", id.AttributesMask, 16)
	if err != nil {
		return "", nil, err
	}
	if !maskedEqual(qe.Attributes[:], attrs, attrsMask) {
		return "", nil, fmt.Errorf("QE report attributes %x do not match %x under mask %x", qe.Attributes, attrs, attrsMask)
	}
	for _, level := range id.TCBLevels {
		if level.TCB.ISVSVN == nil {
			return "", nil, errors.New("a QE TCB level has no isvsvn")
		}
		if int(qe.ISVSVN) < *level.TCB.ISVSVN {
			continue
		}
		status, err := parseTCBStatus(level.TCBStatus)
		if err != nil {
			return "", nil, err
		}
		return status, level.AdvisoryIDs, nil
	}
	return "", nil, fmt.Errorf("QE ISVSVN %d is below every TCB level Intel lists", qe.ISVSVN)
}

func hexBytes(name, s string, size int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != size {
		return nil, fmt.Errorf("QE identity %s %q is not %d hex bytes", name, s, size)
	}
	return b, nil
}

func maskedEqual(have, want, mask []byte) bool {
	for i := range mask {
		if have[i]&mask[i] != want[i]&mask[i] {
			return false
		}
	}
	return true
}

// convergeTCBStatus combines the platform's and the quoting enclave's status
// as Intel's quote verification library does: an out-of-date QE makes the
// whole quote out of date.
func convergeTCBStatus(platform, qe TCBStatus) TCBStatus {
	switch qe {
	case TCBRevoked:
		return TCBRevoked
	case TCBOutOfDate:
		switch platform {
		case TCBUpToDate, TCBSWHardeningNeeded:
			return TCBOutOfDate
		case TCBConfigurationNeeded, TCBConfigurationAndSWHardeningNeeded:
			return TCBOutOfDateConfigurationNeeded
		}
	}
	return platform
}
