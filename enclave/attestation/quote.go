package attestation

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Quote layout constants (Intel SGX ECDSA Quote Library API, appendix A).
const (
	// QuoteVersion3 is the SGX ECDSA quote format of DCAP 1.x.
	QuoteVersion3 = 3
	// QuoteVersion4 adds a TEE type and wraps the QE report in typed
	// certification data; only its SGX flavour (TEE type 0) is accepted.
	QuoteVersion4 = 4
	// AttestationKeyECDSAP256 is the only attestation key type SGX quotes use.
	AttestationKeyECDSAP256 = 2

	headerSize     = 48
	reportBodySize = 384
	signatureSize  = 64
	publicKeySize  = 64
	teeTypeSGX     = 0x00000000
	teeTypeTDX     = 0x00000081

	certDataPCKChain = 5
	certDataQEReport = 6
)

// intelQEVendorID is the QE vendor ID of Intel's quoting enclave.
var intelQEVendorID = [16]byte{0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07}

// certDataTypeNames names the certification data types of the quote format,
// for errors about the ones this verifier cannot use.
var certDataTypeNames = map[uint16]string{
	1: "plain PPID", 2: "PPID encrypted with RSA-2048-OAEP", 3: "PPID encrypted with RSA-3072-OAEP",
	4: "PCK leaf certificate", 5: "PCK certificate chain", 6: "QE report certification data",
	7: "platform manifest",
}

// Header is the 48-byte quote header.
type Header struct {
	Version            uint16
	AttestationKeyType uint16
	// TEEType is 0 (SGX) in version 4 quotes; version 3 reserves the field.
	TEEType    uint32
	QESVN      uint16
	PCESVN     uint16
	QEVendorID [16]byte
	UserData   [20]byte
}

// ReportBody is an SGX enclave report body (384 bytes): the enclave's
// measurements, attributes and the 64 bytes of data it chose to attest.
type ReportBody struct {
	CPUSVN     [16]byte
	MiscSelect uint32
	// Attributes holds the 8-byte flags (little-endian) then the 8-byte XFRM.
	Attributes [16]byte
	MREnclave  [32]byte
	MRSigner   [32]byte
	ISVProdID  uint16
	ISVSVN     uint16
	ReportData [64]byte
}

// attributeDebug is the DEBUG bit of the attribute flags: a debug enclave's
// memory can be read by its host, so its secrets are not secret.
const attributeDebug = 0x02

// Debug reports whether the enclave was launched in debug mode.
func (r *ReportBody) Debug() bool { return r.Attributes[0]&attributeDebug != 0 }

// Quote is a parsed SGX ECDSA quote (version 3 or 4) whose certification data
// is the PCK certificate chain. Parsing checks structure only; Verify checks
// the signatures and the chain.
type Quote struct {
	Header Header
	Report ReportBody
	// Signature is the ISV report signature (r||s) by the attestation key.
	Signature [signatureSize]byte
	// AttestationKey is the quoting enclave's P-256 public key (x||y).
	AttestationKey    [publicKeySize]byte
	QEReport          ReportBody
	QEReportSignature [signatureSize]byte
	QEAuthData        []byte
	// PCKChain is the PCK leaf certificate first, then its issuers.
	PCKChain []*x509.Certificate

	signedISV []byte // header || report body, as signed by the attestation key
	signedQE  []byte // the QE report, as signed by the PCK key
}

// ParseQuote decodes an SGX ECDSA quote. It refuses anything but versions 3
// and 4 with an ECDSA-P256 attestation key from Intel's quoting enclave and a
// PCK certificate chain as certification data, and any quote with missing or
// extra bytes.
func ParseQuote(b []byte) (*Quote, error) {
	q, err := parseQuote(b)
	if err != nil {
		return nil, &Error{Step: StepParseQuote, Err: err}
	}
	return q, nil
}

