package attestation

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"
)

// Object identifiers of the SGX extensions Intel puts in PCK certificates
// (Intel SGX PCK Certificate and CRL Profile).
var (
	oidSGXExtensions = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1}
	oidPPID          = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 1}
	oidTCB           = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 2}
	oidPCEID         = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 3}
	oidFMSPC         = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 4}
)

// PCKExtensions are the platform facts Intel certifies in a PCK certificate.
type PCKExtensions struct {
	PPID  []byte
	FMSPC [6]byte
	PCEID [2]byte
	// TCBComponents are the 16 CPU SVN components of the certified TCB.
	TCBComponents [16]uint8
	PCESVN        uint16
	CPUSVN        [16]byte
}

// asn1Pair is one entry of the SGX extension's SEQUENCE OF {OID, value}.
type asn1Pair struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue
}

func parseSequenceOfPairs(der []byte) ([]asn1Pair, error) {
	var pairs []asn1Pair
	rest, err := asn1.Unmarshal(der, &pairs)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return pairs, nil
}

// parsePCKExtensions reads the SGX extensions of a PCK leaf certificate.
func parsePCKExtensions(cert *x509.Certificate) (*PCKExtensions, error) {
	var raw []byte
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidSGXExtensions) {
			if raw != nil {
				return nil, errors.New("SGX extensions appear twice")
			}
			raw = ext.Value
		}
	}
	if raw == nil {
		return nil, errors.New("the PCK certificate has no SGX extensions (OID 1.2.840.113741.1.13.1)")
	}
	pairs, err := parseSequenceOfPairs(raw)
	if err != nil {
		return nil, fmt.Errorf("SGX extensions: %w", err)
	}
	out := &PCKExtensions{}
	var seen [5]bool
	for _, p := range pairs {
		var err error
		switch {
		case p.ID.Equal(oidPPID):
			out.PPID, err = octets(p.Value, 16)
			seen[1] = true
		case p.ID.Equal(oidTCB):
			err = parseTCBExtension(p.Value, out)
			seen[2] = true
		case p.ID.Equal(oidPCEID):
			var b []byte
			b, err = octets(p.Value, 2)
			copy(out.PCEID[:], b)
			seen[3] = true
		case p.ID.Equal(oidFMSPC):
			var b []byte
			b, err = octets(p.Value, 6)
			copy(out.FMSPC[:], b)
			seen[4] = true
		}
		if err != nil {
			return nil, fmt.Errorf("SGX extension %v: %w", p.ID, err)
		}
	}
	for i, name := range []string{"", "PPID", "TCB", "PCE-ID", "FMSPC"} {
		if i > 0 && !seen[i] {
			return nil, fmt.Errorf("SGX extensions lack the %s", name)
		}
	}
	return out, nil
}

func parseTCBExtension(v asn1.RawValue, out *PCKExtensions) error {
	pairs, err := parseSequenceOfPairs(v.FullBytes)
	if err != nil {
		return err
	}
	var seen [19]bool
	for _, p := range pairs {
		n := len(p.ID)
		if n != len(oidTCB)+1 || !p.ID[:n-1].Equal(oidTCB) || p.ID[n-1] < 1 || p.ID[n-1] > 18 {
			continue
		}
		i := p.ID[n-1]
		if seen[i] {
			return fmt.Errorf("TCB component %d appears twice", i)
		}
		seen[i] = true
		switch {
		case i <= 16:
			svn, err := integer(p.Value, 255)
			if err != nil {
				return fmt.Errorf("TCB component %d: %w", i, err)
			}
			out.TCBComponents[i-1] = uint8(svn)
		case i == 17:
			svn, err := integer(p.Value, 65535)
			if err != nil {
				return fmt.Errorf("PCESVN: %w", err)
			}
			out.PCESVN = uint16(svn)
		case i == 18:
			b, err := octets(p.Value, 16)
			if err != nil {
				return fmt.Errorf("CPUSVN: %w", err)
			}
			copy(out.CPUSVN[:], b)
		}
	}
	for i := 1; i <= 18; i++ {
		if !seen[i] {
			return fmt.Errorf("TCB lacks component %d", i)
		}
	}
	return nil
}

func octets(v asn1.RawValue, size int) ([]byte, error) {
	var b []byte
	if rest, err := asn1.Unmarshal(v.FullBytes, &b); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("not an OCTET STRING")
	}
	if len(b) != size {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), size)
	}
	return b, nil
}

func integer(v asn1.RawValue, max int64) (int64, error) {
	var n int64
	if rest, err := asn1.Unmarshal(v.FullBytes, &n); err != nil || len(rest) != 0 {
		return 0, fmt.Errorf("not an INTEGER")
	}
	if n < 0 || n > max {
		return 0, fmt.Errorf("%d out of range 0..%d", n, max)
	}
	return n, nil
}

// verifyChain checks that chain (leaf first) leads to root at time at: each
// certificate signed by the next and valid at that time, every issuer a CA,
// and the top signed by root itself. The chain may end with root (it must then
// be root byte for byte) or stop below it; any other self-signed certificate
// means a chain to another root and is refused.
func verifyChain(chain []*x509.Certificate, root *x509.Certificate, at time.Time) error {
	if len(chain) > 0 && bytes.Equal(chain[len(chain)-1].Raw, root.Raw) {
		chain = chain[:len(chain)-1]
	}
	if len(chain) == 0 {
		return errors.New("the chain holds no certificate below the root")
	}
	for i, cert := range chain {
		issuer := root
		if i+1 < len(chain) {
			issuer = chain[i+1]
		}
		if bytes.Equal(cert.RawIssuer, cert.RawSubject) && cert.CheckSignatureFrom(cert) == nil {
			return fmt.Errorf("certificate %q is a root other than the pinned %q", cert.Subject.CommonName, root.Subject.CommonName)
		}
		if err := checkValidity(cert, at); err != nil {
			return err
		}
		if !issuer.BasicConstraintsValid || !issuer.IsCA {
			return fmt.Errorf("issuer %q of %q is not a CA", issuer.Subject.CommonName, cert.Subject.CommonName)
		}
		if !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
			return fmt.Errorf("certificate %q is issued by %q, not by %q", cert.Subject.CommonName, cert.Issuer.CommonName, issuer.Subject.CommonName)
		}
		if err := cert.CheckSignatureFrom(issuer); err != nil {
			return fmt.Errorf("certificate %q: signature by %q: %w", cert.Subject.CommonName, issuer.Subject.CommonName, err)
		}
	}
	return checkValidity(root, at)
}

func checkValidity(cert *x509.Certificate, at time.Time) error {
	if at.Before(cert.NotBefore) {
		return fmt.Errorf("certificate %q is not valid before %s (time %s)", cert.Subject.CommonName, cert.NotBefore.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	if at.After(cert.NotAfter) {
		return fmt.Errorf("certificate %q expired at %s (time %s)", cert.Subject.CommonName, cert.NotAfter.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	return nil
}

// p256Key returns cert's public key if it is an ECDSA P-256 key.
func p256Key(cert *x509.Certificate) (*ecdsa.PublicKey, error) {
	key, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("certificate %q does not hold an ECDSA P-256 key", cert.Subject.CommonName)
	}
	return key, nil
}

// PCKExtensions returns the SGX extensions of the quote's PCK leaf, such as
// the FMSPC that selects the collateral, before the quote is verified.
func (q *Quote) PCKExtensions() (*PCKExtensions, error) {
	ext, err := parsePCKExtensions(q.PCKChain[0])
	if err != nil {
		return nil, &Error{Step: StepPCKExtensions, Err: err}
	}
	return ext, nil
}
