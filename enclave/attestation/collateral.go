package attestation

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Collateral is what Intel publishes (through its PCS, or a caching PCCS) to
// verify quotes from one platform family: the signed TCB info for the
// platform's FMSPC, the signed QE identity, their issuer chains, and the
// revocation lists. Fields hold Intel's bytes unchanged, so collateral can be
// stored, hashed and re-verified.
type Collateral struct {
	// TCBInfo is the "tcbInfo" JSON object exactly as Intel signed it.
	TCBInfo []byte
	// TCBInfoSignature is the 64-byte ECDSA P-256 signature (r||s) over TCBInfo.
	TCBInfoSignature []byte
	// TCBInfoIssuerChain is the PEM chain of the TCB signing certificate
	// (Intel's TCB-Info-Issuer-Chain header).
	TCBInfoIssuerChain []byte
	// QEIdentity is the "enclaveIdentity" JSON object exactly as Intel signed it.
	QEIdentity []byte
	// QEIdentitySignature is the 64-byte signature (r||s) over QEIdentity.
	QEIdentitySignature []byte
	// QEIdentityIssuerChain is the PEM chain of the QE identity's signer;
	// empty means the TCB info's chain (Intel signs both with one key).
	QEIdentityIssuerChain []byte
	// RootCACRL is the Intel SGX Root CA's CRL (DER or PEM); empty if missing.
	RootCACRL []byte
	// PCKCRL is the CRL of the PCK certificate's CA (DER or PEM); empty if missing.
	PCKCRL []byte
	// PCKCRLIssuerChain is the PEM chain of the PCK CRL's issuer. Quote
	// verification does not need it (the CRL is checked against the CA in the
	// quote's own chain); VerifyCollateral does.
	PCKCRLIssuerChain []byte
}

// collateralJSON is the single-file layout of Phala's dcap-qvl
// (sgx_quote_collateral.json): strings throughout, signatures and CRLs in hex.
type collateralJSON struct {
	PCKCRLIssuerChain     string `json:"pck_crl_issuer_chain"`
	RootCACRL             string `json:"root_ca_crl"`
	PCKCRL                string `json:"pck_crl"`
	TCBInfoIssuerChain    string `json:"tcb_info_issuer_chain"`
	TCBInfo               string `json:"tcb_info"`
	TCBInfoSignature      string `json:"tcb_info_signature"`
	QEIdentityIssuerChain string `json:"qe_identity_issuer_chain"`
	QEIdentity            string `json:"qe_identity"`
	QEIdentitySignature   string `json:"qe_identity_signature"`
}

// ParseCollateralJSON reads collateral in the one-file JSON layout of Phala's
// dcap-qvl (documented in docs/attestation.md). Unknown fields are refused.
func ParseCollateralJSON(b []byte) (*Collateral, error) {
	c, err := parseCollateralJSON(b)
	if err != nil {
		return nil, &Error{Step: StepParseCollateral, Err: err}
	}
	return c, nil
}

func parseCollateralJSON(b []byte) (*Collateral, error) {
	var in collateralJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("collateral JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("collateral JSON: trailing data after the object")
	}
	c := &Collateral{
		TCBInfo:               []byte(in.TCBInfo),
		TCBInfoIssuerChain:    []byte(in.TCBInfoIssuerChain),
		QEIdentity:            []byte(in.QEIdentity),
		QEIdentityIssuerChain: []byte(in.QEIdentityIssuerChain),
		PCKCRLIssuerChain:     []byte(in.PCKCRLIssuerChain),
	}
	for _, f := range []struct {
		name string
		hex  string
		out  *[]byte
	}{
		{"tcb_info_signature", in.TCBInfoSignature, &c.TCBInfoSignature},
		{"qe_identity_signature", in.QEIdentitySignature, &c.QEIdentitySignature},
		{"root_ca_crl", in.RootCACRL, &c.RootCACRL},
		{"pck_crl", in.PCKCRL, &c.PCKCRL},
	} {
		v, err := hex.DecodeString(strings.TrimPrefix(f.hex, "0x"))
		if err != nil {
			return nil, fmt.Errorf("%s: not hex: %w", f.name, err)
		}
		*f.out = v
	}
	for _, f := range [][2]string{{"tcb_info", in.TCBInfo}, {"tcb_info_signature", in.TCBInfoSignature},
		{"tcb_info_issuer_chain", in.TCBInfoIssuerChain}, {"qe_identity", in.QEIdentity}, {"qe_identity_signature", in.QEIdentitySignature}} {
		if f[1] == "" {
			return nil, fmt.Errorf("%s is missing", f[0])
		}
	}
	return c, nil
}

// SplitSignedBody splits an Intel PCS response body, {"<field>": {...},
// "signature": "<hex>"}, into the signed object's exact bytes and the
// signature. field is "tcbInfo" for TCB info and "enclaveIdentity" for the
// QE identity.
func SplitSignedBody(body []byte, field string) (signed, signature []byte, err error) {
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(body, &parts); err != nil {
		return nil, nil, fmt.Errorf("signed %s: %w", field, err)
	}
	obj, ok := parts[field]
	if !ok {
		return nil, nil, fmt.Errorf("signed %s: no %q field", field, field)
	}
	var sigHex string
	if err := json.Unmarshal(parts["signature"], &sigHex); err != nil {
		return nil, nil, fmt.Errorf("signed %s: \"signature\" must be a hex string", field)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return nil, nil, fmt.Errorf("signed %s: signature: %w", field, err)
	}
	return obj, sig, nil
}

// crlDER returns the DER bytes of a CRL given as DER or PEM ("X509 CRL").
func crlDER(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN")) {
		return b, nil
	}
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "X509 CRL" {
		return nil, errors.New("PEM block is not an X509 CRL")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("trailing data after the PEM CRL")
	}
	return block.Bytes, nil
}