func parseQuote(b []byte) (*Quote, error) {
	if len(b) < headerSize+reportBodySize+4 {
		return nil, fmt.Errorf("quote is %d bytes, shorter than a header, report body and signature length (%d)", len(b), headerSize+reportBodySize+4)
	}
	q := &Quote{signedISV: b[:headerSize+reportBodySize]}
	h := &q.Header
	h.Version = binary.LittleEndian.Uint16(b[0:])
	h.AttestationKeyType = binary.LittleEndian.Uint16(b[2:])
	h.TEEType = binary.LittleEndian.Uint32(b[4:])
	h.QESVN = binary.LittleEndian.Uint16(b[8:])
	h.PCESVN = binary.LittleEndian.Uint16(b[10:])
	copy(h.QEVendorID[:], b[12:28])
	copy(h.UserData[:], b[28:48])
	switch h.Version {
	case QuoteVersion3:
	case QuoteVersion4:
		if h.TEEType == teeTypeTDX {
			return nil, fmt.Errorf("TEE type 0x%x is TDX; only SGX quotes are accepted", h.TEEType)
		}
		if h.TEEType != teeTypeSGX {
			return nil, fmt.Errorf("unknown TEE type 0x%x; only SGX (0) is accepted", h.TEEType)
		}
	default:
		return nil, fmt.Errorf("quote version %d is not supported (want 3 or 4)", h.Version)
	}
	if h.AttestationKeyType != AttestationKeyECDSAP256 {
		return nil, fmt.Errorf("attestation key type %d is not ECDSA-P256 (2)", h.AttestationKeyType)
	}
	if h.QEVendorID != intelQEVendorID {
		return nil, fmt.Errorf("QE vendor ID %x is not Intel's", h.QEVendorID)
	}
	parseReportBody(&q.Report, b[headerSize:headerSize+reportBodySize])

	sigLen := binary.LittleEndian.Uint32(b[headerSize+reportBodySize:])
	rest := b[headerSize+reportBodySize+4:]
	if uint64(sigLen) != uint64(len(rest)) {
		return nil, fmt.Errorf("signature data length field says %d bytes but %d follow", sigLen, len(rest))
	}
	r := reader{b: rest, what: "signature data"}
	copy(q.Signature[:], r.take(signatureSize))
	copy(q.AttestationKey[:], r.take(publicKeySize))
	qeCert := r
	if h.Version == QuoteVersion4 {
		typ, data := r.certData()
		if r.err == nil && typ != certDataQEReport {
			return nil, fmt.Errorf("version 4 certification data type %d (%s), want 6 (QE report certification data)", typ, certDataTypeNames[typ])
		}
		qeCert = reader{b: data, what: "QE report certification data", err: r.err}
		r.end()
	}
	qeReport := qeCert.take(reportBodySize)
	if qeCert.err == nil {
		q.signedQE = qeReport
		parseReportBody(&q.QEReport, qeReport)
	}
	copy(q.QEReportSignature[:], qeCert.take(signatureSize))
	q.QEAuthData = qeCert.take(int(qeCert.u16()))
	typ, chain := qeCert.certData()
	qeCert.end()
	if h.Version == QuoteVersion3 {
		r = qeCert
	}
	if r.err != nil {
		return nil, r.err
	}
	if qeCert.err != nil {
		return nil, qeCert.err
	}
	if typ != certDataPCKChain {
		name := certDataTypeNames[typ]
		if name == "" {
			name = "unknown"
		}
		return nil, fmt.Errorf("certification data type %d (%s) carries no PCK certificate chain: this verifier needs type 5; "+
			"get a quote with the PCK chain embedded (DCAP quote provider library configured with a PCCS)", typ, name)
	}
	certs, err := parsePEMChain(chain)
	if err != nil {
		return nil, fmt.Errorf("PCK certificate chain: %w", err)
	}
	if len(certs) < 2 {
		return nil, fmt.Errorf("PCK certificate chain has %d certificate(s), want the leaf and its CA at least", len(certs))
	}
	q.PCKChain = certs
	return q, nil
}

func parseReportBody(r *ReportBody, b []byte) {
	copy(r.CPUSVN[:], b[0:16])
	r.MiscSelect = binary.LittleEndian.Uint32(b[16:])
	copy(r.Attributes[:], b[48:64])
	copy(r.MREnclave[:], b[64:96])
	copy(r.MRSigner[:], b[128:160])
	r.ISVProdID = binary.LittleEndian.Uint16(b[256:])
	r.ISVSVN = binary.LittleEndian.Uint16(b[258:])
	copy(r.ReportData[:], b[320:384])
}

// reader consumes a byte slice front to back, remembering the first error.
type reader struct {
	b    []byte
	what string
	err  error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.err = fmt.Errorf("%s truncated: want %d more bytes, %d left", r.what, n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

// certData reads a certification data block: type (2 bytes), size (4 bytes), data.
func (r *reader) certData() (uint16, []byte) {
	typ := r.u16()
	size := r.take(4)
	if size == nil {
		return 0, nil
	}
	n := binary.LittleEndian.Uint32(size)
	if uint64(n) > uint64(len(r.b)) {
		r.err = fmt.Errorf("%s: certification data of %d bytes, only %d left", r.what, n, len(r.b))
		return 0, nil
	}
	return typ, r.take(int(n))
}

// end fails if bytes are left over.
func (r *reader) end() {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%s has %d unexpected trailing bytes", r.what, len(r.b))
	}
}

var (
	pemBegin = []byte("-----BEGIN CERTIFICATE-----")
	pemEnd   = []byte("-----END CERTIFICATE-----")
)

// parsePEMChain decodes concatenated PEM certificates strictly: nothing but
// line breaks between blocks, at most one NUL at the end (the C string
// terminator Intel's quoting library writes), canonical base64 (so no two
// encodings of a chain verify alike), and strict DER.
func parsePEMChain(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := bytes.TrimSuffix(b, []byte{0})
	for {
		rest = bytes.TrimLeft(rest, "\r\n")
		if len(rest) == 0 {
			break
		}
		if !bytes.HasPrefix(rest, pemBegin) {
			return nil, fmt.Errorf("certificate %d: expected %q", len(certs)+1, pemBegin)
		}
		end := bytes.Index(rest, pemEnd)
		if end < 0 {
			return nil, fmt.Errorf("certificate %d: no %q", len(certs)+1, pemEnd)
		}
		body := rest[len(pemBegin):end]
		rest = rest[end+len(pemEnd):]
		var b64 []byte
		for _, c := range body {
			if c != '\n' && c != '\r' {
				b64 = append(b64, c)
			}
		}
		der := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
		n, err := base64.StdEncoding.Strict().Decode(der, b64)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: base64: %w", len(certs)+1, err)
		}
		cert, err := x509.ParseCertificate(der[:n])
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("no PEM certificate found")
	}
	return certs, nil
}
