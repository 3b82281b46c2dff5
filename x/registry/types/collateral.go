package types

import "github.com/phala-cosmos/phala-cosmos/enclave/attestation"

// NewCollateral copies verifier collateral into its on-chain form.
func NewCollateral(c *attestation.Collateral) Collateral {
	return Collateral{
		TcbInfo: c.TCBInfo, TcbInfoSignature: c.TCBInfoSignature, TcbInfoIssuerChain: c.TCBInfoIssuerChain,
		QeIdentity: c.QEIdentity, QeIdentitySignature: c.QEIdentitySignature, QeIdentityIssuerChain: c.QEIdentityIssuerChain,
		RootCaCrl: c.RootCACRL, PckCrl: c.PCKCRL, PckCrlIssuerChain: c.PCKCRLIssuerChain,
	}
}

// Attestation returns the collateral in the verifier's form.
func (c *Collateral) Attestation() *attestation.Collateral {
	return &attestation.Collateral{
		TCBInfo: c.TcbInfo, TCBInfoSignature: c.TcbInfoSignature, TCBInfoIssuerChain: c.TcbInfoIssuerChain,
		QEIdentity: c.QeIdentity, QEIdentitySignature: c.QeIdentitySignature, QEIdentityIssuerChain: c.QeIdentityIssuerChain,
		RootCACRL: c.RootCaCrl, PCKCRL: c.PckCrl, PCKCRLIssuerChain: c.PckCrlIssuerChain,
	}
}
